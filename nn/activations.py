r"""Activation functions, looked up by name.

A neuron computes $z = \sum_i w_i x_i + b$ and then an activation $a = f(z)$.
Every activation below is a method of ``engine.Value``, where its forward
value and its derivative are written side by side; this module only gives
each one a name, so that a layer can be described as
``Layer(4, 3, activation="tanh")`` and saved to a file.

| name | $f(z)$ | $f'(z)$ |
|---|---|---|
| ``linear`` | $z$ | $1$ |
| ``relu`` | $\max(0, z)$ | $1$ if $z > 0$ else $0$ |
| ``leaky_relu`` | $z$ if $z > 0$ else $0.01 z$ | $1$ or $0.01$ |
| ``elu`` | $z$ if $z > 0$ else $e^z - 1$ | $1$ or $e^z$ |
| ``sigmoid`` | $\sigma(z) = 1 / (1 + e^{-z})$ | $\sigma(z)(1 - \sigma(z))$ |
| ``tanh`` | $\tanh z$ | $1 - \tanh^2 z$ |
| ``softplus`` | $\ln(1 + e^z)$ | $\sigma(z)$ |
| ``silu`` | $z\,\sigma(z)$ | $\sigma(z)(1 + z(1 - \sigma(z)))$ |
| ``dsilu`` | $\sigma(z)(1 + z(1 - \sigma(z)))$ | see ``Value.dsilu`` |
| ``hard_sigmoid`` | $\min(1, \max(0, z/6 + 1/2))$ | $1/6$ on $(-3, 3)$, else $0$ |
| ``step`` | $0$ if $z < 0$ else $1$ | $0$ |
| ``sign`` | $-1$ if $z < 0$ else $1$ | $0$ |

``softmax`` is different: it needs the whole layer's outputs at once
(see ``nn.softmax``), so it is only valid as a *layer* activation, usually
the output layer of a classifier.

Any callable that takes a Value and returns a Value works as an activation
too (such a model can be used and trained, but not saved to a file, since
a file can only name an activation). ``register_activation(name, fn)``
gives your own function a name: then it works by name in ``Neuron``,
``Layer`` and ``MLP``, in ``save``/``load``, and in ``to_torch`` when a
torch module is given with ``torch=``. A custom activation is checked each
time it runs: returning a float or ``None``, or a new Value cut off from
its input, is a ``TypeError`` that names it (a silent gradient of 0 is the
worst bug a network can have).

>>> from engine import Value
>>> get_activation("relu")(Value(-2.0)).data
0.0
>>> get_activation(lambda z: z * z)(Value(3.0)).data
9.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from engine import Value, is_grad_enabled

Activation = Callable[[Value], Value]


def linear(z: Value) -> Value:
    r"""The identity $f(z) = z$, $f'(z) = 1$: no activation (a regression output)."""
    return z


#: Every element-wise activation, by name. Each maps one Value to one Value.
ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "elu": Value.elu,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "softplus": Value.softplus,
    "silu": Value.silu,
    "dsilu": Value.dsilu,
    "hard_sigmoid": Value.hard_sigmoid,
    "step": Value.step,
    "sign": Value.sign,
}

#: Activations that act on a whole layer's outputs together, not one neuron at a time.
LAYER_ACTIVATIONS: tuple[str, ...] = ("softmax",)

#: The built-in names, which ``register_activation`` may not replace.
BUILTIN_ACTIVATIONS: frozenset[str] = frozenset(ACTIVATIONS) | frozenset(LAYER_ACTIVATIONS)

#: For each name given to ``register_activation``: its torch module factory, or ``None``.
TORCH_FACTORIES: dict[str, Callable[[], Any] | None] = {}


def register_activation(
    name: str, fn: Activation, *, torch: Callable[[], Any] | None = None
) -> None:
    """Give the activation ``fn`` (a Value -> Value function) the name ``name``.

    Afterwards ``Neuron``, ``Layer`` and ``MLP`` accept ``activation=name``,
    a model using it can be saved and loaded (in a process that has
    registered the same name), and ``to_torch`` converts it when ``torch``
    is given: a function with no arguments that returns a ``torch.nn.Module``
    computing the same function, e.g. ``torch=lambda: torch.nn.GELU()``.

    Registering a name again replaces it (a notebook cell run twice); a
    built-in name (``"relu"``, ...) is a ``ValueError``;
    ``unregister_activation(name)`` removes it.

    >>> from engine import Value
    >>> register_activation("cube", lambda z: z * z * z)
    >>> get_activation("cube")(Value(2.0)).data
    8.0
    >>> unregister_activation("cube")
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"register_activation: name must be a non-empty str, got {name!r}")
    if name in BUILTIN_ACTIVATIONS:
        raise ValueError(
            f"register_activation: {name!r} is a built-in activation; choose another name "
            f"for yours (e.g. {name + '_mine'!r})"
        )
    if not callable(fn):
        raise TypeError(
            f"register_activation: fn must be a function Value -> Value, got {type(fn).__name__}"
        )
    if torch is not None and not callable(torch):
        raise TypeError(
            "register_activation: torch= must be a function that returns a torch module, "
            "e.g. torch=lambda: torch.nn.GELU()"
        )
    ACTIVATIONS[name] = fn
    TORCH_FACTORIES[name] = torch


def unregister_activation(name: str) -> None:
    """Remove an activation registered with ``register_activation`` (a ``KeyError`` if none)."""
    if name not in TORCH_FACTORIES:
        raise KeyError(f"no activation {name!r} was registered with register_activation")
    del ACTIVATIONS[name], TORCH_FACTORIES[name]


def registered_name(fn: object) -> str | None:
    """The name ``fn`` was registered under with ``register_activation``, or ``None``."""
    return next((name for name in TORCH_FACTORIES if ACTIVATIONS[name] is fn), None)


def _checked(fn: Activation, name: str) -> Activation:
    """``fn``, checked at every call: it must return a Value connected to its input."""

    @functools.wraps(fn)
    def activation(z: Value) -> Value:
        out = fn(z)
        if not isinstance(out, Value):
            raise TypeError(
                f"the activation {name!r} returned a {type(out).__name__} ({out!r}), not a "
                "Value: no gradient could flow back through it. Build the result from Value "
                "operations (z.exp(), z * z, ...) or with custom_op(value, [z], [derivative])"
            )
        if out is not z and not out._inputs and is_grad_enabled():
            raise TypeError(
                f"the activation {name!r} returned a new Value with no inputs "
                f"(Value({out.data!r})): it is cut off from its input, so every weight before "
                "it would get a gradient of 0. Build the result from z's operations, or with "
                "custom_op(value, [z], [derivative])"
            )
        return out

    return activation


def valid_names() -> str:
    """The valid activation names, for error messages."""
    return ", ".join(repr(name) for name in (*ACTIVATIONS, *LAYER_ACTIVATIONS))


def get_activation(activation: str | Activation) -> Activation:
    """The function for an activation given by name, or the callable itself.

    ``"softmax"`` is not an element-wise function: a ``Layer`` handles it
    (``Layer(n, k, activation="softmax")``), so asking for it here is a
    ``ValueError`` that says so. An unknown name is a ``ValueError`` listing
    the valid ones.

    >>> get_activation("tanh").__name__
    'tanh'
    >>> get_activation("relu6")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'relu6'; valid names: 'linear', 'relu', ..., 'softmax' ...
    """
    if isinstance(activation, str):
        if activation in TORCH_FACTORIES:  # registered by the user: checked at every call
            return _checked(ACTIVATIONS[activation], activation)
        if activation in ACTIVATIONS:
            return ACTIVATIONS[activation]
        if activation in LAYER_ACTIVATIONS:
            raise ValueError(
                f"{activation!r} acts on a whole layer, not on one neuron; use it as a "
                f"Layer's activation, e.g. Layer(nin, nout, activation={activation!r})"
            )
        raise ValueError(
            f"unknown activation {activation!r}; valid names: {valid_names()} "
            "(or pass a function Value -> Value; an activation of your own must be "
            f"registered first: nn.register_activation({activation!r}, fn))"
        )
    if callable(activation):
        return _checked(activation, activation_name(activation))
    raise TypeError(
        f"activation must be a name ({valid_names()}) or a function Value -> Value, "
        f"got {type(activation).__name__}: {activation!r}"
    )


def activation_name(activation: str | Activation) -> str:
    """A short readable name for an activation: the name itself, or a function's ``__name__``."""
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", repr(activation))
