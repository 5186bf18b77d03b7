r"""The formula language of ``chainrule graph``: a formula and ``name=value`` pairs to Values.

A formula such as ``"tanh(a*b + c)"`` is read with Python's ``ast`` module,
and only a whitelist of constructs is evaluated: numbers, the variables
bound on the command line, ``+ - * / **``, unary ``-`` and calls of a fixed
set of functions (``FUNCTIONS``). It is never passed to ``eval``, so a
formula cannot run code.

>>> result, variables = evaluate_formula("a * b + c", {"a": 2.0, "b": -3.0, "c": 10.0})
>>> result.data
4.0
>>> result.backward()
>>> [(name, v.grad) for name, v in variables.items()]
[('a', -3.0), ('b', 2.0), ('c', 1.0)]
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
from collections.abc import Callable, Sequence
from functools import partial

from engine import Constant, Value, maximum


class FormulaError(ValueError):
    """A formula that ``chainrule graph`` cannot evaluate: bad syntax, an unknown name, ..."""


def _one_argument(method: Callable[[Value], Value], name: str, args: list[Value | float]) -> Value:
    """A formula function of exactly one argument: ``method`` called on it."""
    if len(args) != 1:
        raise FormulaError(f"{name}() takes exactly 1 argument, got {len(args)}")
    return method(_as_value(args[0]))


def _one_argument_and_constant(
    method: Callable[[Value, float], Value], parameter: str, name: str, args: list[Value | float]
) -> Value:
    """A formula function of one argument and an optional number (``leaky_relu(x, 0.1)``)."""
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


def _maximum(name: str, args: list[Value | float]) -> Value:
    """``max(a, b, ...)``: ``engine.maximum``."""
    if not args:
        raise FormulaError(f"{name}() needs at least 1 argument")
    return maximum(*args)


FUNCTIONS: dict[str, Callable[[str, list[Value | float]], Value]] = {
    "exp": partial(_one_argument, Value.exp),
    "log": partial(_one_argument, Value.log),
    "sin": partial(_one_argument, Value.sin),
    "cos": partial(_one_argument, Value.cos),
    "tanh": partial(_one_argument, Value.tanh),
    "sigmoid": partial(_one_argument, Value.sigmoid),
    "relu": partial(_one_argument, Value.relu),
    "leaky_relu": partial(_one_argument_and_constant, Value.leaky_relu, "slope"),
    "elu": partial(_one_argument_and_constant, Value.elu, "alpha"),
    "softplus": partial(_one_argument, Value.softplus),
    "silu": partial(_one_argument, Value.silu),
    "dsilu": partial(_one_argument, Value.dsilu),
    "hard_sigmoid": partial(_one_argument, Value.hard_sigmoid),
    "step": partial(_one_argument, Value.step),
    "sign": partial(_one_argument, Value.sign),
    "abs": partial(_one_argument, abs),
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
    return x if isinstance(x, Value) else Constant(x)


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
        op = type(node.op)
        symbol = _FORBIDDEN_OPERATORS.get(op, op.__name__)  # pragma: no mutate (all listed)
        return f"the operator {symbol}"
    return _CONSTRUCT_NAMES.get(type(node), type(node).__name__)


MAX_NESTING = 100
"""How deeply a formula may nest: a call's arguments, an operand in parentheses.

A chain of one kind of operator does not nest, however long it is:
``a+b-c+...``, ``a*b/c*...``, ``a**b**c**...`` and ``---a`` are evaluated one
link after another, without recursion. (Python's own parser reads chains of
up to about 2,500 operations, and parentheses up to 200 deep.)
"""

#: Operators that chain: an operand on this side continues the chain (no new nesting).
_CHAINS: dict[type[ast.operator], tuple[str, str]] = {
    ast.Add: ("sum", "left"),
    ast.Sub: ("sum", "left"),
    ast.Mult: ("product", "left"),
    ast.Div: ("product", "left"),
    ast.Pow: ("power", "right"),  # a ** b ** c is a ** (b ** c)
}


class _Evaluator:
    """Evaluate a parsed formula, node by node, allowing only the whitelist.

    The tree is walked with an explicit stack, operands before the node that
    uses them (as ``backward()`` walks a graph), so a long flat chain such
    as ``a+a+...+a`` costs no recursion; real nesting is limited to
    ``MAX_NESTING``.
    """

    def __init__(self, variables: dict[str, Value], source: str) -> None:
        self.variables = variables
        self.source = source

    def evaluate(self, tree: ast.Expression) -> Value | float:
        results: list[Value | float] = []
        # (node, nesting depth, whether its operands are evaluated already)
        stack: list[tuple[ast.AST, int, bool]] = [(tree.body, 1, False)]
        while stack:
            node, depth, operands_ready = stack.pop()
            if operands_ready:
                results.append(self._apply(node, results))
                continue
            if depth > MAX_NESTING:
                raise FormulaError(
                    f"the formula nests more than {MAX_NESTING} levels deep (calls inside "
                    "calls, or parentheses); a flat chain such as a+b+c+... is fine at any length"
                )
            operands = self._operands(node, depth)
            if not operands:
                results.append(self._leaf(node))
                continue
            stack.append((node, depth, True))
            stack.extend((operand, level, False) for operand, level in reversed(operands))
        (result,) = results
        return result

    def _operands(self, node: ast.AST, depth: int) -> list[tuple[ast.AST, int]]:
        """The operands to evaluate before ``node``, each with its nesting depth.

        Raises ``FormulaError`` for anything outside the whitelist, before
        anything below it is evaluated.
        """
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            chained = isinstance(node.operand, ast.UnaryOp)  # ---a is a chain
            return [(node.operand, depth if chained else depth + 1)]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
            chain = _CHAINS[type(node.op)]  # (its name, the side an operand continues it on)
            levels = []
            for operand, operand_side in ((node.left, "left"), (node.right, "right")):
                continues = (
                    operand_side == chain[1]
                    and isinstance(operand, ast.BinOp)
                    and _CHAINS.get(type(operand.op)) == chain
                )
                levels.append((operand, depth if continues else depth + 1))
            return levels
        if isinstance(node, ast.Call):
            self._check_call(node)
            return [(argument, depth + 1) for argument in node.args]
        raise FormulaError(f"a formula cannot contain {_describe(node)}")

    def _leaf(self, node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        return self._apply(node, [])  # a call without arguments

    def _apply(self, node: ast.AST, results: list[Value | float]) -> Value | float:
        """``node`` on its operands' values, taken off the end of ``results``."""
        if isinstance(node, ast.UnaryOp):
            operand = results.pop()
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            right, left = results.pop(), results.pop()
            return self._binary(node, left, right)
        assert isinstance(node, ast.Call)
        args = results[len(results) - len(node.args) :]
        del results[len(results) - len(node.args) :]
        name = node.func.id  # type: ignore[attr-defined]  # checked in _check_call
        return FUNCTIONS[name](name, args)

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

    def _binary(self, node: ast.BinOp, left: Value | float, right: Value | float) -> Value | float:
        operation = _BINARY_OPERATORS[type(node.op)]
        if not isinstance(left, Value) and not isinstance(right, Value):
            # number (op) number: let the engine compute it, so that 1/0 and
            # 10.0**1000 give the engine's ZeroDivisionError and inf, and keep
            # the result a number (leaky_relu(x, 1/10) has a number slope)
            return operation(Value(left), right).data
        return operation(left, right)

    def _check_call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            segment = ast.get_source_segment(self.source, node.func)
            called = segment or "an expression"  # pragma: no mutate (this source: always found)
            if len(called) > 40:
                called = called[:37] + "..."
            raise FormulaError(
                f"only calls of the functions {', '.join(FUNCTIONS)} are allowed, not {called}(...)"
            )
        name = node.func.id
        if name not in FUNCTIONS:
            raise FormulaError(
                f"unknown function {name}(): the functions allowed are {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise FormulaError(f"keyword arguments are not allowed: write {name}(x, 0.1)")


def parse_assignments(assignments: Sequence[str]) -> dict[str, float]:
    """``["a=2", "b=-3"]`` -> ``{"a": 2.0, "b": -3.0}``, or a ``FormulaError`` naming the bad one.

    Names are normalized as Python normalizes identifiers (NFKC), so a name
    matches the formula's however it is typed: in ``"ℌ*2"`` Python reads the
    variable ``H``, and ``ℌ=3`` sets ``H``.

    >>> parse_assignments(["a=2", "b=-3.5", "ℌ=1"])
    {'a': 2.0, 'b': -3.5, 'H': 1.0}
    """
    values: dict[str, float] = {}
    spelled: dict[str, str] = {}  # each name as first typed
    for text in assignments:
        typed, equals, number = text.partition("=")
        name = unicodedata.normalize("NFKC", typed.strip())
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
            same = "" if spelled[name] == name else f" (Python reads {spelled[name]} as {name})"
            raise FormulaError(f"bad assignment {text!r}: {name} is given twice{same}")
        spelled[name] = typed.strip()
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
    nn.formula.FormulaError: unknown function __import__(): the functions allowed are ...
    """
    source = formula.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        shown = formula if len(formula) <= 60 else formula[:57] + "..."
        raise FormulaError(f"syntax error in the formula {shown!r}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise FormulaError(
            "the formula is too long or too deeply nested for Python's parser (it reads "
            "chains of up to about 2,500 operations, and parentheses up to 200 deep)"
        ) from None
    except ValueError as error:  # e.g. a null character
        raise FormulaError(f"cannot read the formula: {error}") from None
    variables = {name: Value(number, label=name) for name, number in values.items()}
    result = _Evaluator(variables, source).evaluate(tree)
    return _as_value(result), variables
