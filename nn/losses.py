r"""Loss functions: one number that says how wrong the predictions are.

Training lowers the loss by gradient descent, so every loss here returns a
``Value``: call ``loss.backward()`` and every weight's ``grad`` holds
$\partial L / \partial w$.

**Shapes and the batch convention.** Predictions ``p`` and targets ``t``
may be

* one number or Value (one example, one output),
* a flat list (the outputs of one example, or one output for each example
  of a batch: for the element-wise means below the two readings agree), or
* a list of lists (a batch: one list of outputs per example).

The cost of a batch is the *mean* of the per-example losses, as in
PyTorch's default ``reduction="mean"``. Each docstring states exactly
what is summed and what is averaged.

Every loss is built from engine primitives, so its gradient needs no code
of its own; the docstrings give the derivative for reference.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from engine import Constant, Value, sum_values
from nn.softmax import log_softmax

Number = int | float
Scalar = Value | Number
Predictions = Scalar | Sequence[Scalar] | Sequence[Sequence[Scalar]]


# -- shapes -------------------------------------------------------------------


def _is_scalar(x: object) -> bool:
    """A Value or a real number (int, float, numpy float, a bool as 0/1)."""
    return isinstance(x, (Value, numbers.Real))


def _rows(x: object, name: str, what: str) -> tuple[list[list[Scalar]], bool]:
    """``x`` as a list of rows (examples), and whether it was given as a batch (nested)."""
    if _is_scalar(x):
        return [[x]], False  # type: ignore[list-item]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(
            f"{name}: {what} must be a number, a Value or a list of them, "
            f"got {type(x).__name__}: {x!r}"
        )
    items = list(x)  # type: ignore[call-overload]
    if not items:
        raise ValueError(f"{name}: {what} is empty; give at least one value")
    if all(_is_scalar(item) for item in items):
        return [items], False
    rows = []
    for item in items:
        is_list = hasattr(item, "__iter__") and not isinstance(item, (str, bytes))
        if _is_scalar(item) or not is_list:  # pragma: no mutate (no scalar has __iter__)
            raise TypeError(
                f"{name}: {what} mixes numbers and lists; give a flat list or a list of lists"
            )
        row = list(item)
        if not row or not all(_is_scalar(v) for v in row):
            raise TypeError(f"{name}: every row of {what} must be a non-empty list of numbers")
        rows.append(row)
    return rows, True


def _paired(
    predictions: Predictions, targets: Predictions, name: str
) -> tuple[list[list[tuple[Scalar, Scalar]]], bool]:
    """Rows of (prediction, target) pairs, checking that the shapes match."""
    p_rows, p_batch = _rows(predictions, name, "predictions")
    t_rows, _ = _rows(targets, name, "targets")
    if len(p_rows) != len(t_rows) or any(len(p) != len(t) for p, t in zip(p_rows, t_rows)):
        p_shape = [len(r) for r in p_rows] if p_batch else len(p_rows[0])
        t_shape = [len(r) for r in t_rows] if len(t_rows) > 1 else len(t_rows[0])
        raise ValueError(
            f"{name}: predictions and targets differ in shape ({p_shape} vs {t_shape}); "
            "give one target per prediction"
        )
    return [list(zip(p, t)) for p, t in zip(p_rows, t_rows)], p_batch  # shapes checked above


def _mean(terms: list[Value]) -> Value:
    """$\\frac{1}{n} \\sum_i v_i$ as one sum node and one division."""
    return sum_values(terms) / len(terms)


def _as_value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Constant(x)


# -- regression losses -----------------------------------------------------------


def mse(predictions: Predictions, targets: Predictions) -> Value:
    r"""Mean squared error: $\frac{1}{N} \sum_i (p_i - t_i)^2$ over all $N$ values.

    For a batch of equally long rows this is the mean over examples of each
    example's mean squared error (``torch.nn.MSELoss()``).
    $\partial L / \partial p_i = 2 (p_i - t_i) / N$.

    >>> mse([1.0, 2.0], [0.0, 4.0]).data  # (1 + 4) / 2
    2.5
    """
    rows, _ = _paired(predictions, targets, "mse")
    return _mean([(_as_value(p) - t) ** 2 for row in rows for p, t in row])


def sse(predictions: Predictions, targets: Predictions) -> Value:
    r"""Sum of squared errors: $\sum_k (p_k - t_k)^2$ over one example's outputs.

    A flat list is one example (micrograd sums its whole batch this way);
    a batch (list of lists) gives the mean over examples of each example's
    sum. $\partial L / \partial p_k = 2 (p_k - t_k)$ (divided by the
    number of examples for a batch).

    >>> sse([1.0, 2.0], [0.0, 4.0]).data  # 1 + 4
    5.0
    >>> sse([[1.0, 2.0], [0.0, 0.0]], [[0.0, 4.0], [0.0, 1.0]]).data  # (5 + 1) / 2
    3.0
    """
    rows, _ = _paired(predictions, targets, "sse")
    per_example = [sum_values([(_as_value(p) - t) ** 2 for p, t in row]) for row in rows]
    if len(per_example) == 1:  # one example: its own sum (the mean of one is itself)
        return per_example[0]
    return _mean(per_example)


def rmse(predictions: Predictions, targets: Predictions) -> Value:
    r"""Root mean squared error: $\sqrt{\frac{1}{N} \sum_i (p_i - t_i)^2}$ over all $N$ values.

    For a batch (list of lists) this is the root of the batch's ``mse``, as
    ``torch.sqrt(torch.nn.MSELoss()(p, t))``, not the mean of per-example RMSEs
    (``fit(loss="rmse")`` averages per-example RMSEs, like every loss it is given).
    In the units of the targets. $\partial L / \partial p_i = (p_i - t_i) / (N L)$,
    undefined when every prediction is exact ($L = 0$): there the gradient
    is taken as 0 instead of dividing by zero.

    >>> rmse([1.0, 2.0], [1.0, 4.0]).data  # sqrt((0 + 4) / 2)
    1.4142135623730951
    """
    mean_square = mse(predictions, targets)
    if mean_square.data == 0.0:
        return mean_square * 0.0  # the value 0, with gradient 0 (the minimum)
    return mean_square**0.5


def mae(predictions: Predictions, targets: Predictions) -> Value:
    r"""Mean absolute error: $\frac{1}{N} \sum_i |p_i - t_i|$ over all $N$ values.

    $\partial L / \partial p_i = \operatorname{sign}(p_i - t_i) / N$ (0 where exact,
    as ``torch.nn.L1Loss``).

    >>> mae([1.0, 2.0], [0.0, 4.0]).data  # (1 + 2) / 2
    1.5
    """
    rows, _ = _paired(predictions, targets, "mae")
    return _mean([abs(_as_value(p) - t) for row in rows for p, t in row])


# -- classification losses ---------------------------------------------------------


class InfiniteLossError(ValueError):
    """A loss that is infinite, not merely large: a probability of exactly 0 or 1 on the wrong side.

    A ``ValueError``; ``nn.fit`` reports it as a ``NonFiniteLossError`` (a
    learning rate too high has usually saturated a sigmoid).
    """


def _check_binary_targets(rows: list[list[tuple[Scalar, Scalar]]], name: str) -> None:
    for row in rows:
        for _, t in row:
            value = t.data if isinstance(t, Value) else t
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: targets must lie in [0, 1], got {value!r}")


def binary_cross_entropy(probabilities: Predictions, targets: Predictions) -> Value:
    r"""Binary cross-entropy on probabilities $p_i \in (0, 1)$, mean over all $N$ values.

    $$L = -\frac{1}{N} \sum_i \big[t_i \ln p_i + (1 - t_i) \ln(1 - p_i)\big],
    \qquad \frac{\partial L}{\partial p_i} = \frac{p_i - t_i}{N\,p_i (1 - p_i)}.$$

    Terms whose weight is 0 are left out, so a target of exactly 1 never
    needs $\ln(1 - p)$. A probability of exactly 0 or 1 on the wrong side
    makes the loss infinite: that is a ``ValueError`` here (no silent
    epsilon). Feed the pre-sigmoid score to
    ``binary_cross_entropy_with_logits`` instead, which never saturates.

    >>> round(binary_cross_entropy([0.8, 0.4], [1.0, 0.0]).data, 6)  # -(ln 0.8 + ln 0.6)/2
    0.366985
    """
    rows, _ = _paired(probabilities, targets, "binary_cross_entropy")
    _check_binary_targets(rows, "binary_cross_entropy")
    terms = []
    for row in rows:
        for p, t in row:
            p = _as_value(p)
            t_value = t.data if isinstance(t, Value) else float(t)
            if not 0.0 <= p.data <= 1.0:
                raise ValueError(
                    f"binary_cross_entropy: predictions must be probabilities in [0, 1], "
                    f"got {p.data!r}; for raw scores use binary_cross_entropy_with_logits"
                )
            if (t_value > 0 and p.data <= 0.0) or (t_value < 1 and p.data >= 1.0):
                raise InfiniteLossError(
                    f"binary_cross_entropy: probability {p.data!r} for target {t_value!r} "
                    "gives an infinite loss; use binary_cross_entropy_with_logits on the "
                    "score before the sigmoid (it is exact where the sigmoid saturates)"
                )
            parts = []
            if t_value != 0:
                parts.append(t * p.log())
            if t_value != 1:
                parts.append((1 - t) * (1 - p).log())
            terms.append(-sum_values(parts))
    return _mean(terms)


def binary_cross_entropy_with_logits(logits: Predictions, targets: Predictions) -> Value:
    r"""Binary cross-entropy on scores $z_i$ (before the sigmoid), mean over all $N$ values.

    With $p = \sigma(z)$ the per-value loss
    $-[t \ln \sigma(z) + (1 - t) \ln(1 - \sigma(z))]$ simplifies to
    $\operatorname{softplus}(z) - t z = \ln(1 + e^z) - t z$,
    which the engine computes without overflow for any $z$. Its derivative
    is the famous $\partial L / \partial z_i = (\sigma(z_i) - t_i) / N$.
    Same as ``torch.nn.BCEWithLogitsLoss()``.

    >>> binary_cross_entropy_with_logits([1000.0], [0.0]).data  # sigmoid would give p = 1.0
    1000.0
    """
    rows, _ = _paired(logits, targets, "binary_cross_entropy_with_logits")
    _check_binary_targets(rows, "binary_cross_entropy_with_logits")
    return _mean([_as_value(z).softplus() - t * z for row in rows for z, t in row])


def _check_index(target: object, num_classes: int, name: str) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(
            f"{name}: a target must be a class index (int), got {type(target).__name__}: {target!r}"
        )
    if not 0 <= target < num_classes:
        raise ValueError(f"{name}: target index {target} is out of range for {num_classes} classes")
    return int(target)


def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]], target_index: int | Sequence[int]
) -> Value:
    r"""Multi-class cross-entropy on raw scores (logits) and the index of the true class.

    $$L = -\ln \operatorname{softmax}(z)_y = -z_y + \ln \sum_j e^{z_j},
    \qquad \frac{\partial L}{\partial z_j} = \operatorname{softmax}(z)_j - [j = y].$$

    Computed through ``log_softmax``, so stable for any scores. A batch is
    a list of logit lists with a list of indices: the mean over examples
    (``torch.nn.CrossEntropyLoss()``).

    Pass the *logits* (a linear output layer), not softmax probabilities:
    the softmax is applied here. (Applying it twice still trains, but
    badly: the probabilities squashed again all look alike.)

    >>> cross_entropy([34.0, 32.0, 25.0], 1).data  # -ln(0.1191...): the apple
    2.1270367041304983
    >>> round(cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 0]).data, 6)
    1.126928
    """
    name = "cross_entropy"
    is_batch = not isinstance(target_index, (numbers.Integral, str, bytes))
    if is_batch and hasattr(target_index, "__iter__"):
        target_index = list(target_index)  # a batch: one index per row of logits
        batch = list(logits)
        if len(batch) != len(target_index):
            raise ValueError(
                f"{name}: {len(batch)} logit rows but {len(target_index)} targets; "
                "give one class index per example"
            )
        if not batch:
            raise ValueError(f"{name}: the batch is empty")
        return _mean([cross_entropy(row, y) for row, y in zip(batch, target_index)])
    if _is_scalar(logits):
        raise TypeError(
            f"{name}: needs one score per class (a list of logits), got a single "
            f"{type(logits).__name__}; for one output (two classes) use "
            "binary_cross_entropy_with_logits"
        )
    scores = list(logits)
    if not scores:
        raise ValueError(f"{name}: the logits are empty; give one score per class")
    if not all(_is_scalar(z) for z in scores):
        raise TypeError(
            f"{name}: logits must be a list of numbers for one target index "
            "(or a list of lists with a list of indices)"
        )
    y = _check_index(target_index, len(scores), name)
    return -log_softmax(scores)[y]


def hinge(scores: Predictions, labels: Predictions) -> Value:
    r"""Max-margin (hinge) loss, micrograd's SVM loss: mean of $\max(0, 1 - y_i s_i)$.

    $L = \frac{1}{N} \sum_i \max(0, 1 - y_i s_i)$ over all $N$ scores: for a
    batch with one score per example, the mean over examples (micrograd's demo).
    Labels $y_i \in \{-1, +1\}$. A score on the right side by a margin of at
    least 1 costs nothing; otherwise the cost grows linearly.
    $\partial L / \partial s_i = -y_i / N$ where $y_i s_i < 1$, else 0.

    >>> hinge([2.0, 0.5, -1.0], [1, 1, 1]).data  # (0 + 0.5 + 2) / 3
    0.8333333333333334
    """
    rows, _ = _paired(scores, labels, "hinge")
    terms = []
    for row in rows:
        for s, y in row:
            label = y.data if isinstance(y, Value) else y
            if label not in (-1, 1):
                raise ValueError(f"hinge: labels must be -1 or +1, got {label!r}")
            terms.append((1 - y * _as_value(s)).relu())
    return _mean(terms)


#: Every loss by name, for ``fit(loss="mse")`` and friends.
LOSSES = {
    "mse": mse,
    "sse": sse,
    "rmse": rmse,
    "mae": mae,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
}
