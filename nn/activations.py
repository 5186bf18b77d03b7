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
a file can only name an activation).

>>> from engine import Value
>>> get_activation("relu")(Value(-2.0)).data
0.0
>>> get_activation(lambda z: z * z)(Value(3.0)).data
9.0
"""

from __future__ import annotations

from collections.abc import Callable

from engine import Value

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
        if activation in ACTIVATIONS:
            return ACTIVATIONS[activation]
        if activation in LAYER_ACTIVATIONS:
            raise ValueError(
                f"{activation!r} acts on a whole layer, not on one neuron; use it as a "
                f"Layer's activation, e.g. Layer(nin, nout, activation={activation!r})"
            )
        raise ValueError(
            f"unknown activation {activation!r}; valid names: {valid_names()} "
            "(or pass a function Value -> Value)"
        )
    if callable(activation):
        return activation
    raise TypeError(
        f"activation must be a name ({valid_names()}) or a function Value -> Value, "
        f"got {type(activation).__name__}: {activation!r}"
    )


def activation_name(activation: str | Activation) -> str:
    """A short readable name for an activation: the name itself, or a function's ``__name__``."""
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", repr(activation))
