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
  words for the comment (``1 if v6 > 0, else 0``).

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

Only numbers the engine formats itself go into the code: every name is made
by ``engine.compile`` (``x0``, ``p3``, ``v7``), and an operation's parameter
(leaky_relu's slope, the exponent of ``**``) is read back from its op name as
a float and written with ``number``. No user string ever becomes code.
"""

from __future__ import annotations

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
    the node's op name, which records a parameter (``leaky_relu(0.2)``).
    """

    value: str
    inputs: tuple[str, ...]
    local: str
    op: str


@dataclass(frozen=True)
class Derivative:
    r"""$\partial\,\text{node} / \partial\,\text{input}$ as code and as math.

    ``code`` is a number (``1.0``), a name (``v6``, ``d7``) or, when ``finite``,
    an expression cheap enough to evaluate in the backward pass, only when the
    gradient is not 0 (relu's ``(0.0 if v6 <= 0 else 1.0)``). ``finite`` says the
    derivative is finite for every input; any other one is checked by the
    compiled code before it takes ``engine.backprop``'s zero-gradient skip.
    """

    code: str
    math: str
    finite: bool = False


@dataclass(frozen=True)
class Rule:
    """One node written out: its operation's name for the comments, forward code, derivatives.

    ``nonnegative`` says the value is never below 0 (it may be NaN): where it
    is also a local derivative, the compiled code's finiteness check adds it
    as it is instead of its square.
    """

    title: str
    forward: tuple[str, ...]
    derivatives: tuple[Derivative, ...]
    nonnegative: bool = False


ONE = Derivative("1.0", "1", finite=True)
MINUS_ONE = Derivative("-1.0", "-1", finite=True)
ZERO = Derivative("0.0", "0", finite=True)

#: How many products of ``w·x+b`` one statement adds up: a longer chain of
#: additions nests too deeply for Python's compiler (about 3,000 terms fail).
TERMS_PER_STATEMENT = 32

#: From Python 3.12 on, ``sum()`` of floats compensates rounding errors, so the
#: compiled code must call ``sum`` where ``weighted_sums`` does; before, ``sum``
#: adds left to right and a chain of ``+`` gives the same bits, faster.
SUM_COMPENSATES = sys.version_info >= (3, 12)


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


def _piecewise(
    node: Names,
    title: str,
    value: str,
    slope: str,
    math: str,
    finite: bool = True,
    nonnegative: bool = False,
) -> Rule:
    """A one-input operation whose derivative is a number on each piece (relu: 0 or 1).

    ``value`` and ``slope`` are Python, ``math`` the comment, all in ``{x}``,
    the input. The slope is an expression the backward pass evaluates only
    where a gradient passes; ``finite`` says it is finite for every input.
    """
    x = _one_input(node)
    derivative = Derivative(f"({slope.format(x=x)})", math.format(x=x), finite)
    return Rule(title, (f"{node.value} = {value.format(x=x)}",), (derivative,), nonnegative)


def _computed(
    node: Names,
    title: str,
    value: str,
    derivative: str,
    math: str,
    first: str = "",
    nonnegative: bool = False,
) -> Rule:
    """A one-input operation whose forward pass computes its value, then its derivative.

    ``value``, ``derivative`` (Python) and ``math`` (the comment) are written
    in ``{x}``, the input, ``{v}``, the value, and ``{d}``, the derivative's
    name: tanh is ``tanh({x})`` and ``1.0 - {v} * {v}``. ``first`` is a
    statement before them, for numbers both need (``{d}_s = sigmoid({x})``).
    """
    names = {"x": _one_input(node), "v": node.value, "d": node.local}
    forward = [f"{node.value} = {value}", f"{node.local} = {derivative}"]
    if first:
        forward.insert(0, first)
    return Rule(
        title,
        tuple(line.format(**names) for line in forward),
        (Derivative(node.local, math.format(**names)),),
        nonnegative,
    )


# -- arithmetic ---------------------------------------------------------------


def add(node: Names) -> Rule:
    r"""$a + b$; $\partial/\partial a = 1$, $\partial/\partial b = 1$."""
    a, b = node.inputs
    return Rule("+", (f"{node.value} = {a} + {b}",), (ONE, ONE))


def subtract(node: Names) -> Rule:
    r"""$a - b$; $\partial/\partial a = 1$, $\partial/\partial b = -1$."""
    a, b = node.inputs
    return Rule("-", (f"{node.value} = {a} - {b}",), (ONE, MINUS_ONE))


def multiply(node: Names) -> Rule:
    r"""$a \cdot b$; $\partial/\partial a = b$, $\partial/\partial b = a$."""
    a, b = node.inputs
    return Rule("*", (f"{node.value} = {a} * {b}",), (Derivative(b, b), Derivative(a, a)))


def divide(node: Names) -> Rule:
    r"""$a / b$; $\partial/\partial a = 1/b$, $\partial/\partial b = -(a/b)/b$.

    ``a / b`` raises ``ZeroDivisionError`` for $b = 0$, as the eager operation does.
    """
    a, b = node.inputs
    q, d = node.value, node.local
    return Rule(
        "/",
        (f"{q} = {a} / {b}", f"{d}_0 = 1.0 / {b}", f"{d}_1 = -{q} / {b}"),
        (Derivative(f"{d}_0", f"1/{b}"), Derivative(f"{d}_1", f"-({a}/{b})/{b}")),
    )


def negate(node: Names) -> Rule:
    r"""$-a$; $\partial/\partial a = -1$."""
    return Rule("neg", (f"{node.value} = -{_one_input(node)}",), (MINUS_ONE,))


def absolute(node: Names) -> Rule:
    r"""$|a|$; $\partial/\partial a = \operatorname{sign}(a)$, 0 at the kink."""
    return _piecewise(
        node,
        "abs",
        "abs({x})",
        "1.0 if {x} > 0.0 else -1.0 if {x} < 0.0 else 0.0",
        "1 if {x} > 0, -1 if {x} < 0, else 0",
        nonnegative=True,
    )


def power(node: Names) -> Rule:
    r"""$a^n$ for a number $n$, read from the op name ``**n``.

    $\partial/\partial a = n a^{n-1}$, by the engine's ``_power_slope``.
    """
    a = _one_input(node)
    n = number(float(node.op[2:]))
    return Rule(
        f"**{n}",
        (f"{node.value} = float_power({a}, {n})", f"{node.local} = power_slope({a}, {n})"),
        (Derivative(node.local, f"{n} * {a}**({n} - 1)"),),
    )


def value_power(node: Names) -> Rule:
    r"""$a^b$ with both a Value.

    $\partial/\partial a = b a^{b-1}$ and $\partial/\partial b = a^b \ln a$.
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
    r"""$e^x$ (``inf`` past the largest float); $\frac{d}{dx} e^x = e^x$, the value itself."""
    x = _one_input(node)
    value = f"{node.value} = safe_exp({x})"
    return Rule("exp", (value,), (Derivative(node.value, node.value),), nonnegative=True)


def sine(node: Names) -> Rule:
    r"""$\sin x$; derivative $\cos x$ (NaN for an infinite $x$, as the engine's helpers give)."""
    return _computed(node, "sin", "sine({x})", "cosine({x})", "cos({x})")


def cosine(node: Names) -> Rule:
    r"""$\cos x$; derivative $-\sin x$ (NaN for an infinite $x$, as the engine's helpers give)."""
    return _computed(node, "cos", "cosine({x})", "-sine({x})", "-sin({x})")


def logarithm(node: Names) -> Rule:
    r"""$\ln x$; $\frac{d}{dx} \ln x = 1/x$. ``math.log`` raises ``ValueError`` for $x \le 0$."""
    return _computed(node, "log", "log({x})", "1.0 / {x}", "1/{x}")


# -- activations --------------------------------------------------------------


def tanh(node: Names) -> Rule:
    r"""$\tanh x$; derivative $1 - \tanh^2 x$."""
    return _computed(node, "tanh", "tanh({x})", "1.0 - {v} * {v}", "1 - {v}^2")


def sigmoid(node: Names) -> Rule:
    r"""$\sigma(x)$; derivative $\sigma(x)\,\sigma(-x)$, which is $\sigma(x)(1 - \sigma(x))$."""
    derivative, math = "{v} * sigmoid(-{x})", "{v} * (1 - {v})"
    return _computed(node, "sigmoid", "sigmoid({x})", derivative, math, nonnegative=True)


def relu(node: Names) -> Rule:
    r"""$\max(0, x)$; derivative 1 for $x > 0$, else 0 (NaN passes through, as in the engine)."""
    value, slope = "0.0 if {x} <= 0.0 else {x}", "0.0 if {x} <= 0.0 else 1.0"
    return _piecewise(node, "relu", value, slope, "1 if {x} > 0, else 0", nonnegative=True)


def leaky_relu(node: Names) -> Rule:
    r"""$x$ for $x > 0$, else $s x$ (slope $s$ from the op name); derivative 1 or $s$."""
    s = parameter(node.op, "leaky_relu", 0.01)
    return _piecewise(
        node,
        "leaky_relu" if s == 0.01 else f"leaky_relu({s!r})",
        f"{{x}} if {{x}} > 0.0 else {number(s)} * {{x}}",
        f"1.0 if {{x}} > 0.0 else {number(s)}",
        f"1 if {{x}} > 0, else {s!r}",
        finite=math.isfinite(s),
    )


def elu(node: Names) -> Rule:
    r"""$x$ for $x > 0$, else $\alpha(e^x - 1)$, with $\alpha$ from the op name.

    Derivative 1 for $x > 0$, else $\alpha e^x$ (NaN takes the $x > 0$ piece, as in the engine).
    """
    x, d = _one_input(node), node.local
    alpha = parameter(node.op, "elu", 1.0)
    a = number(alpha)
    return Rule(
        "elu" if alpha == 1.0 else f"elu({alpha!r})",
        (
            f"{node.value} = {a} * expm1({x}) if {x} <= 0.0 else {x}",
            f"{d} = {a} * exp({x}) if {x} <= 0.0 else 1.0",
        ),
        (Derivative(d, f"1 if {x} > 0, else {alpha!r} * e^{x}"),),
    )


def softplus(node: Names) -> Rule:
    r"""$\ln(1 + e^x)$, as $\max(x, 0) + \ln(1 + e^{-|x|})$; derivative $\sigma(x)$."""
    value = "max({x}, 0.0) + log1p(exp(-abs({x})))"
    return _computed(node, "softplus", value, "sigmoid({x})", "sigmoid({x})", nonnegative=True)


def silu(node: Names) -> Rule:
    r"""$x\,\sigma(x)$; derivative $\sigma(x)(1 + x(1 - \sigma(x)))$."""
    return _computed(
        node,
        "silu",
        "{x} * {d}_s",
        "{d}_s * (1.0 + {x} * sigmoid(-{x}))",
        "sigmoid({x}) * (1 + {x} * (1 - sigmoid({x})))",
        first="{d}_s = sigmoid({x})",
    )


def dsilu(node: Names) -> Rule:
    r"""dSiLU, $\sigma(x)(1 + x(1 - \sigma(x)))$.

    Derivative $\sigma(x)(1 - \sigma(x))(2 + x(1 - 2\sigma(x)))$.
    """
    return _computed(
        node,
        "dsilu",
        "{d}_s * (1.0 + {x} * {d}_r)",
        "{d}_s * {d}_r * (2.0 + {x} * ({d}_r - {d}_s))",
        "s (1 - s) (2 + {x} (1 - 2s)), s = sigmoid({x})",
        first="{d}_s, {d}_r = sigmoid({x}), sigmoid(-{x})",
    )


def hard_sigmoid(node: Names) -> Rule:
    r"""$\min(1, \max(0, x/6 + 1/2))$; derivative $1/6$ for $-3 < x < 3$, else 0."""
    return _piecewise(
        node,
        "hard_sigmoid",
        "{x} / 6.0 + 0.5 if -3.0 < {x} < 3.0"
        " else 0.0 if {x} <= -3.0 else 1.0 if {x} >= 3.0 else {x}",  # (the last: NaN)
        "1.0 / 6.0 if -3.0 < {x} < 3.0 else 0.0",
        "1/6 if -3 < {x} < 3, else 0",
        nonnegative=True,
    )


def step(node: Names) -> Rule:
    r"""0 for $x < 0$, else 1 (NaN stays NaN); derivative 0."""
    x = _one_input(node)
    value = f"{node.value} = 0.0 if {x} < 0.0 else 1.0 if {x} >= 0.0 else {x}"
    return Rule("step", (value,), (ZERO,), nonnegative=True)


def sign(node: Names) -> Rule:
    r"""-1 for $x < 0$, else 1 (NaN stays NaN); derivative 0."""
    x = _one_input(node)
    return Rule(
        "sign", (f"{node.value} = -1.0 if {x} < 0.0 else 1.0 if {x} >= 0.0 else {x}",), (ZERO,)
    )


# -- n-ary operations -----------------------------------------------------------


def largest(node: Names) -> Rule:
    r"""$\max_i v_i$; derivative $1/m$ toward each of $m$ tied maxima, else 0 (``_largest``)."""
    values = ", ".join(node.inputs)
    forward = f"{node.value}, {node.local} = largest(({values},))"
    shares = tuple(
        Derivative(f"{node.local}[{i}]", f"1/m if {v} is one of m maxima, else 0", finite=True)
        for i, v in enumerate(node.inputs)
    )
    return Rule("max", (forward,), shares)


def total(node: Names) -> Rule:
    r"""$\sum_i v_i$, correctly rounded (``_total``); derivative 1 toward each $v_i$."""
    values = ", ".join(node.inputs)
    return Rule("sum", (f"{node.value} = total(({values},))",), (ONE,) * len(node.inputs))


def weighted_sum(node: Names) -> Rule:
    r"""$z = \sum_i w_i x_i + b$, inputs ``(*w, *x, b)``; $\partial z/\partial w_i = x_i$,
    $\partial z/\partial x_i = w_i$, $\partial z/\partial b = 1$.

    The products are added to the bias from left to right, as ``weighted_sums``'
    ``sum(map(mul, w, x), b)`` adds them.
    """
    k = len(node.inputs) // 2
    weights, inputs, bias = node.inputs[:k], node.inputs[k : 2 * k], node.inputs[-1]
    products = [f"{w} * {x}" for w, x in zip(weights, inputs, strict=True)]
    if SUM_COMPENSATES and products:
        forward = _wrapped(node.value, ["sum((" + products[0], *products[1:]], ", ", f",), {bias})")
    else:
        forward = []
        for start in range(0, max(len(products), 1), TERMS_PER_STATEMENT):
            first = bias if start == 0 else node.value
            forward += _wrapped(node.value, [first, *products[start : start + TERMS_PER_STATEMENT]])
    derivatives = (
        *(Derivative(x, x) for x in inputs),
        *(Derivative(w, w) for w in weights),
        ONE,
    )
    return Rule("w·x+b", tuple(forward), derivatives)


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
#: own float helpers (under plain names) and ``math``'s functions.
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
}
