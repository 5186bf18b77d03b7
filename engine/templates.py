r"""The chain rule as Python source: one rule per operation, for ``engine.compile``.

``engine.compile`` writes one example's forward and backward passes out as
straight-line Python. For every node of the traced graph it asks the rule of
the node's operation for two things:

* **forward**: statements that compute the node's value from its inputs'
  values, plus any local derivative that is more than a number or a name
  (tanh's ``d7 = 1.0 - v7 * v7``), computed where the eager operation computes
  it, during the forward pass;
* **derivatives**: one expression per input, the local derivative
  $\partial\,\text{node} / \partial\,\text{input}$, with the same formula in
  words for the comment (``1 if v6 > 0, else 0``);
* **bound**: how large the value can get, from how large its inputs can get
  (interval arithmetic on sizes: $|a + b| \le A + B$, $|\tanh z| \le 1$),
  and a bound on each local derivative the compiled code must check; ``None``
  where there is no easy bound (a division by a number that varies, a log).

The backward section then writes the chain rule, the same line for every
operation: ``g6 += (0.0 if v6 <= 0 else 1.0) * g7`` is ``engine.backprop``'s
``child.grad += local * upstream`` for one edge of the graph.

**One definition per operation.** A rule writes the float operations of its
eager operation in ``engine.value``, in the same order, so the compiled code
computes the same bits. Where the operation calls a helper (``_sigmoid``,
``_float_power``, ``_total``, ...), the rule calls that very helper (the
generated code knows it by a plain name, ``sigmoid``); where the operation
writes an expression inline (tanh's ``1.0 - t * t``), the rule writes the same
expression (comparing with ``0.0`` where the operation compares with ``0``:
the same test for every float, NaN and -0.0 included, and one that CPython
runs faster). ``tests/test_compile.py`` checks every rule against its operation,
bit for bit, on numbers that include both zeros, the infinities, NaN and every
kink, and fails for an operation of ``engine.value`` that has no rule.

**Bounds.** Where $|a| \le A$ and $|b| \le B$, the same float operations on the
bounds bound the results: rounding is monotone, so $|a + b| \le A + B$ and
$|a \cdot b| \le A \cdot B$ hold for the computed floats too, and a bound
rule writes its formula in the order the operation computes (``exp``,
``float_power`` and ``math.fsum`` are within an ulp of monotone, which the
compiled code's check, far below overflow, has room for). A bound is sound
when it is finite: the value is then a number, not NaN, and at most the
bound, for every example; so an operation that bounds its value whatever the
input (tanh, by 1) still needs a finite bound on the input (``tanh(nan)`` is
NaN). The tests check every rule's bound on random numbers within bounds.

Only numbers the engine formats itself go into the code: every name is made
by ``engine.compile`` (``x0``, ``p3``, ``v7``), and an operation's parameter
(leaky_relu's slope, the exponent of ``**``) is read back from its op name as
a float and written with ``number``. No user string ever becomes code.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

from engine.value import (
    Value,
    _cosine,
    _exponent_slope,
    _float_power,
    _largest,
    _power_slope,
    _safe_exp,
    _sigmoid,
    _sine,
    _total,
    _value_power,
    maximum,
    sum_values,
    weighted_sums,
)


@dataclass(frozen=True)
class Names:
    """The names ``engine.compile`` gives one node's numbers.

    ``value`` receives the node's value (``v7``); ``inputs`` are its inputs'
    values, in the node's input order, each a name (``x0``, ``p3``, ``v6``) or a
    number (``1.0``); ``local`` is the name of a local derivative the forward
    pass computes (``d7``, or ``d7_0``, ``d7_1``, ... for several); ``op`` is
    the node's op name, which records a parameter (``leaky_relu(0.2)``);
    ``bounds`` bound the inputs' sizes for every example, in the input order,
    each a name (``bv6``, ``bx``, ``bp``) or a number.
    """

    value: str
    inputs: tuple[str, ...]
    local: str
    op: str
    bounds: tuple[str, ...]

    @property
    def bound(self) -> str:
        """The name of the bound on the value's size: ``bv7`` for ``v7``."""
        return f"b{self.value}"


@dataclass(frozen=True)
class Derivative:
    r"""$\partial\,\text{node} / \partial\,\text{input}$ as code and as math.

    ``code`` is a number (``1.0``), a name (``v6``, ``d7``) or, when ``finite``,
    an expression cheap enough to evaluate in the backward pass, only when the
    gradient is not 0 (relu's ``(0.0 if v6 <= 0 else 1.0)``). ``finite`` says the
    derivative is finite for every input; any other one is checked by the
    compiled code before it takes ``engine.backprop``'s zero-gradient skip,
    and ``bound`` bounds its size (a name or a number, once the rule's bound
    statements have run), or is ``None``: not known.
    """

    code: str
    math: str
    finite: bool = False
    bound: str | None = None


@dataclass(frozen=True)
class Rule:
    """One node written out: its operation's name for the comments, forward code, derivatives.

    ``nonnegative`` says the value is never below 0 (it may be NaN): where it
    is also a local derivative, the compiled code's finiteness check adds it
    as it is instead of its square. ``bound`` holds the statements that set
    the value's bound (``bv7 = bv6``), and any named bound of a derivative
    (``bd7``), from the inputs' bounds; ``None`` where there is no easy bound.
    """

    title: str
    forward: tuple[str, ...]
    derivatives: tuple[Derivative, ...]
    nonnegative: bool = False  # pragma: no mutate (None: read as true or false only)
    bound: tuple[str, ...] | None = None


ONE = Derivative("1.0", "1", finite=True)
MINUS_ONE = Derivative("-1.0", "-1", finite=True)
ZERO = Derivative("0.0", "0", finite=True)

#: How many products of ``w·x+b`` one statement adds up: a longer chain of
#: additions nests too deeply for Python's compiler (about 3,000 terms fail).
TERMS_PER_STATEMENT = 32

#: From Python 3.12 on, ``sum()`` of floats compensates rounding errors, so the
#: compiled code must call ``sum`` where ``weighted_sums`` does; before, ``sum``
#: adds left to right and a chain of ``+`` gives the same bits, faster.
SUM_COMPENSATES = sys.version_info >= (3, 12)  # pragma: no mutate (tests run on 3.11)


def number(x: float) -> str:
    """``x`` as Python source for exactly that float: ``0.5``, ``(-2.0)``, ``inf``, ``nan``.

    ``repr`` round-trips every finite float. A negative number is parenthesised
    so that it can stand anywhere in an expression (``v3 ** (-2.0)``);
    infinities and NaN are the names ``inf`` and ``nan`` of ``NAMESPACE``.
    """
    if math.isnan(x):
        return "nan"
    text = repr(float(x)) if math.isfinite(x) else "inf" if x > 0 else "-inf"
    return f"({text})" if text.startswith("-") else text


def constant(code: str) -> float | None:
    """The float that ``code`` stands for, where ``number`` wrote it (``2.5``, ``(-2.0)``, ``inf``).

    ``None`` for a name (``x0``, ``v7``, ``bp``): every name ``engine.compile``
    makes starts with a letter, and no number does, but ``inf`` and ``nan``.
    """
    text = code[1:-1] if code.startswith("(") and code.endswith(")") else code
    if text in ("inf", "nan") or not text[:1].isalpha():
        return float(text)
    return None


def parameter(op: str, name: str, default: float) -> float:
    """The parameter an op name records: ``leaky_relu(0.2)`` gives 0.2, ``leaky_relu`` the default.

    ``engine.value`` writes it with ``repr``, so ``float`` reads back the same
    number. Raises ``ValueError`` for a name that is not ``name`` or
    ``name(number)``.
    """
    if op == name:
        return default
    if op.startswith(f"{name}(") and op.endswith(")"):
        return float(op[len(name) + 1 : -1])
    raise ValueError(f"op name {op!r} is not {name!r} with a parameter")


def _one_input(node: Names) -> str:
    (x,) = node.inputs
    return x


def _finite_then(bound: str, input_bound: str) -> str:
    """``bound`` where the input's bound is finite (so the input is a number, not NaN), else inf."""
    return f"{bound} if {input_bound} < inf else inf"


def _piecewise(
    node: Names,
    title: str,
    value: str,
    slope: str,
    math: str,
    bound: str,
    finite: bool = True,
    slope_bound: str = "1.0",
    nonnegative: bool = False,
) -> Rule:
    """A one-input operation whose derivative is a number on each piece (relu: 0 or 1).

    ``value`` and ``slope`` are Python, ``math`` the comment, all in ``{x}``,
    the input; ``bound`` bounds the value, in ``{A}``, the input's bound. The
    slope is an expression the backward pass evaluates only where a gradient
    passes; ``finite`` says it is finite for every input, and ``slope_bound``
    (a number) bounds it.
    """
    x, (A,) = _one_input(node), node.bounds
    derivative = Derivative(f"({slope.format(x=x)})", math.format(x=x), finite, slope_bound)
    return Rule(
        title,
        (f"{node.value} = {value.format(x=x)}",),
        (derivative,),
        nonnegative,
        (f"{node.bound} = {bound.format(A=A)}",),
    )


def _computed(
    node: Names,
    title: str,
    value: str,
    derivative: str,
    math: str,
    bound: str | None,
    derivative_bound: str = "",
    first: str = "",
    nonnegative: bool = False,
) -> Rule:
    """A one-input operation whose forward pass computes its value, then its derivative.

    ``value``, ``derivative`` (Python) and ``math`` (the comment) are written
    in ``{x}``, the input, ``{v}``, the value, and ``{d}``, the derivative's
    name: tanh is ``tanh({x})`` and ``1.0 - {v} * {v}``. ``first`` is a
    statement before them, for numbers both need (``{d}_s = sigmoid({x})``).

    ``bound`` bounds the value, in ``{A}``, the input's bound (``None``: no
    easy bound). The value's bound bounds the derivative too (tanh's
    $1 - \tanh^2 z$ is at most 1), unless ``derivative_bound`` gives its own.
    """
    names = {"x": _one_input(node), "v": node.value, "d": node.local}
    forward = [f"{node.value} = {value}", f"{node.local} = {derivative}"]
    if first:
        forward.insert(0, first)
    (A,) = node.bounds
    bounds, size = None, None
    if bound is not None:
        bounds, size = [f"{node.bound} = {bound.format(A=A)}"], node.bound
        if derivative_bound:
            size = f"b{node.local}"
            bounds.append(f"{size} = {derivative_bound.format(A=A)}")
    return Rule(
        title,
        tuple(line.format(**names) for line in forward),
        (Derivative(node.local, math.format(**names), bound=size),),
        nonnegative,
        None if bounds is None else tuple(bounds),
    )


# -- arithmetic ---------------------------------------------------------------


def add(node: Names) -> Rule:
    r"""$a + b$; $\partial/\partial a = 1$, $\partial/\partial b = 1$. Bound: $A + B$."""
    a, b = node.inputs
    A, B = node.bounds
    bound = (f"{node.bound} = {A} + {B}",)
    return Rule("+", (f"{node.value} = {a} + {b}",), (ONE, ONE), bound=bound)


def subtract(node: Names) -> Rule:
    r"""$a - b$; $\partial/\partial a = 1$, $\partial/\partial b = -1$. Bound: $A + B$."""
    a, b = node.inputs
    A, B = node.bounds
    bound = (f"{node.bound} = {A} + {B}",)
    return Rule("-", (f"{node.value} = {a} - {b}",), (ONE, MINUS_ONE), bound=bound)


def multiply(node: Names) -> Rule:
    r"""$a \cdot b$; $\partial/\partial a = b$, $\partial/\partial b = a$. Bound: $A \cdot B$."""
    a, b = node.inputs
    A, B = node.bounds
    return Rule(
        "*",
        (f"{node.value} = {a} * {b}",),
        (Derivative(b, b, bound=B), Derivative(a, a, bound=A)),
        bound=(f"{node.bound} = {A} * {B}",),
    )


def divide(node: Names) -> Rule:
    r"""$a / b$; $\partial/\partial a = 1/b$, $\partial/\partial b = -(a/b)/b$.

    ``a / b`` raises ``ZeroDivisionError`` for $b = 0$, as the eager operation does.
    Bound: $A / |c|$ where $b$ is a number $c$ (a mean's ``/ n``); none where
    $b$ varies, since it may come as close to 0 as it likes.
    """
    a, b = node.inputs
    q, d = node.value, node.local
    forward = (f"{q} = {a} / {b}", f"{d}_0 = 1.0 / {b}", f"{d}_1 = -{q} / {b}")
    c = constant(b)
    if c is None or c == 0.0:
        derivatives = (Derivative(f"{d}_0", f"1/{b}"), Derivative(f"{d}_1", f"-({a}/{b})/{b}"))
        return Rule("/", forward, derivatives)
    (A, _), size = node.bounds, number(abs(c))
    return Rule(
        "/",
        forward,
        (
            Derivative(f"{d}_0", f"1/{b}", bound=number(abs(1.0 / c))),
            Derivative(f"{d}_1", f"-({a}/{b})/{b}", bound=f"b{d}_1"),
        ),
        bound=(f"{node.bound} = {A} / {size}", f"b{d}_1 = {node.bound} / {size}"),
    )


def negate(node: Names) -> Rule:
    r"""$-a$; $\partial/\partial a = -1$. Bound: $A$."""
    (A,) = node.bounds
    bound = (f"{node.bound} = {A}",)
    return Rule("neg", (f"{node.value} = -{_one_input(node)}",), (MINUS_ONE,), bound=bound)


def absolute(node: Names) -> Rule:
    r"""$|a|$; $\partial/\partial a = \operatorname{sign}(a)$, 0 at the kink. Bound: $A$."""
    return _piecewise(
        node,
        "abs",
        "abs({x})",
        "1.0 if {x} > 0.0 else -1.0 if {x} < 0.0 else 0.0",
        "1 if {x} > 0, -1 if {x} < 0, else 0",
        bound="{A}",
        nonnegative=True,
    )


def power(node: Names) -> Rule:
    r"""$a^n$ for a number $n$, read from the op name ``**n``.

    $\partial/\partial a = n a^{n-1}$, by the engine's ``_power_slope``.
    Bound, for $n \ge 1$: $A^n$, and $|n| A^{n-1}$ for the derivative (none
    for $n < 1$, whose derivative has no bound near $a = 0$).
    """
    a, (A,) = _one_input(node), node.bounds
    exponent = float(node.op[2:])
    n = number(exponent)
    bound = None
    if 1.0 <= exponent < math.inf:
        bound = (
            f"{node.bound} = float_power({A}, {n})",
            f"b{node.local} = {number(abs(exponent))} * float_power({A}, {number(exponent - 1)})",
        )
    return Rule(
        f"**{n}",
        (f"{node.value} = float_power({a}, {n})", f"{node.local} = power_slope({a}, {n})"),
        (Derivative(node.local, f"{n} * {a}**({n} - 1)", bound=f"b{node.local}"),),
        bound=bound,
    )


def value_power(node: Names) -> Rule:
    r"""$a^b$ with both a Value.

    $\partial/\partial a = b a^{b-1}$ and $\partial/\partial b = a^b \ln a$.
    No bound: $\ln a$ has none near $a = 0$.
    """
    a, b = node.inputs
    out, d = node.value, node.local
    return Rule(
        "**",
        (
            f"{out} = float_power({a}, {b})",
            f"{d}_1 = exponent_slope({a}, {out})",
            f"{d}_0 = power_slope({a}, {b})",
        ),
        (Derivative(f"{d}_0", f"{b} * {a}**({b} - 1)"), Derivative(f"{d}_1", f"{a}**{b} ln {a}")),
    )


# -- elementary functions -----------------------------------------------------


def exponential(node: Names) -> Rule:
    r"""$e^x$ (``inf`` past the largest float); $\frac{d}{dx} e^x = e^x$, the value itself.

    Bound: $e^A$, for the value and so for the derivative.
    """
    x, (A,) = _one_input(node), node.bounds
    value = f"{node.value} = safe_exp({x})"
    return Rule(
        "exp",
        (value,),
        (Derivative(node.value, node.value, bound=node.bound),),
        nonnegative=True,
        bound=(f"{node.bound} = safe_exp({A})",),
    )


def sine(node: Names) -> Rule:
    r"""$\sin x$; derivative $\cos x$ (NaN for an infinite $x$, as the engine's helpers give).

    Bound: 1, for a finite $x$, for both.
    """
    bound = _finite_then("1.0", "{A}")
    return _computed(node, "sin", "sine({x})", "cosine({x})", "cos({x})", bound)


def cosine(node: Names) -> Rule:
    r"""$\cos x$; derivative $-\sin x$ (NaN for an infinite $x$, as the engine's helpers give).

    Bound: 1, for a finite $x$, for both.
    """
    bound = _finite_then("1.0", "{A}")
    return _computed(node, "cos", "cosine({x})", "-sine({x})", "-sin({x})", bound)


def logarithm(node: Names) -> Rule:
    r"""$\ln x$; $\frac{d}{dx} \ln x = 1/x$. ``math.log`` raises ``ValueError`` for $x \le 0$.

    No bound: both grow without limit as $x$ nears 0.
    """
    return _computed(node, "log", "log({x})", "1.0 / {x}", "1/{x}", bound=None)


# -- activations --------------------------------------------------------------


def tanh(node: Names) -> Rule:
    r"""$\tanh x$; derivative $1 - \tanh^2 x$. Bound: 1, for a finite $x$, for both."""
    bound = _finite_then("1.0", "{A}")
    return _computed(node, "tanh", "tanh({x})", "1.0 - {v} * {v}", "1 - {v}^2", bound)


def sigmoid(node: Names) -> Rule:
    r"""$\sigma(x)$; derivative $\sigma(x)\,\sigma(-x)$, which is $\sigma(x)(1 - \sigma(x))$.

    Bound: 1, for a finite $x$, for both.
    """
    derivative, math = "{v} * sigmoid(-{x})", "{v} * (1 - {v})"
    bound = _finite_then("1.0", "{A}")
    return _computed(node, "sigmoid", "sigmoid({x})", derivative, math, bound, nonnegative=True)


def relu(node: Names) -> Rule:
    r"""$\max(0, x)$; derivative 1 for $x > 0$, else 0 (NaN passes through, as in the engine).

    Bound: $A$.
    """
    value, slope = "0.0 if {x} <= 0.0 else {x}", "0.0 if {x} <= 0.0 else 1.0"
    return _piecewise(
        node, "relu", value, slope, "1 if {x} > 0, else 0", bound="{A}", nonnegative=True
    )


def leaky_relu(node: Names) -> Rule:
    r"""$x$ for $x > 0$, else $s x$ (slope $s$ from the op name); derivative 1 or $s$.

    Bound: $A$, times $|s|$ where $|s| > 1$.
    """
    s = parameter(node.op, "leaky_relu", 0.01)
    return _piecewise(
        node,
        "leaky_relu" if s == 0.01 else f"leaky_relu({s!r})",
        f"{{x}} if {{x}} > 0.0 else {number(s)} * {{x}}",
        f"1.0 if {{x}} > 0.0 else {number(s)}",
        f"1 if {{x}} > 0, else {s!r}",
        bound="{A}" if abs(s) <= 1.0 else f"{{A}} * {number(abs(s))}",
        finite=math.isfinite(s),
        slope_bound=number(1.0 + abs(s)),  # (inf or NaN where it is not finite)
    )


def elu(node: Names) -> Rule:
    r"""$x$ for $x > 0$, else $\alpha(e^x - 1)$, with $\alpha$ from the op name.

    Derivative 1 for $x > 0$, else $\alpha e^x$ (NaN takes the $x > 0$ piece, as in the engine).
    Bound: $A + |\alpha|$ (as $|e^x - 1| < 1$ for $x \le 0$); $1 + |\alpha|$ for the derivative.
    """
    x, d, (A,) = _one_input(node), node.local, node.bounds
    alpha = parameter(node.op, "elu", 1.0)
    a = number(alpha)
    return Rule(
        "elu" if alpha == 1.0 else f"elu({alpha!r})",
        (
            f"{node.value} = {a} * expm1({x}) if {x} <= 0.0 else {x}",
            f"{d} = {a} * exp({x}) if {x} <= 0.0 else 1.0",
        ),
        (Derivative(d, f"1 if {x} > 0, else {alpha!r} * e^{x}", bound=number(1.0 + abs(alpha))),),
        bound=(f"{node.bound} = {A} + {number(abs(alpha))}",),
    )


def softplus(node: Names) -> Rule:
    r"""$\ln(1 + e^x)$, as $\max(x, 0) + \ln(1 + e^{-|x|})$; derivative $\sigma(x)$.

    Bound: $A + 1$ (as $\ln 2 < 1$), which bounds the derivative too.
    """
    value = "max({x}, 0.0) + log1p(exp(-abs({x})))"
    return _computed(
        node, "softplus", value, "sigmoid({x})", "sigmoid({x})", "{A} + 1.0", nonnegative=True
    )


def silu(node: Names) -> Rule:
    r"""$x\,\sigma(x)$; derivative $\sigma(x)(1 + x(1 - \sigma(x)))$.

    Bound: $A$; 1.1 for the derivative (whose largest value is 1.0998...), for a finite $x$.
    """
    return _computed(
        node,
        "silu",
        "{x} * {d}_s",
        "{d}_s * (1.0 + {x} * sigmoid(-{x}))",
        "sigmoid({x}) * (1 + {x} * (1 - sigmoid({x})))",
        bound="{A}",
        derivative_bound=_finite_then("1.1", "{A}"),
        first="{d}_s = sigmoid({x})",
    )


def dsilu(node: Names) -> Rule:
    r"""dSiLU, $\sigma(x)(1 + x(1 - \sigma(x)))$.

    Derivative $\sigma(x)(1 - \sigma(x))(2 + x(1 - 2\sigma(x)))$.
    Bound: 1.1 (the largest value is 1.0998...), which bounds the derivative
    (at most 1/2) too, for a finite $x$.
    """
    return _computed(
        node,
        "dsilu",
        "{d}_s * (1.0 + {x} * {d}_r)",
        "{d}_s * {d}_r * (2.0 + {x} * ({d}_r - {d}_s))",
        "s (1 - s) (2 + {x} (1 - 2s)), s = sigmoid({x})",
        bound=_finite_then("1.1", "{A}"),
        first="{d}_s, {d}_r = sigmoid({x}), sigmoid(-{x})",
    )


def hard_sigmoid(node: Names) -> Rule:
    r"""$\min(1, \max(0, x/6 + 1/2))$; derivative $1/6$ for $-3 < x < 3$, else 0.

    Bound: 1, for a finite $x$.
    """
    return _piecewise(
        node,
        "hard_sigmoid",
        "{x} / 6.0 + 0.5 if -3.0 < {x} < 3.0"
        " else 0.0 if {x} <= -3.0 else 1.0 if {x} >= 3.0 else {x}",  # (the last: NaN)
        "1.0 / 6.0 if -3.0 < {x} < 3.0 else 0.0",
        "1/6 if -3 < {x} < 3, else 0",
        bound=_finite_then("1.0", "{A}"),
        nonnegative=True,
    )


def step(node: Names) -> Rule:
    r"""0 for $x < 0$, else 1 (NaN stays NaN); derivative 0. Bound: 1, for a finite $x$."""
    x, (A,) = _one_input(node), node.bounds
    value = f"{node.value} = 0.0 if {x} < 0.0 else 1.0 if {x} >= 0.0 else {x}"
    bound = (f"{node.bound} = {_finite_then('1.0', A)}",)
    return Rule("step", (value,), (ZERO,), nonnegative=True, bound=bound)


def sign(node: Names) -> Rule:
    r"""-1 for $x < 0$, else 1 (NaN stays NaN); derivative 0. Bound: 1, for a finite $x$."""
    x, (A,) = _one_input(node), node.bounds
    value = f"{node.value} = -1.0 if {x} < 0.0 else 1.0 if {x} >= 0.0 else {x}"
    bound = (f"{node.bound} = {_finite_then('1.0', A)}",)
    return Rule("sign", (value,), (ZERO,), bound=bound)


# -- n-ary operations -----------------------------------------------------------


def largest(node: Names) -> Rule:
    r"""$\max_i v_i$; derivative $1/m$ toward each of $m$ tied maxima, else 0 (``_largest``).

    Bound: $\sum_i A_i$, at least the largest $A_i$ (and NaN where one is: ``max`` is not).
    """
    values = ", ".join(node.inputs)
    forward = f"{node.value}, {node.local} = largest(({values},))"
    shares = tuple(
        Derivative(f"{node.local}[{i}]", f"1/m if {v} is one of m maxima, else 0", finite=True)
        for i, v in enumerate(node.inputs)
    )
    return Rule("max", (forward,), shares, bound=tuple(_wrapped(node.bound, list(node.bounds))))


def total(node: Names) -> Rule:
    r"""$\sum_i v_i$, correctly rounded (``_total``); derivative 1 toward each $v_i$.

    Bound: $\sum_i A_i$, correctly rounded too.
    """
    values, bounds = ", ".join(node.inputs), ", ".join(node.bounds)
    return Rule(
        "sum",
        (f"{node.value} = total(({values},))",),
        (ONE,) * len(node.inputs),
        bound=(f"{node.bound} = total(({bounds},))",),
    )


def weighted_sum(node: Names) -> Rule:
    r"""$z = \sum_i w_i x_i + b$, inputs ``(*w, *x, b)``; $\partial z/\partial w_i = x_i$,
    $\partial z/\partial x_i = w_i$, $\partial z/\partial b = 1$.

    The products are added to the bias from left to right, as ``weighted_sums``'
    ``sum(map(mul, w, x), b)`` adds them. Bound: the same sum of the bounds,
    $B + \sum_i W_i X_i$.
    """
    k = len(node.inputs) // 2
    weights, inputs, bias = node.inputs[:k], node.inputs[k : 2 * k], node.inputs[-1]
    bounds = node.bounds[:k], node.bounds[k : 2 * k], node.bounds[-1]
    derivatives = (
        *(Derivative(x, x, bound=X) for x, X in zip(inputs, bounds[1])),  # (k of each)
        *(Derivative(w, w, bound=W) for w, W in zip(weights, bounds[0])),
        ONE,
    )
    forward = _weighted_sum(node.value, weights, inputs, bias)
    return Rule("w·x+b", forward, derivatives, bound=_weighted_sum(node.bound, *bounds))


def _weighted_sum(
    target: str, weights: tuple[str, ...], inputs: tuple[str, ...], bias: str
) -> tuple[str, ...]:
    """``target = bias + w0 * x0 + ...``, at most ``TERMS_PER_STATEMENT`` products a statement."""
    products = [f"{w} * {x}" for w, x in zip(weights, inputs)]
    if SUM_COMPENSATES and products:
        return tuple(_wrapped(target, ["sum((" + products[0], *products[1:]], ", ", f",), {bias})"))
    lines: list[str] = []
    for start in range(0, max(len(products), 1), TERMS_PER_STATEMENT):
        first = bias if start == 0 else target
        lines += _wrapped(target, [first, *products[start : start + TERMS_PER_STATEMENT]])
    return tuple(lines)


def _wrapped(target: str, terms: list[str], joint: str = " + ", closing: str = "") -> list[str]:
    """``target = term0 + term1 + ...`` as lines of at most about 80 characters.

    A statement too long for one line is put in parentheses and continued on
    indented lines (``    + p5 * v3``), which changes nothing it computes.
    """
    text = f"{target} = {joint.join(terms)}{closing}"
    if len(text) <= 80:
        return [text]
    lines, line = [], f"{target} = ({terms[0]}"
    for term in terms[1:]:
        if len(line) + len(joint) + len(term) > 80:
            lines.append(line)
            line = f"    {joint.lstrip()}{term}"
        else:
            line += f"{joint}{term}"
    lines.append(f"{line}{closing})")
    return lines


#: Every function of ``engine.value`` that makes nodes (calls ``_from_op``), with its rule.
#: ``custom_op`` has none: a node it made is refused, since only its numbers are known.
RULES: dict[Callable[..., object], Callable[[Names], Rule]] = {
    Value.__add__: add,
    Value.__sub__: subtract,
    Value.__mul__: multiply,
    Value.__truediv__: divide,
    Value.__neg__: negate,
    Value.__abs__: absolute,
    Value.__pow__: power,
    _value_power: value_power,
    Value.exp: exponential,
    Value.log: logarithm,
    Value.sin: sine,
    Value.cos: cosine,
    Value.tanh: tanh,
    Value.sigmoid: sigmoid,
    Value.relu: relu,
    Value.leaky_relu: leaky_relu,
    Value.elu: elu,
    Value.softplus: softplus,
    Value.silu: silu,
    Value.dsilu: dsilu,
    Value.hard_sigmoid: hard_sigmoid,
    Value.step: step,
    Value.sign: sign,
    maximum: largest,
    sum_values: total,
    weighted_sums: weighted_sum,
}

#: The names the generated code uses besides Python's builtins: ``engine.value``'s
#: own float helpers (under plain names), ``math``'s functions and, for the bounds,
#: ``hypot`` ($\sqrt{\sum_i x_i^2}$, at least every $|x_i|$) and ``itertools.chain``.
NAMESPACE: dict[str, object] = {
    "tanh": math.tanh,
    "log": math.log,
    "exp": math.exp,
    "expm1": math.expm1,
    "log1p": math.log1p,
    "inf": math.inf,
    "nan": math.nan,
    "sigmoid": _sigmoid,
    "safe_exp": _safe_exp,
    "float_power": _float_power,
    "power_slope": _power_slope,
    "exponent_slope": _exponent_slope,
    "sine": _sine,
    "cosine": _cosine,
    "total": _total,
    "largest": _largest,
    "hypot": math.hypot,
    "chain": itertools.chain,
}
