r"""The Value: one float, and how it was computed.

A ``Value`` wraps a single number (``data``). Every operation on Values
returns a new Value that remembers

* its **inputs** (the Values it was computed from), and
* its **local derivatives**: for each input $x_i$, the partial derivative
  $\partial \text{out} / \partial x_i$, evaluated during the forward pass.

``backward()`` (see ``engine.backprop``) then applies the chain rule:
walking the graph from the output back to the leaves, every node adds
``local derivative * its own gradient`` into each of its inputs' gradients.

Each operation below is written in one place: its forward value first, its
local derivatives right after, and the math in its docstring. A new
operation is written the same way with ``engine.custom_op``.

Numbers that meet a Value (``v * 2``, ``1 - v``) become constant leaves
(``Constant``, a Value that remembers it was a number), so they show up in
the graph like any other input, drawn as plain numbers.

A Value compares by its number (``loss < 0.01``, ``max(a, b)``,
``sorted(values)``) but is never silently turned into one: ``float(v)`` and
``math.erf(v)`` raise a ``TypeError`` that says to use ``v.data`` inside a
``custom_op``, since a bare float would cut the graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import mul

from engine import copying, grad_mode
from engine.backprop import backpropagate
from engine.grad_mode import _thread_mode

Number = int | float


def _is_real(x: object) -> bool:
    """True for ints, floats and other real numbers (numpy floats, Fractions)."""
    if type(x) is float or type(x) is int:  # pragma: no mutate (a fast path: both are Real)
        return True
    return isinstance(x, numbers.Real)


def _to_float(data: object, what: str = "Value") -> float:
    """``float(data)`` for a real number; a ``TypeError`` naming the bad type otherwise."""
    if type(data) is float:  # pragma: no mutate (a fast path: float() keeps a float as it is)
        return data
    if isinstance(data, Value):
        raise TypeError(
            f"{what} expects a number, got a Value ({data!r}); pass value.data "
            "for its number, or use the Value itself in an expression"
        )
    if not _is_real(data):
        raise TypeError(
            f"{what} expects a real number (int or float), got {type(data).__name__}: {data!r}"
        )
    try:
        return float(data)
    except OverflowError:  # an int or Fraction beyond the largest float (about 1.8e308)
        raise ValueError(
            f"{what}: the {type(data).__name__} is too large for a float (above about 1.8e308)"
        ) from None


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` and how it was made.

    ``data`` is the number (always a float), ``grad`` is
    $\\partial L / \\partial \\text{self}$ after ``L.backward()`` (0.0 before),
    and ``label`` is an optional name shown in graph pictures. Any other
    attribute may be set too (code written for micrograd keeps an
    optimizer's ``p.m`` and ``p.v`` on its parameters), and micrograd's
    names ``_prev``, ``_op`` and ``_backward()`` work.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + 10
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (4.0, -3.0, 2.0)
    """

    # What every node stores, in fixed slots. __weakref__ lets tests (and tools)
    # watch a node being freed. __dict__ holds any other attribute, created only
    # when one is set: micrograd code attaches its own (p.m, p.v, _vis_color).
    __slots__ = ("data", "grad", "_inputs", "_local_grads", "_op", "__dict__", "__weakref__")

    # Most nodes never get a label, so it is not a slot: a node that has one keeps
    # it in its __dict__, the others read this class default.
    label: str = ""

    def __init__(self, data: Number, label: str = "") -> None:
        self.data: float = _to_float(data)
        self.grad: float = 0.0
        if label:
            self.label = label
        self._inputs: tuple[Value, ...] = ()
        self._local_grads: tuple[float, ...] = ()
        self._op: str = ""

    # -- what the graph records ---------------------------------------------

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Values this one was computed from; ``()`` for a leaf."""
        return self._inputs

    @property
    def local_grads(self) -> tuple[float, ...]:
        """$\\partial \\text{self} / \\partial \\text{input}_i$ for each input, in order."""
        return self._local_grads

    @property
    def op(self) -> str:
        """The name of the operation that made this Value; ``""`` for a leaf."""
        return self._op

    def backward(self, gradient: Number = 1.0) -> None:
        """Fill ``.grad`` of every Value this one depends on.

        Afterwards ``v.grad`` is $g \\cdot \\partial \\text{self} / \\partial v$ for every
        such ``v``, where $g$ is ``gradient``: the root is seeded with it, as
        ``torch.Tensor.backward(gradient)`` does. The default $g = 1$ gives the
        plain derivatives; another $g$ plays the part of
        $\\partial L / \\partial \\text{self}$ for a later loss $L$ (the chain rule
        started from the middle).

        The chain rule in reverse topological order (``engine.backprop``).
        Leaf gradients accumulate across calls, as in PyTorch: call
        ``zero_grad()`` (or set ``grad = 0``) between training steps.

        Threads: ``backward()`` calls run one at a time (a lock), so threads
        whose graphs share leaves (parameters) can call it at once, and each
        leaf ends up with the sum of their gradients, as in PyTorch. Nothing
        else is locked: changing ``data`` or ``grad`` (``zero_grad()``, an
        optimizer's ``step()``) while another thread runs ``backward()`` on
        the same Values is a race; coordinate those yourself.
        """
        backpropagate(self, gradient)

    # -- micrograd's names, for code written for micrograd ------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the inputs: a ``set`` (so an input used twice appears once)."""
        return set(self._inputs)

    def _backward(self) -> None:
        r"""micrograd's step of the chain rule at this one node.

        For each input $x$: $x.\text{grad} \mathrel{+}= \frac{\partial\,\text{self}}{\partial x}
        \cdot \text{self.grad}$. A leaf has no inputs, so nothing happens. Calling it
        on every node in reverse topological order, after setting the root's
        ``grad`` to 1, is what ``backward()`` does (micrograd's lecture does it
        by hand, node by node).
        """
        upstream = self.grad
        for child, local in zip(self._inputs, self._local_grads):
            child.grad += local * upstream

    # -- copying and pickling whole graphs, at any depth (engine.copying) ----

    def __copy__(self) -> Value:
        return copying.shallow_copy(self)

    def __deepcopy__(self, memo: dict[int, object]) -> Value:
        return copying.deep_copy(self, memo)

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        return copying.reduce(self)

    def detach(self) -> Value:
        """A ``Constant`` with this Value's number: the graph stops there, no gradient flows back.

        As ``torch.Tensor.detach``. Softmax detaches its stability shift
        $m = \\max_j z_j$: a number computed from the scores, but a constant
        for the gradient (pictures draw it as a plain number; ``engine.compile``
        recomputes it for every example).

        >>> x = Value(3.0)
        >>> y = x * x.detach()  # d/dx (x * c) = c: the detached factor counts as a constant
        >>> y.backward()
        >>> x.grad
        3.0
        """
        return Constant(self.data)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- arithmetic ---------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        r"""$a + b$; $\partial/\partial a = 1$, $\partial/\partial b = 1$."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return _from_op(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other: Number) -> Value:
        """``number + value``: the same sum, with the number as a constant leaf."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return other + self

    def __sub__(self, other: Value | Number) -> Value:
        r"""$a - b$; $\partial/\partial a = 1$, $\partial/\partial b = -1$."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return _from_op(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __rsub__(self, other: Number) -> Value:
        """``number - value``."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return other - self

    def __mul__(self, other: Value | Number) -> Value:
        r"""$a \cdot b$; $\partial/\partial a = b$, $\partial/\partial b = a$."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return _from_op(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __rmul__(self, other: Number) -> Value:
        """``number * value``."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return other * self

    def __truediv__(self, other: Value | Number) -> Value:
        r"""$a / b$; $\partial/\partial a = 1/b$, $\partial/\partial b = -a/b^2$.

        Raises ``ZeroDivisionError`` when $b = 0$.
        """
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        a, b = self.data, other.data
        if b == 0:
            raise ZeroDivisionError(f"division by zero: {self!r} / {other!r}")
        quotient = a / b
        # -a / b^2 as -(a / b) / b: b * b underflows to 0 for a tiny b (1e-200)
        return _from_op(quotient, (self, other), (1.0 / b, -quotient / b), "/")

    def __rtruediv__(self, other: Number) -> Value:
        """``number / value``."""
        other = _as_value(other)
        if other is NotImplemented:
            return NotImplemented
        return other / self

    def __neg__(self) -> Value:
        r"""$-a$; $\partial/\partial a = -1$."""
        return _from_op(-self.data, (self,), (-1.0,), "neg")

    def __abs__(self) -> Value:
        r"""$|a|$; $\partial/\partial a = \operatorname{sign}(a)$.

        At the kink $a = 0$ the derivative is taken as 0, as in PyTorch.
        """
        a = self.data
        slope = 1.0 if a > 0 else -1.0 if a < 0 else 0.0
        return _from_op(abs(a), (self,), (slope,), "abs")

    def __pow__(self, exponent: Value | Number) -> Value:
        r"""$a^n$.

        With a number exponent $n$: $\partial/\partial a = n a^{n-1}$.
        With a Value exponent $b$: $\partial/\partial a = b a^{b-1}$ and
        $\partial/\partial b = a^b \ln a$ (which needs $a > 0$, or $a = 0$
        where it is 0).

        Raises ``ValueError`` for a negative base to a non-integer power and
        ``ZeroDivisionError`` for $0$ to a negative power. A result too
        large for a float is ``inf``, as in PyTorch.
        """
        if isinstance(exponent, Value):
            return _value_power(self, exponent)
        if not _is_real(exponent):
            return NotImplemented
        try:
            n = float(exponent)
        except OverflowError:  # an int beyond the largest float: a clear ValueError
            n = _to_float(exponent, "**")
        a = self.data
        power = _float_power(a, n)
        # the name records the exponent used: an int as written, anything else as its float
        name = f"**{exponent}" if type(exponent) is int else f"**{n!r}"
        return _from_op(power, (self,), (_power_slope(a, n),), name)

    def __rpow__(self, base: Number) -> Value:
        """``number ** value``, e.g. ``2 ** v``: the base is a constant leaf."""
        base = _as_value(base)
        if base is NotImplemented:
            return NotImplemented
        return _value_power(base, self)

    # -- elementary functions -----------------------------------------------

    def exp(self) -> Value:
        r"""$e^x$; $\frac{d}{dx} e^x = e^x$.

        Past $x \approx 709.78$ the result is ``inf`` (a float's limit), as in PyTorch.
        """
        value = _safe_exp(self.data)
        return _from_op(value, (self,), (value,), "exp")

    def log(self) -> Value:
        r"""Natural logarithm $\ln x$; $\frac{d}{dx} \ln x = 1/x$.

        Raises ``ValueError`` for $x \le 0$, where the logarithm is undefined.
        """
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log of a non-positive number: log({x!r}) is undefined; log needs an input > 0"
            )
        return _from_op(math.log(x), (self,), (1.0 / x,), "log")

    def sin(self) -> Value:
        r"""$\sin x$ ($x$ in radians); $\frac{d}{dx} \sin x = \cos x$.

        ``sin`` of $\pm\infty$ is NaN, as in PyTorch.
        """
        x = self.data
        return _from_op(_sine(x), (self,), (_cosine(x),), "sin")

    def cos(self) -> Value:
        r"""$\cos x$ ($x$ in radians); $\frac{d}{dx} \cos x = -\sin x$.

        ``cos`` of $\pm\infty$ is NaN, as in PyTorch.
        """
        x = self.data
        return _from_op(_cosine(x), (self,), (-_sine(x),), "cos")

    # -- activations --------------------------------------------------------

    def tanh(self) -> Value:
        r"""$\tanh x = \frac{e^{2x} - 1}{e^{2x} + 1}$; $\frac{d}{dx} \tanh x = 1 - \tanh^2 x$."""
        t = math.tanh(self.data)
        return _from_op(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        r"""$\sigma(x) = \frac{1}{1 + e^{-x}}$; $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$.

        Computed without overflow for any $x$ (``sigmoid(-1000)`` is 0.0).
        """
        x = self.data
        s = _sigmoid(x)
        return _from_op(s, (self,), (s * _sigmoid(-x),), "sigmoid")

    def relu(self) -> Value:
        r"""$\max(0, x)$; derivative 1 for $x > 0$, else 0 (0 at the kink, as PyTorch)."""
        x = self.data
        if x <= 0:  # NaN fails this test and passes through as NaN, as in PyTorch
            return _from_op(0.0, (self,), (0.0,), "relu")
        return _from_op(x, (self,), (1.0,), "relu")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        r"""$x$ for $x > 0$, else $\text{slope} \cdot x$.

        Derivative 1 for $x > 0$, else ``slope`` (``slope`` at the kink, as PyTorch).
        The op name records a slope other than 0.01: ``leaky_relu(0.2)``.
        """
        if type(slope) is not float:  # pragma: no mutate (a fast path: _to_float keeps a float)
            slope = _to_float(slope, "leaky_relu slope")
        op = "leaky_relu"
        if slope != 0.01:  # a name that records the slope (see _parameterised)
            op = _LEAKY_RELU_NAMES.get(slope) or _parameterised(op, slope, _LEAKY_RELU_NAMES)
        x = self.data
        if x > 0:
            return _from_op(x, (self,), (1.0,), op)
        return _from_op(slope * x, (self,), (float(slope),), op)

    def elu(self, alpha: float = 1.0) -> Value:
        r"""ELU: $x$ for $x > 0$, else $\alpha (e^x - 1)$.

        Derivative 1 for $x > 0$, else $\alpha e^x$ ($\alpha$ at the kink, as PyTorch;
        NaN stays NaN, with derivative 1, as PyTorch's test $x \le 0$ gives).
        The op name records an alpha other than 1: ``elu(0.5)``.
        """
        if type(alpha) is not float:  # pragma: no mutate (a fast path: _to_float keeps a float)
            alpha = _to_float(alpha, "elu alpha")
        op = "elu"
        if alpha != 1.0:  # a name that records alpha (see _parameterised)
            op = _ELU_NAMES.get(alpha) or _parameterised(op, alpha, _ELU_NAMES)
        x = self.data
        if x <= 0:
            return _from_op(alpha * math.expm1(x), (self,), (alpha * math.exp(x),), op)
        return _from_op(x, (self,), (1.0,), op)  # x > 0, or NaN

    def softplus(self) -> Value:
        r"""$\ln(1 + e^x)$; derivative $\sigma(x)$.

        Computed as $\max(x, 0) + \ln(1 + e^{-|x|})$, which never overflows.
        """
        x = self.data
        value = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
        return _from_op(value, (self,), (_sigmoid(x),), "softplus")

    def silu(self) -> Value:
        r"""SiLU, the sigmoid-weighted linear unit: $x\,\sigma(x)$.

        Derivative $\text{dSiLU}(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))$.
        """
        x = self.data
        s = _sigmoid(x)
        return _from_op(x * s, (self,), (s * (1.0 + x * _sigmoid(-x)),), "silu")

    def dsilu(self) -> Value:
        r"""dSiLU, the derivative of SiLU used as an activation.

        $\text{dSiLU}(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))$.

        Its derivative is $\sigma(x)\,(1 - \sigma(x))\,(2 + x\,(1 - 2\sigma(x)))$.
        """
        x = self.data
        s, one_minus_s = _sigmoid(x), _sigmoid(-x)
        value = s * (1.0 + x * one_minus_s)
        slope = s * one_minus_s * (2.0 + x * (one_minus_s - s))
        return _from_op(value, (self,), (slope,), "dsilu")

    def hard_sigmoid(self) -> Value:
        r"""PyTorch's hard sigmoid: $\min(1, \max(0, x/6 + 1/2))$.

        Derivative $1/6$ for $-3 < x < 3$, else 0 (NaN stays NaN, with derivative 0,
        as in PyTorch).
        """
        x = self.data
        if -3.0 < x < 3.0:
            return _from_op(x / 6.0 + 0.5, (self,), (1.0 / 6.0,), "hard_sigmoid")
        if x <= -3.0:
            return _from_op(0.0, (self,), (0.0,), "hard_sigmoid")
        if x >= 3.0:
            return _from_op(1.0, (self,), (0.0,), "hard_sigmoid")
        return _from_op(x, (self,), (0.0,), "hard_sigmoid")  # x is NaN

    def step(self) -> Value:
        r"""Binary step: 0 for $x < 0$, else 1.

        Its derivative is 0 everywhere (taken as 0 at the jump too). NaN stays NaN.
        """
        x = self.data
        value = 0.0 if x < 0 else 1.0 if x >= 0 else x  # the last case: x is NaN
        return _from_op(value, (self,), (0.0,), "step")

    def sign(self) -> Value:
        r"""Sign step: $-1$ for $x < 0$, else 1.

        Its derivative is 0 everywhere (taken as 0 at the jump too). NaN stays NaN.
        """
        x = self.data
        value = -1.0 if x < 0 else 1.0 if x >= 0 else x  # the last case: x is NaN
        return _from_op(value, (self,), (0.0,), "sign")

    # -- comparisons and conversions -------------------------------------------

    def __lt__(self, other: Value | Number) -> bool:
        """``a < b`` compares the numbers, ``a.data < b.data``: a bool, as in PyTorch.

        So ``if loss < 0.01:``, ``max(a, b)`` and ``sorted(values)`` work;
        ``max`` returns one of the Values, so gradients still flow through it.
        ``==`` stays identity (a Value is a graph node): compare ``a.data == b.data``.
        """
        other = _data_of(other)
        return NotImplemented if other is NotImplemented else self.data < other

    def __le__(self, other: Value | Number) -> bool:
        """``a <= b`` compares the numbers (see ``__lt__``)."""
        other = _data_of(other)
        return NotImplemented if other is NotImplemented else self.data <= other

    def __gt__(self, other: Value | Number) -> bool:
        """``a > b`` compares the numbers (see ``__lt__``)."""
        other = _data_of(other)
        return NotImplemented if other is NotImplemented else self.data > other

    def __ge__(self, other: Value | Number) -> bool:
        """``a >= b`` compares the numbers (see ``__lt__``)."""
        other = _data_of(other)
        return NotImplemented if other is NotImplemented else self.data >= other

    def __bool__(self) -> bool:
        """``if v:`` is true when ``v.data != 0``, as for a float (and a one-element tensor)."""
        return self.data != 0

    def __float__(self) -> float:
        """Refused with a ``TypeError``: a plain float would cut the graph (use ``v.data``).

        ``math.erf(v)`` and other functions that need a float end up here too;
        the message says how to write such a function as a ``custom_op``.
        """
        raise TypeError(_TO_NUMBER_HINT)

    def __int__(self) -> int:
        """Refused with a ``TypeError``, as ``float(v)`` is: use ``int(v.data)``."""
        raise TypeError(_TO_NUMBER_HINT)

    def __round__(self, ndigits: int | None = None) -> float:
        """Refused with a ``TypeError``: rounding has derivative 0 everywhere."""
        raise TypeError(
            "round() of a Value is refused: a rounded number has derivative 0 everywhere, "
            "so no gradient would flow. To show a number, use round(v.data, 3) or "
            'f"{v:.3f}" (a Value formats as its number)'
        )

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats ``v.data``; a plain ``f"{v}"`` is ``repr(v)``."""
        return format(self.data, spec) if spec else repr(self)


class Constant(Value):
    """A number that met a Value in an operation: the ``2`` in ``v * 2``.

    A leaf like any other (its gradient is computed, and nobody needs it);
    the class only records where it came from, so that pictures draw it as a
    plain number and drills ask nothing about it. It has no fields of its
    own: a constant costs exactly what a Value costs.

    >>> y = Value(3.0) * 2
    >>> [type(x).__name__ for x in y.inputs]
    ['Value', 'Constant']
    """

    __slots__ = ()


_TO_NUMBER_HINT = (
    "a Value cannot be converted to a plain number (float(v), int(v), math.erf(v), ...): "
    "the number would cut the graph, so no gradient would flow back through it. Use "
    "Value operations (v.exp(), v.tanh(), v ** 2, ...); for a function chainrule does "
    "not have, compute it on v.data inside a custom_op and give its derivative, e.g. "
    "custom_op(math.erf(v.data), [v], [2 / math.sqrt(math.pi) * math.exp(-v.data ** 2)], "
    "op='erf'). For the number itself (printing, plotting), use v.data"
)


# -- making results ---------------------------------------------------------

_new_value = object.__new__


def _from_op(
    data: float, inputs: tuple[Value, ...], local_grads: tuple[float, ...], op: str
) -> Value:
    """The result of an operation: a Value that records its inputs and local derivatives.

    Under ``no_grad()`` (in this thread) the result is a plain leaf. This is
    the fast path every built-in operation takes; ``custom_op`` is the checked
    public door.
    """
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    if grad_mode.all_threads_recording or _thread_mode.recording:
        out._inputs = inputs
        out._local_grads = local_grads
        out._op = op
    else:
        out._inputs = ()
        out._local_grads = ()
        out._op = ""
    return out


#: Op names with a parameter, made once per op and parameter: {0.2: "leaky_relu(0.2)"}.
_LEAKY_RELU_NAMES: dict[float, str] = {}
_ELU_NAMES: dict[float, str] = {}


def _parameterised(op: str, parameter: float, names: dict[float, str]) -> str:
    """``op(parameter)``, e.g. ``leaky_relu(0.2)``: the op name of a non-default parameter.

    ``repr`` gives back the very same float, so the name records the parameter
    exactly (``engine.compile`` reads it from there). The op looks the name up
    in ``names`` first, where this keeps it (up to 256 of them): the nodes of a
    layer share one string and cost no more time or memory than with the
    default. Not 0.0 and -0.0, which are equal keys but two different slopes.
    """
    name = f"{op}({parameter!r})"
    if parameter and len(names) < 256:
        names[parameter] = name
    return name


def custom_op(
    data: Number,
    inputs: Sequence[Value],
    local_grads: Sequence[Number],
    op: str = "custom",
) -> Value:
    r"""Define a new operation by its forward value and its local derivatives.

    ``inputs[i]`` is a Value the result depends on and ``local_grads[i]`` is
    $\partial \text{result} / \partial \text{inputs}[i]$ at the current point.
    ``backward()`` does the rest. Every built-in operation is made this way.

    Example: the cube, $f(x) = x^3$ with $f'(x) = 3x^2$:

    >>> def cube(x: Value) -> Value:
    ...     return custom_op(x.data ** 3, [x], [3 * x.data ** 2], op="cube")
    >>> x = Value(2.0)
    >>> y = cube(x)
    >>> y.backward()
    >>> y.data, x.grad
    (8.0, 12.0)
    """
    if not isinstance(op, str):
        raise TypeError(f"custom_op: op must be a name (a str), got {type(op).__name__}: {op!r}")
    if isinstance(inputs, Value) or _is_real(local_grads):
        raise TypeError(
            f"custom_op {op!r}: inputs and local_grads must be lists (one entry per input), "
            "e.g. custom_op(y, [x], [dy_dx])"
        )
    inputs = _as_tuple(inputs, f"custom_op {op!r} inputs")
    local_grads = _as_tuple(local_grads, f"custom_op {op!r} local_grads")
    local_grads = tuple(_to_float(g, f"custom_op {op!r} local_grads") for g in local_grads)
    for item in inputs:
        if not isinstance(item, Value):
            raise TypeError(
                f"custom_op {op!r}: inputs must be Values, got {type(item).__name__}: "
                f"{item!r}; wrap a number with Value(...) or leave it out "
                "(a constant needs no gradient)"
            )
    if len(inputs) != len(local_grads):
        raise ValueError(
            f"custom_op {op!r}: {len(inputs)} inputs but {len(local_grads)} local_grads; "
            "give one local derivative per input"
        )
    return _from_op(_to_float(data, f"custom_op {op!r} data"), inputs, local_grads, op)


def _as_value(x: object) -> Value:
    """A Value as it is; a real number as a constant leaf; otherwise ``NotImplemented``.

    Returning ``NotImplemented`` lets Python raise its usual ``TypeError``
    ("unsupported operand type(s) for *: 'Value' and 'str'").
    """
    if isinstance(x, Value):
        return x
    if _is_real(x):
        return Constant(x)
    return NotImplemented


def _data_of(x: object) -> float:
    """``x.data`` for a Value, ``x`` for a real number, else ``NotImplemented`` (to compare)."""
    if isinstance(x, Value):
        return x.data
    if _is_real(x):
        return x
    return NotImplemented


# -- n-ary operations --------------------------------------------------------


def maximum(*values: Value | Number) -> Value:
    r"""The largest of the arguments: $\max(v_1, \dots, v_k)$ (a maxout unit).

    The derivative is 1 toward the maximum and 0 toward the others; where
    several inputs tie for the maximum, it is shared equally ($1/m$ each for
    $m$ ties), as PyTorch's ``torch.max`` does. Numbers become constant leaves.

    >>> maximum(Value(1.0), Value(3.0), 2).data
    3.0
    """
    if len(values) == 1 and not isinstance(values[0], Value) and not _is_real(values[0]):
        values = _as_tuple(values[0], "maximum")  # maximum([a, b, c]) works as well
    if not values:
        raise ValueError("maximum needs at least one value")
    inputs = tuple(_checked_value(v, "maximum") for v in values)
    largest, local_grads = _largest([v.data for v in inputs])
    return _from_op(largest, inputs, local_grads, "max")


def sum_values(values: Iterable[Value | Number]) -> Value:
    r"""$\sum_i v_i$ as one node; $\partial/\partial v_i = 1$ for every $i$.

    The same result as Python's ``sum``, but one graph node instead of a
    chain of $n - 1$ additions: a smaller picture and a faster backward.
    """
    inputs = _as_tuple(values, "sum_values")
    if not _all_values(inputs):  # numbers become constant leaves; other types a TypeError
        inputs = tuple(_checked_value(v, "sum_values") for v in inputs)
    total = _total([v.data for v in inputs])
    return _from_op(total, inputs, (1.0,) * len(inputs), "sum")


def weighted_sum(
    weights: Sequence[Value],
    inputs: Sequence[Value | Number],
    bias: Value | Number = 0.0,
    *,
    validate: bool = True,
) -> Value:
    r"""A neuron's pre-activation $z = \sum_i w_i x_i + b$ as one node.

    $\partial z / \partial w_i = x_i$, $\partial z / \partial x_i = w_i$,
    $\partial z / \partial b = 1$. Numbers among the inputs (the raw data
    of a first layer) become constant leaves.

    ``validate=False`` skips the type checks, for callers that guarantee Values.

    >>> weighted_sum([Value(2.0), Value(-1.0)], [3.0, 4.0], 0.5).data  # 2*3 - 1*4 + 0.5
    2.5
    """
    rows, biases = [weights], [bias]
    if validate:
        rows, inputs, biases = _checked_layer(rows, inputs, biases, "weighted_sum")
    return weighted_sums(rows, inputs, biases, validate=False)[0]  # pragma: no mutate (checked)


def weighted_sums(
    weight_rows: Sequence[Sequence[Value]],
    inputs: Sequence[Value | Number],
    biases: Sequence[Value | Number],
    *,
    validate: bool = True,
) -> list[Value]:
    r"""A layer's pre-activations $z_j = \sum_i w_{ji} x_i + b_j$: one node per row of weights.

    The same nodes, and the same floats, as
    ``[weighted_sum(w, inputs, b) for w, b in zip(weight_rows, biases)]``,
    but every neuron of a layer reads the same inputs, so their numbers
    are read once for the whole layer. Each node's local derivatives are
    those of ``weighted_sum``. ``validate=False`` skips the type checks, for
    callers that guarantee Values (``nn``'s layers, which check their inputs
    once); a row whose length differs from the inputs' is an error either way.

    >>> z = weighted_sums([[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]], [3.0, 4.0], [0, 1])
    >>> [node.data for node in z]  # [1*3 + 2*4 + 0, -1*3 + 0.5*4 + 1]
    [11.0, 0.0]
    """
    if validate:
        weight_rows, inputs, biases = _checked_layer(weight_rows, inputs, biases, "weighted_sums")
    x_data = [x.data for x in inputs]
    nodes = []
    for weights, bias in zip(weight_rows, biases):
        w_data = [w.data for w in weights]
        if len(w_data) != len(x_data):  # always checked: it would misalign the derivatives
            raise ValueError(
                f"weighted_sums: {len(w_data)} weights but {len(x_data)} inputs; "
                "a neuron needs one weight per input"
            )
        z = sum(map(mul, w_data, x_data), bias.data)
        nodes.append(_from_op(z, (*weights, *inputs, bias), (*x_data, *w_data, 1.0), "w·x+b"))
    return nodes


def _checked_layer(
    weight_rows: object, inputs: object, biases: object, what: str
) -> tuple[list[tuple[Value, ...]], tuple[Value, ...], tuple[Value, ...]]:
    """``weighted_sums``' arguments as tuples of Values (numbers become constant leaves).

    A ``TypeError`` names ``what`` for anything that is not a number or a
    Value; a ``ValueError`` for a row whose length differs from the inputs'.
    """
    rows = [_as_tuple(row, f"{what} weights") for row in _as_tuple(weight_rows, f"{what} weights")]
    inputs = _as_tuple(inputs, f"{what} inputs")
    biases = _as_tuple(biases, f"{what} biases")
    if not all(_all_values(items) for items in (*rows, inputs, biases)):
        # numbers become constant leaves; anything else is a TypeError naming the op
        rows = [tuple(_checked_value(w, what) for w in row) for row in rows]
        inputs = tuple(_checked_value(x, what) for x in inputs)
        biases = tuple(_checked_value(b, what) for b in biases)
    if len(rows) != len(biases):
        raise ValueError(
            f"{what}: {len(rows)} rows of weights but {len(biases)} biases; "
            "each neuron needs one bias"
        )
    for row in rows:
        if len(row) != len(inputs):
            raise ValueError(
                f"{what}: {len(row)} weights but {len(inputs)} inputs; "
                "a neuron needs one weight per input"
            )
    return rows, inputs, biases


def _as_tuple(items: Iterable[object], what: str) -> tuple[object, ...]:
    """``tuple(items)``, or a ``TypeError`` naming ``what`` when ``items`` is not a collection."""
    try:
        return tuple(items)
    except TypeError:
        raise TypeError(
            f"{what} expects a list (or other iterable), got {type(items).__name__}: {items!r}"
        ) from None


def _all_values(items: tuple[object, ...]) -> bool:
    """True when every item is already a Value (the common case), checked in one C-level pass."""
    return all(map(isinstance, items, repeat(Value)))


def _checked_value(x: object, op: str) -> Value:
    """A Value as it is, a number as a constant leaf, else a ``TypeError`` naming ``op``."""
    if isinstance(x, Value):
        return x
    return Constant(_to_float(x, op))


# -- float helpers ------------------------------------------------------------
# (engine.compile's generated code calls these too: one definition for both)


def _total(data: Sequence[float]) -> float:
    r"""$\sum_i x_i$ correctly rounded (``math.fsum``); ``inf``/``nan`` where fsum refuses."""
    try:
        return math.fsum(data)
    except (OverflowError, ValueError):  # fsum refuses overflow and inf - inf: give inf, nan
        return sum(data)


def _largest(data: Sequence[float]) -> tuple[float, tuple[float, ...]]:
    r"""$\max_i x_i$ and its derivative toward each $x_i$: $1/m$ for each of $m$ ties, else 0.

    NaN wins and takes the gradient, as in ``torch.max``.
    """
    if any(map(math.isnan, data)):
        largest, winners = math.nan, [math.isnan(x) for x in data]
    else:
        largest = max(data)
        winners = [x == largest for x in data]
    share = 1.0 / sum(winners)
    return largest, tuple(share if won else 0.0 for won in winners)


def _sigmoid(x: float) -> float:
    """$1 / (1 + e^{-x})$ without overflow: $e^x / (1 + e^x)$ when $x < 0$."""
    if x >= 0:  # pragma: no mutate (either formula is right: the split only avoids overflow)
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sine(x: float) -> float:
    """$\\sin x$, and NaN for $\\pm\\infty$ (where ``math.sin`` raises; ``torch.sin`` gives NaN)."""
    return math.nan if math.isinf(x) else math.sin(x)


def _cosine(x: float) -> float:
    """$\\cos x$, and NaN for $\\pm\\infty$ (where ``math.cos`` raises; ``torch.cos`` gives NaN)."""
    return math.nan if math.isinf(x) else math.cos(x)


def _safe_exp(x: float) -> float:
    """$e^x$, or ``inf`` where it exceeds the largest float."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _float_power(a: float, n: float) -> float:
    """$a^n$ for floats with clear errors, and ``inf`` instead of ``OverflowError``.

    A NaN base or exponent gives what float arithmetic gives (NaN, but
    $\text{NaN}^0 = 1^\text{NaN} = 1$), as in PyTorch.
    """
    if a < 0 and not n.is_integer() and not math.isnan(n):
        raise ValueError(
            f"power of a negative base to a non-integer exponent: ({a!r}) ** {n!r} "
            "is not a real number"
        )
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"division by zero: 0 ** {n!r} (zero to a negative power)")
    try:
        return a**n
    except OverflowError:
        odd = n.is_integer() and int(n) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf  # pragma: no mutate (0 never overflows)


def _power_slope(a: float, n: float) -> float:
    r"""$\frac{d}{da} a^n = n a^{n-1}$; at $a = 0$ with $0 < n < 1$ it is ``inf``."""
    if n == 0:
        return 0.0
    if a == 0 and n < 1:
        return math.inf
    return n * _float_power(a, n - 1)


def _value_power(base: Value, exponent: Value) -> Value:
    r"""$a^b$ with both a Value.

    $\partial/\partial a = b a^{b-1}$ and $\partial/\partial b = a^b \ln a$
    (taken as 0 at $a = 0$, as in PyTorch). A NaN base or exponent gives NaN
    (and NaN derivatives), as in PyTorch, not an error.
    """
    a, b = base.data, exponent.data
    power = _float_power(a, b)
    slope_b = _exponent_slope(a, power)
    return _from_op(power, (base, exponent), (_power_slope(a, b), slope_b), "**")


def _exponent_slope(a: float, power: float) -> float:
    r"""$\partial a^b / \partial b = a^b \ln a$, given the base $a$ and the power $a^b$.

    0 at $a = 0$, as in PyTorch (NaN when the exponent is NaN, which makes the
    power NaN); NaN for a NaN base or exponent; a ``ValueError`` for a negative
    base, where $\ln a$ is not a real number.
    """
    if a > 0:
        return power * math.log(a)
    if a == 0:
        return 0.0 if power == power else power  # (power is NaN: the exponent is)
    if math.isnan(a) or math.isnan(power):
        return math.nan
    raise ValueError(
        f"power with a Value exponent needs a positive base: ({a!r}) ** Value "
        "has no derivative toward the exponent (a^b ln a); use a number exponent"
    )
