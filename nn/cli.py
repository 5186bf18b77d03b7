r"""The ``chainrule`` command line.

Three subcommands, each a short tour of the library::

    chainrule demo [--out DIR] [--epochs N] [--no-progress]
    chainrule examples
    chainrule graph "tanh(a*b + c)" a=2 b=-3 c=10 -o graph.svg [--rankdir LR]

* ``demo`` trains micrograd's two-moons network and saves two pictures.
* ``examples`` recomputes every worked example of the texts the project was
  specified from and prints the texts' number beside the engine's.
* ``graph`` turns a formula into Values, runs ``backward()``, prints every
  variable's gradient and draws the computation graph.

The formula of ``graph`` is read with Python's ``ast`` module and only a
whitelist of constructs is evaluated (numbers, the variables bound on the
command line, ``+ - * / **``, unary ``-`` and calls of a fixed set of
functions). It is never passed to ``eval``, so a formula cannot run code.

>>> result, variables = evaluate_formula("a * b + c", {"a": 2.0, "b": -3.0, "c": 10.0})
>>> result.data
4.0
>>> result.backward()
>>> [(name, v.grad) for name, v in variables.items()]
[('a', -3.0), ('b', 2.0), ('c', 1.0)]

Exit codes: 0 on success, 1 when a worked example does not match (or a tool
such as Graphviz's ``dot`` is missing), 2 for a bad command line or formula.
"""

from __future__ import annotations

import argparse
import ast
import keyword
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine import (
    GraphTooLargeError,
    Value,
    maximum,
    sum_values,
    topological_order,
    weighted_sum,
)

if TYPE_CHECKING:
    import graphviz

# -- the formula language of `chainrule graph` ----------------------------------


class FormulaError(ValueError):
    """A formula that ``chainrule graph`` cannot evaluate: bad syntax, an unknown name, ..."""


def _one_argument(method: Callable[[Value], Value]) -> Callable[..., Value]:
    """A formula function of exactly one argument that calls ``method`` on it."""

    def apply(name: str, args: list[Value | float]) -> Value:
        if len(args) != 1:
            raise FormulaError(f"{name}() takes exactly 1 argument, got {len(args)}")
        return method(_as_value(args[0]))

    return apply


def _one_argument_and_constant(
    method: Callable[[Value, float], Value], parameter: str
) -> Callable[..., Value]:
    """A formula function of one argument and an optional number (``leaky_relu(x, 0.1)``)."""

    def apply(name: str, args: list[Value | float]) -> Value:
        if len(args) == 1:
            return method(_as_value(args[0]))  # the engine's default parameter
        if len(args) == 2:
            constant = args[1]
            if isinstance(constant, Value):
                raise FormulaError(
                    f"the {parameter} of {name}() must be a number, not an expression "
                    f"with variables: write e.g. {name}(x, 0.1)"
                )
            return method(_as_value(args[0]), constant)
        raise FormulaError(f"{name}() takes 1 or 2 arguments, got {len(args)}")

    return apply


def _maximum(name: str, args: list[Value | float]) -> Value:
    """``max(a, b, ...)``: ``engine.maximum``."""
    if not args:
        raise FormulaError(f"{name}() needs at least 1 argument")
    return maximum(*args)


FUNCTIONS: dict[str, Callable[[str, list[Value | float]], Value]] = {
    "exp": _one_argument(Value.exp),
    "log": _one_argument(Value.log),
    "tanh": _one_argument(Value.tanh),
    "sigmoid": _one_argument(Value.sigmoid),
    "relu": _one_argument(Value.relu),
    "leaky_relu": _one_argument_and_constant(Value.leaky_relu, "slope"),
    "elu": _one_argument_and_constant(Value.elu, "alpha"),
    "softplus": _one_argument(Value.softplus),
    "silu": _one_argument(Value.silu),
    "dsilu": _one_argument(Value.dsilu),
    "hard_sigmoid": _one_argument(Value.hard_sigmoid),
    "step": _one_argument(Value.step),
    "sign": _one_argument(Value.sign),
    "abs": _one_argument(abs),
    "max": _maximum,
}
"""The functions a formula may call, by name (``max`` is ``engine.maximum``)."""

_BINARY_OPERATORS: dict[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

_OPERATOR_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_CONSTRUCT_NAMES = {
    ast.Attribute: "attribute access (x.y)",
    ast.Subscript: "subscripts (x[i])",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "* unpacking",
    ast.JoinedStr: "strings",
}


def _as_value(x: Value | float) -> Value:
    """A Value as it is; a number as a constant leaf."""
    return x if isinstance(x, Value) else Value(x)


_FORBIDDEN_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^ (for a power write **)",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}


def _describe(node: ast.AST) -> str:
    """A short name for a forbidden construct, for error messages."""
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        symbol = _FORBIDDEN_OPERATORS.get(type(node.op), type(node.op).__name__)
        return f"the operator {symbol}"
    return _CONSTRUCT_NAMES.get(type(node), type(node).__name__)


class _Evaluator:
    """Evaluate a parsed formula, node by node, allowing only the whitelist."""

    def __init__(self, variables: dict[str, Value]) -> None:
        self.variables = variables

    def evaluate(self, node: ast.AST) -> Value | float:
        if isinstance(node, ast.Expression):
            return self.evaluate(node.body)
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.evaluate(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
            return self._binary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise FormulaError(f"a formula cannot contain {_describe(node)}")

    def _number(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormulaError(f"only numbers are allowed as constants, got {value!r}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise FormulaError(
                "a number in the formula is too large for a float (the largest is about 1.8e308)"
            )
        return number

    def _name(self, node: ast.Name) -> Value:
        if node.id in self.variables:
            return self.variables[node.id]
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: call it, as in {node.id}(x)")
        raise FormulaError(
            f"unbound variable {node.id!r}: give it a value on the command line, e.g. {node.id}=1.5"
        )

    def _binary(self, node: ast.BinOp) -> Value | float:
        left = self.evaluate(node.left)
        right = self.evaluate(node.right)
        operation = _BINARY_OPERATORS[type(node.op)]
        if not isinstance(left, Value) and not isinstance(right, Value):
            # number (op) number: let the engine compute it, so that 1/0 and
            # 10.0**1000 give the engine's ZeroDivisionError and inf, and keep
            # the result a number (leaky_relu(x, 1/10) has a number slope)
            return operation(Value(left), right).data
        return operation(left, right)

    def _call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name):
            raise FormulaError(
                f"only calls of the functions {', '.join(FUNCTIONS)} are allowed, "
                f"not {ast.unparse(node.func)}(...)"
            )
        name = node.func.id
        if name not in FUNCTIONS:
            raise FormulaError(
                f"unknown function {name}(): the functions allowed are {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise FormulaError(f"keyword arguments are not allowed: write {name}(x, 0.1)")
        args = [self.evaluate(arg) for arg in node.args]
        return FUNCTIONS[name](name, args)


def parse_assignments(assignments: Sequence[str]) -> dict[str, float]:
    """``["a=2", "b=-3"]`` -> ``{"a": 2.0, "b": -3.0}``, or a ``FormulaError`` naming the bad one.

    >>> parse_assignments(["a=2", "b=-3.5"])
    {'a': 2.0, 'b': -3.5}
    """
    values: dict[str, float] = {}
    for text in assignments:
        name, equals, number = text.partition("=")
        name = name.strip()
        if not equals:
            raise FormulaError(f"bad assignment {text!r}: write name=number, e.g. a=2")
        if not name.isidentifier():
            raise FormulaError(
                f"bad assignment {text!r}: {name!r} is not a variable name "
                "(letters, digits and _, not starting with a digit)"
            )
        if name in FUNCTIONS or keyword.iskeyword(name):
            what = "a function name" if name in FUNCTIONS else "a Python keyword"
            raise FormulaError(f"bad assignment {text!r}: {name} is {what}; choose another name")
        if name in values:
            raise FormulaError(f"bad assignment {text!r}: {name} is given twice")
        try:
            values[name] = float(number)
        except ValueError:
            raise FormulaError(
                f"bad assignment {text!r}: {number.strip()!r} is not a number"
            ) from None
        if not math.isfinite(values[name]):
            raise FormulaError(f"bad assignment {text!r}: give a finite number")
    return values


def evaluate_formula(formula: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Evaluate ``formula`` with Values; return the result and the variables' leaf Values.

    Each variable becomes a leaf ``Value(values[name], label=name)``. Raises
    ``FormulaError`` for a formula outside the whitelist, and the engine's
    ``ValueError``/``ZeroDivisionError`` for math errors such as ``log(-1)``.

    >>> result, _ = evaluate_formula("max(a, 2) ** 2", {"a": 3.0})
    >>> result.data
    9.0
    >>> evaluate_formula("__import__('os')", {})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn.cli.FormulaError: unknown function __import__(): the functions allowed are ...
    """
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as error:
        shown = formula if len(formula) <= 60 else formula[:57] + "..."
        raise FormulaError(f"syntax error in the formula {shown!r}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too deeply nested") from None
    except ValueError as error:  # e.g. a null character
        raise FormulaError(f"cannot read the formula: {error}") from None
    variables = {name: Value(number, label=name) for name, number in values.items()}
    try:
        result = _Evaluator(variables).evaluate(tree)
    except RecursionError:
        raise FormulaError("the formula is too deeply nested") from None
    return _as_value(result), variables


# -- `chainrule examples`: the worked examples, the texts' numbers beside the engine's --------


class Check:
    """One number of a worked example: the text's value beside the engine's.

    ``tolerance`` is ``None`` for "equal as Python floats" (exact arithmetic)
    and a relative tolerance otherwise (``1e-12``: 12 significant digits).
    """

    def __init__(
        self, what: str, text: float, engine: float, tolerance: float | None = 1e-12
    ) -> None:
        self.what = what
        self.text = float(text)
        self.engine = float(engine)
        self.tolerance = tolerance

    @property
    def matches(self) -> bool:
        """True when the engine reproduces the text's number."""
        if self.tolerance is None:
            return self.text == self.engine
        return math.isclose(self.text, self.engine, rel_tol=self.tolerance)


# Example 1 (WORKED_EXAMPLES.md §1): inputs, weights per layer, and the table's numbers.
RELU_INPUTS = (3.0, 5.0)
RELU_WEIGHTS = (
    ((2.0, 4.0), (4.0, -5.0)),  # hidden 1: neuron 1, neuron 2
    ((-1.0, 1.0), (2.0, 2.0)),  # hidden 2
    ((3.0, 7.0),),  # output
)
RELU_WEIGHTED_SUMS = ((26.0, -13.0), (-26.0, 52.0), (364.0,))
RELU_OUTPUTS = ((26.0, 0.0), (0.0, 52.0), (364.0,))
RELU_WEIGHT_GRADS = (((42.0, 70.0), (0.0, 0.0)), ((0.0, 0.0), (182.0, 0.0)), ((0.0, 52.0),))
RELU_BIAS_GRADS = ((14.0, 0.0), (0.0, 7.0), (1.0,))
RELU_INPUT_GRADS = (28.0, 56.0)

# Example 2 (§2): a perceptron with no activation.
PERCEPTRON_INPUTS = (2.0, 3.0)
PERCEPTRON_CASES = (((1.0, 1.0), 5.0), ((0.5, 0.5), 2.5))

# Example 3 (§3): the fruit classifier's raw outputs, target apple.
FRUIT_SCORES = (34.0, 32.0, 25.0)
FRUIT_NAMES = ("orange", "apple", "banana")
FRUIT_TARGET = (0.0, 1.0, 0.0)
FRUIT_SOFTMAX = (0.8807013466267556, 0.11918996619259818, 0.00010868718064608277)
FRUIT_SQUARED_ERRORS = (0.7756348619501807, 0.7758263156557964, 1.1812903236794228e-08)
FRUIT_SQUARED_ERROR_SUM = 1.5514611894188806
FRUIT_CROSS_ENTROPY = 2.1270367041304983
FRUIT_LARGE_SCORES = (1000.0, 998.0, 991.0)

# Example 4 (§4): a small I -> J -> K sigmoid network (2 -> 2 -> 2) and one target.
DELTA_INPUTS = (0.05, 0.10)
DELTA_HIDDEN_WEIGHTS = ((0.15, 0.20), (0.25, 0.30))  # W_ij, one row per hidden node j
DELTA_HIDDEN_BIASES = (0.35, 0.35)
DELTA_OUTPUT_WEIGHTS = ((0.40, 0.45), (0.50, 0.55))  # W_jk, one row per output node k
DELTA_OUTPUT_BIASES = (0.60, 0.60)
DELTA_TARGETS = (0.01, 0.99)
DELTA_LEARNING_RATE = 0.5

# Example 5 (§5): the points where each activation is checked.
ACTIVATION_POINTS = (-4.0, -1.0, 0.5, 2.0)

# Example 6 (§6): the step neuron that multiplies three bits, and the four-neuron product.
STEP_WEIGHTS = (1.0, 1.0, 1.0)
STEP_BIAS = -2.5
PRODUCT_X, PRODUCT_Y = 1.5, -2.0
SOFTPLUS_SECOND_DERIVATIVE_AT_0 = 0.25
PRODUCT_SCALES = (0.1, 0.01)


def _sigmoid(x: float) -> float:
    """The text's $1 / (1 + e^{-x})$, in plain floats."""
    return 1.0 / (1.0 + math.exp(-x))


def _example_relu_network() -> list[Check]:
    """§1: the ReLU network's table, then d(output)/d(every parameter and input)."""
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(RELU_INPUTS)]
    checks = []
    layer_names = ("hidden 1", "hidden 2", "output")
    params = []  # (name, weights, bias) per neuron, in layer order
    activations: list[Value] = x
    for layer_index, layer in enumerate(RELU_WEIGHTS):
        outputs = []
        for neuron_index, weights in enumerate(layer):
            w = [Value(v) for v in weights]
            b = Value(0.0)
            z = weighted_sum(w, activations, b)
            a = z.relu()
            name = f"{layer_names[layer_index]}, neuron {neuron_index + 1}"
            if layer_index == len(RELU_WEIGHTS) - 1:
                name = "output"
            checks.append(
                Check(f"{name}: w·x+b", RELU_WEIGHTED_SUMS[layer_index][neuron_index], z.data, None)
            )
            checks.append(
                Check(f"{name}: relu", RELU_OUTPUTS[layer_index][neuron_index], a.data, None)
            )
            params.append((name, layer_index, neuron_index, w, b))
            outputs.append(a)
        activations = outputs
    output = activations[0]
    output.backward()
    for name, layer_index, neuron_index, w, b in params:
        for i, weight in enumerate(w):
            text = RELU_WEIGHT_GRADS[layer_index][neuron_index][i]
            checks.append(Check(f"{name}: d/dw{i + 1}", text, weight.grad, None))
        checks.append(
            Check(f"{name}: d/db", RELU_BIAS_GRADS[layer_index][neuron_index], b.grad, None)
        )
    for i, leaf in enumerate(x):
        checks.append(Check(f"d/dx{i + 1}", RELU_INPUT_GRADS[i], leaf.grad, None))
    return checks


def _example_perceptron() -> list[Check]:
    """§2: output = w·x, and d(output)/dw_i = x_i."""
    checks = []
    for weights, text_output in PERCEPTRON_CASES:
        w = [Value(v) for v in weights]
        output = weighted_sum(w, PERCEPTRON_INPUTS)
        output.backward()
        label = f"weights {weights[0]:g}, {weights[1]:g}"
        checks.append(Check(f"{label}: output", text_output, output.data, None))
        for i, weight in enumerate(w):
            checks.append(
                Check(f"{label}: d/dw{i + 1} = x{i + 1}", PERCEPTRON_INPUTS[i], weight.grad, None)
            )
    return checks


def _example_softmax() -> list[Check]:
    """§3: softmax of the fruit scores, squared errors and cross-entropy for target apple."""
    from nn.losses import cross_entropy
    from nn.softmax import softmax

    checks = []
    probabilities = softmax(FRUIT_SCORES)
    for name, text, p in zip(FRUIT_NAMES, FRUIT_SOFTMAX, probabilities):
        checks.append(Check(f"softmax, {name}", text, p.data))
    checks.append(Check("apple, rounded to 2 digits", 0.12, round(probabilities[1].data, 2), None))
    errors = [(p - t) ** 2 for p, t in zip(probabilities, FRUIT_TARGET)]
    for name, text, error in zip(FRUIT_NAMES, FRUIT_SQUARED_ERRORS, errors):
        checks.append(Check(f"squared error, {name}", text, error.data))
    checks.append(Check("squared error, sum", FRUIT_SQUARED_ERROR_SUM, sum_values(errors).data))
    apple = FRUIT_NAMES.index("apple")
    checks.append(
        Check(
            "cross-entropy -ln p(apple)",
            FRUIT_CROSS_ENTROPY,
            cross_entropy(FRUIT_SCORES, apple).data,
        )
    )
    for name, text, p in zip(FRUIT_NAMES, FRUIT_SOFTMAX, softmax(FRUIT_LARGE_SCORES)):
        checks.append(Check(f"softmax([1000, 998, 991]), {name}", text, p.data))
    return checks


def _example_delta_rule() -> list[Check]:
    r"""§4: the delta rule by hand (plain floats) beside ``backward()`` on the same network.

    Hand: $\delta_k = O_k(1 - O_k)(O_k - t_k)$, $\delta_j = O_j(1 - O_j)\sum_k \delta_k W_{jk}$,
    $\partial E/\partial W = \delta \cdot O_{\text{in}}$, $\partial E/\partial\theta = \delta$,
    then one update $W \leftarrow W - \eta\,\partial E/\partial W$.
    """
    x, t, eta = DELTA_INPUTS, DELTA_TARGETS, DELTA_LEARNING_RATE
    # -- by hand ---------------------------------------------------------------
    hidden = [
        _sigmoid(sum(w * xi for w, xi in zip(row, x)) + theta)
        for row, theta in zip(DELTA_HIDDEN_WEIGHTS, DELTA_HIDDEN_BIASES)
    ]
    out = [
        _sigmoid(sum(w * h for w, h in zip(row, hidden)) + theta)
        for row, theta in zip(DELTA_OUTPUT_WEIGHTS, DELTA_OUTPUT_BIASES)
    ]
    hand_error = 0.5 * sum((o - tk) ** 2 for o, tk in zip(out, t))
    delta_k = [o * (1 - o) * (o - tk) for o, tk in zip(out, t)]
    delta_j = [
        h * (1 - h) * sum(delta_k[k] * DELTA_OUTPUT_WEIGHTS[k][j] for k in range(len(out)))
        for j, h in enumerate(hidden)
    ]
    # -- by the engine ---------------------------------------------------------
    w_ij = [[Value(v) for v in row] for row in DELTA_HIDDEN_WEIGHTS]
    theta_j = [Value(v) for v in DELTA_HIDDEN_BIASES]
    w_jk = [[Value(v) for v in row] for row in DELTA_OUTPUT_WEIGHTS]
    theta_k = [Value(v) for v in DELTA_OUTPUT_BIASES]
    o_j = [weighted_sum(row, x, theta).sigmoid() for row, theta in zip(w_ij, theta_j)]
    o_k = [weighted_sum(row, o_j, theta).sigmoid() for row, theta in zip(w_jk, theta_k)]
    error = 0.5 * sum_values([(o - tk) ** 2 for o, tk in zip(o_k, t)])
    error.backward()

    checks = [Check("error E = 1/2 sum (O_k - t_k)^2", hand_error, error.data)]
    for k, row in enumerate(w_jk):
        for j, weight in enumerate(row):
            hand = delta_k[k] * hidden[j]
            checks.append(Check(f"dE/dW_j{j + 1}k{k + 1} = delta_k O_j", hand, weight.grad))
        checks.append(Check(f"dE/dtheta_k{k + 1} = delta_k", delta_k[k], theta_k[k].grad))
    for j, row in enumerate(w_ij):
        for i, weight in enumerate(row):
            hand = delta_j[j] * x[i]
            checks.append(Check(f"dE/dW_i{i + 1}j{j + 1} = delta_j O_i", hand, weight.grad))
        checks.append(Check(f"dE/dtheta_j{j + 1} = delta_j", delta_j[j], theta_j[j].grad))
    # one gradient-descent step, W <- W - eta dE/dW: by hand, and by nn.SGD
    from nn.optim import SGD

    SGD([*(w for row in w_jk + w_ij for w in row), *theta_j, *theta_k], lr=eta).step()
    for k, row in enumerate(w_jk):
        for j, weight in enumerate(row):
            hand = DELTA_OUTPUT_WEIGHTS[k][j] - eta * delta_k[k] * hidden[j]
            checks.append(Check(f"updated W_j{j + 1}k{k + 1}", hand, weight.data))
    for j, row in enumerate(w_ij):
        for i, weight in enumerate(row):
            hand = DELTA_HIDDEN_WEIGHTS[j][i] - eta * delta_j[j] * x[i]
            checks.append(Check(f"updated W_i{i + 1}j{j + 1}", hand, weight.data))
    return checks


def _maxout(x: Value) -> Value:
    """A maxout unit of two pieces: $\\max(1.0 x + 0.0, -0.5 x + 1.0)$."""
    return maximum(1.0 * x + 0.0, -0.5 * x + 1.0)


# (name, engine function, the text's formula f(x), the text's derivative f'(x))
_ACTIVATION_TABLE: tuple[
    tuple[str, Callable[[Value], Value], Callable[[float], float], Callable[[float], float]], ...
] = (
    ("sigmoid", Value.sigmoid, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    ("tanh", Value.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    ("relu", Value.relu, lambda x: max(0.0, x), lambda x: 1.0 if x > 0 else 0.0),
    (
        "leaky_relu",
        Value.leaky_relu,
        lambda x: max(0.01 * x, x),
        lambda x: 1.0 if x > 0 else 0.01,
    ),
    (
        "elu",
        Value.elu,
        lambda x: x if x > 0 else 1.0 * (math.exp(x) - 1),
        lambda x: 1.0 if x > 0 else 1.0 * math.exp(x),
    ),
    (
        "maxout",
        _maxout,
        lambda x: max(1.0 * x + 0.0, -0.5 * x + 1.0),
        lambda x: 1.0 if x > -0.5 * x + 1.0 else -0.5,
    ),
    ("step", Value.step, lambda x: 0.0 if x < 0 else 1.0, lambda x: 0.0),
    ("sign", Value.sign, lambda x: -1.0 if x < 0 else 1.0, lambda x: 0.0),
    (
        "hard_sigmoid",
        Value.hard_sigmoid,
        lambda x: min(1.0, max(0.0, x / 6 + 1 / 2)),
        lambda x: 1 / 6 if -3 < x < 3 else 0.0,
    ),
    ("softplus", Value.softplus, lambda x: math.log(1 + math.exp(x)), _sigmoid),
    (
        "silu",
        Value.silu,
        lambda x: x * _sigmoid(x),
        lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
    ),
    (
        "dsilu",
        Value.dsilu,
        lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (2 + x * (1 - 2 * _sigmoid(x))),
    ),
)

# Large |x|: the limits the texts' formulas tend to, which a stable engine must reach.
_ACTIVATION_LIMITS: tuple[tuple[str, Callable[[Value], Value], float, float], ...] = (
    ("sigmoid", Value.sigmoid, -1000.0, 0.0),
    ("sigmoid", Value.sigmoid, 1000.0, 1.0),
    ("tanh", Value.tanh, -1000.0, -1.0),
    ("softplus", Value.softplus, -1000.0, 0.0),
    ("softplus", Value.softplus, 1000.0, 1000.0),
    ("silu", Value.silu, -1000.0, 0.0),
    ("elu", Value.elu, -1000.0, -1.0),
)


def _example_activations() -> list[Check]:
    """§5: every activation's value and derivative: the text's formula beside the engine's."""
    checks = []
    for name, function, formula, derivative in _ACTIVATION_TABLE:
        for point in ACTIVATION_POINTS:
            x = Value(point)
            y = function(x)
            y.backward()
            checks.append(Check(f"{name}({point:g})", formula(point), y.data))
            checks.append(Check(f"{name}'({point:g})", derivative(point), x.grad))
    for name, function, point, limit in _ACTIVATION_LIMITS:
        checks.append(Check(f"{name}({point:g}) (stable)", limit, function(Value(point)).data))
    return checks


def _softplus_product(x: float, y: float, u: float) -> Value:
    """§6: $xy \\approx [s(u(x+y)) + s(-u(x+y)) - s(u(x-y)) - s(-u(x-y))] / (4u^2 s''(0))$."""
    plus, minus = Value(u * (x + y)), Value(u * (x - y))
    four_neurons = plus.softplus() + (-plus).softplus() - minus.softplus() - (-minus).softplus()
    return four_neurons / (4 * u * u * SOFTPLUS_SECOND_DERIVATIVE_AT_0)


def _example_products() -> list[Check]:
    """§6: a step neuron multiplies three bits; four softplus neurons multiply two numbers."""
    checks = []
    for b1 in (0.0, 1.0):
        for b2 in (0.0, 1.0):
            for b3 in (0.0, 1.0):
                weights = [Value(w) for w in STEP_WEIGHTS]
                output = weighted_sum(weights, (b1, b2, b3), STEP_BIAS).step()
                what = f"step neuron, bits {b1:g}{b2:g}{b3:g}"
                checks.append(Check(what, b1 * b2 * b3, output.data, None))
    x, y = PRODUCT_X, PRODUCT_Y
    errors = []
    for u in PRODUCT_SCALES:
        approximation = _softplus_product(x, y, u).data
        errors.append(approximation - x * y)
        checks.append(Check(f"x*y = {x:g}*{y:g}, four neurons, u={u:g}", x * y, approximation, u))
    shrink = PRODUCT_SCALES[0] / PRODUCT_SCALES[1]
    checks.append(
        Check(
            f"error shrinks like u^2: ratio for u/{shrink:g}",
            shrink**2,
            errors[0] / errors[1],
            0.05,
        )
    )
    return checks


EXAMPLES: tuple[tuple[str, Callable[[], list[Check]]], ...] = (
    ("1. A ReLU network, forward and backward (inputs 3, 5)", _example_relu_network),
    ("2. A perceptron (inputs 2, 3)", _example_perceptron),
    ("3. Softmax, squared error and cross-entropy (fruit scores 34, 32, 25)", _example_softmax),
    (
        "4. The delta rule on a 2-2-2 sigmoid network: hand formulas vs backward()",
        _example_delta_rule,
    ),
    ("5. Activation functions: the texts' formulas vs the engine", _example_activations),
    ("6. Networks that compute products", _example_products),
)
"""Every worked example of WORKED_EXAMPLES.md: a title and a function returning its checks."""


def _marks(stream: object) -> tuple[str, str]:
    """✓ and ✗, or plain ``ok``/``MISMATCH`` where the terminal cannot print them."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "✓✗".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "ok", "MISMATCH"
    return "✓", "✗"


def run_examples(out: object = None) -> int:
    """Print every worked example's checks; return the number of mismatches."""
    out = sys.stdout if out is None else out
    good, bad = _marks(out)
    mismatches = 0
    total = 0
    for title, example in EXAMPLES:
        print(title, file=out)
        print(f"   {'':<46} {'text':>24} {'engine':>24}", file=out)
        for check in example():
            total += 1
            mark = good if check.matches else bad
            mismatches += not check.matches
            print(f"   {check.what:<46} {check.text!r:>24} {check.engine!r:>24}  {mark}", file=out)
        print(file=out)
    if mismatches:
        print(f"{mismatches} of {total} numbers do not match {bad}", file=out)
    else:
        print(f"all {total} numbers match {good}", file=out)
    return mismatches


# -- `chainrule demo` -----------------------------------------------------------------


def run_demo(out_dir: Path, epochs: int, progress: bool) -> int:
    """Train micrograd's two-moons MLP, save the decision boundary and one neuron's graph."""
    import random

    import nn
    from engine.draw import draw
    from nn.visualize import plot_decision_boundary

    X, labels = nn.make_moons(100, noise=0.1, seed=1)
    y = nn.to_signed_labels(labels)
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    print(
        f"training {model.num_parameters()}-parameter MLP(2, [16, 16, 1]) on two moons "
        f"(hinge loss + 1e-4 L2, SGD, full batch, {epochs} epochs)"
    )
    history = nn.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer="sgd",
        lr=lambda step: 1.0 - 0.9 * step / epochs,
        epochs=epochs,
        regularization=lambda m: 1e-4 * sum_values([p * p for p in m.parameters()]),
        shuffle=False,
        seed=0,
        progress=progress,
    )
    print(f"final loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.1%}")

    out_dir.mkdir(parents=True, exist_ok=True)
    boundary = out_dir / "decision_boundary.png"
    figure = plot_decision_boundary(model, X, labels, resolution=60, title="two moons")
    figure.savefig(boundary, dpi=100)
    print(f"wrote {boundary}")

    # the output neuron for the first example: z = w·a + b over hidden layer 2
    output = model(X[0])
    output.backward()
    graph_path = out_dir / "output_neuron_graph.svg"
    picture = draw(output, collapse=True, parameters=model.parameters(), max_nodes=None)
    return 0 if _write_picture(picture, graph_path, "svg", "demo") else 1


def _write_picture(
    picture: graphviz.Digraph, path: Path, fmt: str, command: str, hint: str = ""
) -> bool:
    """Write a Digraph to ``path`` as ``fmt`` (``"dot"``: its DOT source) and say so.

    On failure print what went wrong (a file that cannot be written, or no
    Graphviz ``dot`` to render with) and return False.
    """
    try:
        if fmt == "dot":
            path.write_text(picture.source, encoding="utf-8")
        else:
            path.write_bytes(picture.pipe(format=fmt))
    except OSError as error:
        print(f"chainrule {command}: cannot write {path}: {error}", file=sys.stderr)
        return False
    except Exception as error:  # graphviz.ExecutableNotFound without `dot`
        print(
            f"chainrule {command}: could not run Graphviz's dot ({error}); "
            f"install Graphviz (apt-get install graphviz){hint}",
            file=sys.stderr,
        )
        return False
    print(f"wrote {path}")
    return True


# -- `chainrule graph` --------------------------------------------------------------

GRAPH_FORMATS = ("svg", "png", "pdf", "dot")


def run_graph(formula: str, assignments: Sequence[str], output: str | None, rankdir: str) -> int:
    """Evaluate ``formula``, print the result and each gradient, and write the picture."""
    fmt = None
    if output is not None:
        fmt = Path(output).suffix.lower().lstrip(".")
        if fmt == "gv":
            fmt = "dot"
        if fmt not in GRAPH_FORMATS:
            return _error(
                f"cannot tell the picture format from {output!r}: end the file name with "
                + ", ".join(f".{f}" for f in GRAPH_FORMATS)
            )
    try:
        values = parse_assignments(assignments)
        result, variables = evaluate_formula(formula, values)
    except (ValueError, ZeroDivisionError, OverflowError) as error:  # FormulaError included
        return _error(str(error))
    result.backward()
    print(f"{formula} = {result.data!r}")
    for name, leaf in variables.items():
        print(f"d/d{name} = {leaf.grad!r}")
    numbers = [result.data, *(leaf.grad for leaf in variables.values())]
    if not all(map(math.isfinite, numbers)):
        print(
            "chainrule graph: warning: a result is inf or nan (a float overflowed, "
            "e.g. exp of a number above 709, or inf - inf)",
            file=sys.stderr,
        )
    if output is None:
        return 0

    from engine.draw import draw

    result.label = result.label or "out"
    try:  # dot cannot lay out a huge picture in reasonable time; DOT text is fine
        picture = draw(result, rankdir=rankdir, max_nodes=None if fmt == "dot" else 300)
    except GraphTooLargeError:
        count = len(topological_order(result))
        return _error(
            f"the formula's graph has {count} Value nodes, too many to draw as a picture "
            "(at most 300); write the DOT source instead with -o graph.dot"
        )
    hint = " or write the DOT source with -o graph.dot"
    return 0 if _write_picture(picture, Path(output), fmt, "graph", hint) else 1


def _error(message: str) -> int:
    """Print a command-line error and return exit code 2."""
    print(f"chainrule graph: error: {message}", file=sys.stderr)
    return 2


# -- the command line ---------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` argument parser with its three subcommands."""
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: a scalar autograd engine and a small neural-network library.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="train micrograd's two-moons MLP and save pictures")
    demo.add_argument("--out", default="chainrule-demo", help="output folder (./chainrule-demo)")
    demo.add_argument("--epochs", type=int, default=100, help="training epochs (100)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")

    commands.add_parser("examples", help="recompute every worked example and compare")

    graph = commands.add_parser(
        "graph",
        help="differentiate a formula and draw its computation graph",
        description="Evaluate FORMULA with the variables given as name=value, print the result "
        "and each variable's gradient, and draw the graph. Functions: " + ", ".join(FUNCTIONS),
    )
    graph.add_argument("formula", help='e.g. "tanh(a*b + c)"')
    graph.add_argument("assignments", nargs="*", metavar="NAME=VALUE", help="e.g. a=2 b=-3")
    graph.add_argument("-o", "--output", help="picture file: .svg, .png, .pdf or .dot")
    graph.add_argument("--rankdir", default="LR", choices=("LR", "RL", "TB", "BT"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chainrule`` command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # the reader went away (``chainrule examples | head``): stop quietly
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    """Dispatch a parsed command line to its subcommand."""
    if args.command == "examples":
        return 1 if run_examples() else 0
    if args.command == "demo":
        if args.epochs < 1:
            print("chainrule demo: error: --epochs must be at least 1", file=sys.stderr)
            return 2
        return run_demo(Path(args.out), args.epochs, not args.no_progress)
    return run_graph(args.formula, args.assignments, args.output, args.rankdir)


if __name__ == "__main__":
    raise SystemExit(main())
