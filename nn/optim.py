r"""Optimizers: how the weights move once ``backward()`` has filled their gradients.

Plain gradient descent takes a step against the gradient,
$w \leftarrow w - \eta\,\partial L / \partial w$, with learning rate $\eta$
(``lr``): too high overshoots the minimum, too low crawls toward it.

Both optimizers follow ``torch.optim``'s update rules exactly, so a model
trained here and the same model trained with PyTorch (in float64) take the
same steps. The loop is the same as PyTorch's too:

>>> from engine import Value
>>> w = Value(3.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(3):
...     opt.zero_grad()
...     loss = w * w  # dL/dw = 2w
...     loss.backward()
...     opt.step()  # w <- w - 0.1 * 2w = 0.8 w
>>> round(w.data, 12)  # 3 * 0.8**3
1.536

``lr`` may be a number or a *schedule*: a function of the step index
(0 for the first ``step()``) returning the learning rate for that step,
e.g. ``lambda t: 0.1 * 0.99**t``.

``state_dict()`` is a snapshot of what ``step()`` changes (the step count and
the running averages: SGD's momentum buffers, Adam's moments), and
``load_state_dict(state)`` puts it back, so a step can be undone or training
resumed exactly. Unlike PyTorch's, the snapshot holds no hyperparameters:
``lr``, ``momentum`` and the rest are the optimizer's constructor arguments.

>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> snapshot = opt.state_dict()
>>> opt.step()
>>> opt.load_state_dict(snapshot)
>>> opt.state_dict() == snapshot
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from engine import Value

Number = int | float
LearningRate = Number | Callable[[int], Number]


def _check_number(value: object, name: str, low: float, high: float | None = None) -> float:
    """``value`` as a float in ``[low, high)`` (no upper bound without ``high``), else an error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < low or (high is not None and value >= high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


class Optimizer:
    """The common part: the parameter list, ``zero_grad()``, and the learning rate.

    ``params`` is an iterable of Values (``model.parameters()``) or a model
    itself. ``step_count`` counts the ``step()`` calls made so far.
    """

    def __init__(self, params: Iterable[Value] | object, lr: LearningRate) -> None:
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            raise TypeError(
                f"params must be a list of Values (e.g. model.parameters()), "
                f"got {type(params).__name__}"
            )
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
            if id(p) in seen:
                raise ValueError(
                    f"params[{i}] appears twice in the parameter list; it would be updated twice"
                )
            seen.add(id(p))
        if not callable(lr):
            _check_number(lr, "lr", 0.0)
        self.lr = lr
        self.step_count = 0

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 before the next ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def current_lr(self) -> float:
        """The learning rate for the next ``step()``: ``lr``, or ``lr(step_count)`` (a schedule)."""
        if callable(self.lr):
            return _check_number(self.lr(self.step_count), f"lr({self.step_count})", 0.0)
        return float(self.lr)

    def step(self) -> None:
        """Move every parameter once, using its current ``grad``."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """A snapshot of what ``step()`` changes: ``{"step_count": ..., <running averages>}``.

        The lists are copies: later steps do not change the snapshot.
        """
        return {"step_count": self.step_count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Put back a snapshot from ``state_dict()`` (of an optimizer of the same kind and size).

        Raises ``ValueError`` naming what does not fit (a missing or unknown
        entry, a list of the wrong length, a value that is not a finite
        number); nothing is changed unless everything fits.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state).__name__}")
        expected = set(self.state_dict())
        if set(state) != expected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected the entries "
                f"{sorted(expected)}, got {sorted(state)}"
            )
        count = state["step_count"]
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise ValueError(f"step_count must be an int >= 0, got {count!r}")
        self._load_running_averages(state)
        self.step_count = int(count)

    def _load_running_averages(self, state: dict[str, Any]) -> None:
        """Set the subclass's running averages from ``state`` (already checked for its keys)."""

    def _checked_list(
        self, values: object, name: str, allow_none: bool = False
    ) -> list[float | None]:
        """``values`` as a new list of one finite float (or ``None``) per parameter."""
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ValueError(f"{name} must be a list, got {type(values).__name__}")
        if len(values) != len(self.params):
            raise ValueError(
                f"{name} has {len(values)} entries but the optimizer has "
                f"{len(self.params)} parameters"
            )
        checked: list[float | None] = []
        for i, value in enumerate(values):
            if value is None and allow_none:
                checked.append(None)
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name}[{i}] must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name}[{i}] must be a finite number, got {value!r}")
            checked.append(float(value))
        return checked

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    r"""(Stochastic) gradient descent, with optional momentum and weight decay.

    For each parameter $p$ with gradient $g$, exactly as ``torch.optim.SGD``:

    1. weight decay (an L2 penalty $\frac{\lambda}{2} p^2$ in the loss):
       $g \leftarrow g + \lambda p$;
    2. momentum $\mu$: $b \leftarrow \mu b + g$ (on the first step $b = g$),
       then $g \leftarrow b$;
    3. the step: $p \leftarrow p - \eta g$.

    "Stochastic" refers to computing the loss on a random mini-batch, which
    is the training loop's business; the update is the same.
    """

    def __init__(
        self,
        params: Iterable[Value] | object,
        lr: LearningRate,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum", 0.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", 0.0)
        self.momentum_buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        """One update of every parameter (see the class docstring)."""
        lr = self.current_lr()
        momentum, decay = self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            if decay != 0.0:
                g = g + decay * p.data
            if momentum != 0.0:
                buffer = self.momentum_buffers[i]
                buffer = g if buffer is None else momentum * buffer + g
                self.momentum_buffers[i] = buffer
                g = buffer
            p.data = p.data - lr * g
        self.step_count += 1

    def state_dict(self) -> dict[str, Any]:
        """``{"step_count": t, "momentum_buffers": [b per parameter, None before the first]}``."""
        return {**super().state_dict(), "momentum_buffers": list(self.momentum_buffers)}

    def _load_running_averages(self, state: dict[str, Any]) -> None:
        buffers = self._checked_list(state["momentum_buffers"], "momentum_buffers", True)
        self.momentum_buffers = buffers


class Adam(Optimizer):
    r"""Adam: gradient descent with per-parameter step sizes from running moment estimates.

    For each parameter $p$ with gradient $g$, at step $t = 1, 2, \dots$,
    exactly as ``torch.optim.Adam``:

    1. weight decay: $g \leftarrow g + \lambda p$;
    2. first moment (a running mean of gradients): $m \leftarrow \beta_1 m + (1 - \beta_1) g$;
    3. second moment (a running mean of squares): $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$;
    4. bias corrections (both start at 0): $c_1 = 1 - \beta_1^t$, $c_2 = 1 - \beta_2^t$;
    5. the step:
       $p \leftarrow p - \frac{\eta}{c_1} \cdot \frac{m}{\sqrt{v} / \sqrt{c_2} + \epsilon}$.

    Step 5 is $\eta\,\hat m / (\sqrt{\hat v} + \epsilon)$ with $\hat m = m/c_1$,
    $\hat v = v / c_2$, arranged as PyTorch arranges it (so $\epsilon$ is
    added after dividing by $\sqrt{c_2}$). Each step moves a parameter by
    about $\eta$ at most, whatever the scale of its gradient.
    """

    def __init__(
        self,
        params: Iterable[Value] | object,
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number(betas[0], "betas[0]", 0.0, 1.0),
            _check_number(betas[1], "betas[1]", 0.0, 1.0),
        )
        self.eps = _check_number(eps, "eps", 0.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", 0.0)
        self.m = [0.0] * len(self.params)  # first moments
        self.v = [0.0] * len(self.params)  # second moments

    def step(self) -> None:
        """One update of every parameter (see the class docstring)."""
        lr = self.current_lr()
        beta1, beta2 = self.betas
        decay, eps = self.weight_decay, self.eps
        t = self.step_count + 1
        step_size = lr / (1.0 - beta1**t)
        sqrt_c2 = math.sqrt(1.0 - beta2**t)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            if decay != 0.0:
                g = g + decay * p.data
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            denominator = math.sqrt(v[i]) / sqrt_c2 + eps
            p.data = p.data - step_size * (m[i] / denominator)
        self.step_count = t

    def state_dict(self) -> dict[str, Any]:
        """``{"step_count": t, "m": [first moments], "v": [second moments]}``."""
        return {**super().state_dict(), "m": list(self.m), "v": list(self.v)}

    def _load_running_averages(self, state: dict[str, Any]) -> None:
        m = self._checked_list(state["m"], "m")
        v = self._checked_list(state["v"], "v")
        if any(x < 0 for x in v):  # type: ignore[operator]
            raise ValueError("v (the second moments, running means of squares) must be >= 0")
        self.m, self.v = m, v  # type: ignore[assignment]
