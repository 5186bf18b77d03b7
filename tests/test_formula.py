"""nn.formula, in process: what a formula may contain, and the exact error for what it may not.

A learner types these formulas at ``chainrule graph``; each error names the problem and the
fix, so the messages are part of the behaviour and are checked whole.
"""

from __future__ import annotations

import math
import re

import pytest

from nn.formula import FUNCTIONS, FormulaError, evaluate_formula, parse_assignments

ALLOWED = ", ".join(FUNCTIONS)
LONG = "x" * 58  # with " +" a formula of 60 characters, shown whole; one more is cut


@pytest.mark.parametrize(
    "text, message",
    [
        ("a +", "syntax error in the formula 'a +': invalid syntax"),
        (LONG + " +", f"syntax error in the formula '{LONG} +': invalid syntax"),
        (LONG + "x +", f"syntax error in the formula '{LONG[:57]}...': invalid syntax"),
        ("exp(a, a)", "exp() takes exactly 1 argument, got 2"),
        ("exp()", "exp() takes exactly 1 argument, got 0"),
        ("leaky_relu()", "leaky_relu() takes 1 or 2 arguments, got 0"),
        ("leaky_relu(a, 0.1, 2)", "leaky_relu() takes 1 or 2 arguments, got 3"),
        (
            "elu(a, a)",
            "the alpha of elu() must be a number, not an expression with variables: "
            "write e.g. elu(x, 0.1)",
        ),
        (
            "leaky_relu(a, -a)",
            "the slope of leaky_relu() must be a number, not an expression with variables: "
            "write e.g. leaky_relu(x, 0.1)",
        ),
        ("max()", "max() needs at least 1 argument"),
        ("exp", "exp is a function: call it, as in exp(x)"),
        ("q", "unbound variable 'q': give it a value on the command line, e.g. q=1.5"),
        ("f(a)", f"unknown function f(): the functions allowed are {ALLOWED}"),
        ("a.b(1)", f"only calls of the functions {ALLOWED} are allowed, not a.b(...)"),
        # a called expression of 40 characters is shown whole, a longer one cut to 37 + ...
        (
            "(a" + " + a" * 8 + " + 1000)(1)",
            f"only calls of the functions {ALLOWED} are allowed, "
            "not a" + " + a" * 8 + " + 1000(...)",
        ),
        (
            "(a" + " + a" * 8 + " + 10000)(1)",
            f"only calls of the functions {ALLOWED} are allowed, "
            "not a" + " + a" * 8 + " + 1...(...)",
        ),
        ("exp(a, x=1)", "keyword arguments are not allowed: write exp(x, 0.1)"),
        ("True + a", "only numbers are allowed as constants, got True"),
        ("'x'", "only numbers are allowed as constants, got 'x'"),
        (
            "1e999",
            "a number in the formula is too large for a float (the largest is about 1.8e308)",
        ),
        ("a // 2", "a formula cannot contain the operator //"),
        ("a ^ 2", "a formula cannot contain the operator ^ (for a power write **)"),
        ("not a", "a formula cannot contain the operator not"),
        ("a < 2", "a formula cannot contain comparisons"),
        ("a.b", "a formula cannot contain attribute access (x.y)"),
        ("exp(*a)", "a formula cannot contain * unpacking"),
        ("await a", "a formula cannot contain Await"),  # no friendlier name: the node's
    ],
)
def test_formula_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=f"^{re.escape(message)}$"):
        evaluate_formula(text, {"a": 2.0})


def test_a_formula_may_nest_one_hundred_levels_deep() -> None:
    assert evaluate_formula("(a*" * 99 + "a" + ")" * 99, {"a": 1.0})[0].data == 1.0
    with pytest.raises(FormulaError) as refused:
        evaluate_formula("(a*" * 100 + "a" + ")" * 100, {"a": 1.0})
    assert str(refused.value) == (
        "the formula nests more than 100 levels deep (calls inside calls, or parentheses); "
        "a flat chain such as a+b+c+... is fine at any length"
    )


def test_a_parser_that_refuses_a_character_is_a_formula_error(monkeypatch) -> None:
    def parse_as_older_pythons_do(source: str, mode: str) -> None:
        raise ValueError("source code string cannot contain null bytes")  # (newer: SyntaxError)

    with monkeypatch.context() as patched, pytest.raises(FormulaError) as refused:
        patched.setattr("nn.formula.ast.parse", parse_as_older_pythons_do)
        evaluate_formula("a\x00+1", {"a": 1.0})
    assert str(refused.value) == (
        "cannot read the formula: source code string cannot contain null bytes"
    )


def test_a_call_inside_a_call_is_a_level_of_nesting() -> None:
    assert evaluate_formula("relu(" * 99 + "a" + ")" * 99, {"a": 0.5})[0].data == 0.5
    with pytest.raises(FormulaError, match="^the formula nests more than 100 levels deep"):
        evaluate_formula("relu(" * 100 + "a" + ")" * 100, {"a": 0.5})


def test_a_minus_sign_before_parentheses_nests_but_a_chain_of_minus_signs_does_not() -> None:
    # -(a+-(a+...)): each "-(" and each "a+(" is a level, so 49 of them nest 99 deep, 50 are 101
    assert evaluate_formula("-(a+" * 49 + "a" + ")" * 49, {"a": 0.5})[0].data == -1.0
    with pytest.raises(FormulaError, match="^the formula nests more than 100 levels deep"):
        evaluate_formula("-(a+" * 50 + "a" + ")" * 50, {"a": 0.5})
    # -(-(-a)) is a chain, as a+b+c+... is: 150 minus signs nest one level
    assert evaluate_formula("-(" * 150 + "a" + ")" * 150, {"a": 0.5})[0].data == 0.5


def test_every_function_computes_its_op_and_gradient() -> None:
    result, variables = evaluate_formula(
        "exp(a) + log(a) + tanh(a) + sigmoid(a) + relu(a) + leaky_relu(-a) + elu(-a, 0.5) "
        "+ softplus(a) + silu(a) + dsilu(a) + hard_sigmoid(a) + step(a) + sign(-a) + abs(-a) "
        "+ max(a, 1) + +a - -a",
        {"a": 2.0},
    )
    x = 2.0
    sigmoid = 1 / (1 + math.exp(-x))
    expected = (
        math.exp(x)
        + math.log(x)
        + math.tanh(x)
        + sigmoid
        + x
        - 0.01 * x
        + 0.5 * math.expm1(-x)
        + math.log1p(math.exp(x))
        + x * sigmoid
        + sigmoid * (1 + x * (1 - sigmoid))
        + x / 6
        + 0.5
        + 1.0
        - 1.0
        + x
        + x
        + x
        + x
    )
    assert result.data == pytest.approx(expected, rel=1e-12)
    result.backward()
    assert variables["a"].grad == pytest.approx(
        math.exp(x)
        + 1 / x
        + 1
        - math.tanh(x) ** 2
        + sigmoid * (1 - sigmoid)
        + 1.0
        - 0.01  # leaky_relu(-a): its slope times d(-a)/da = -1
        - 0.5 * math.exp(-x)  # elu(-a, 0.5)
        + sigmoid
        + sigmoid * (1 + x * (1 - sigmoid))
        + sigmoid * (1 - sigmoid) * (2 + x * (1 - 2 * sigmoid))
        + 1 / 6
        + 1.0  # abs(-a)
        + 1.0  # max(a, 1)
        + 2.0,  # +a - -a
        rel=1e-12,
    )


def test_a_one_argument_function_reads_its_argument() -> None:
    assert evaluate_formula("leaky_relu(a)", {"a": -2.0})[0].data == pytest.approx(-0.02)
    assert evaluate_formula("leaky_relu(a, 0.5)", {"a": -2.0})[0].data == -1.0
    assert evaluate_formula("elu(a, 1/2)", {"a": 0.0})[0].data == 0.0
    assert evaluate_formula("exp(2 * a)", {"a": 0.5})[0].data == pytest.approx(math.e)


@pytest.mark.parametrize(
    "assignment, message",
    [
        (["a"], "bad assignment 'a': write name=number, e.g. a=2"),
        (
            ["1a=2"],
            "bad assignment '1a=2': '1a' is not a variable name "
            "(letters, digits and _, not starting with a digit)",
        ),
        (["exp=1"], "bad assignment 'exp=1': exp is a function name; choose another name"),
        (["if=1"], "bad assignment 'if=1': if is a Python keyword; choose another name"),
        (["a=1", "a=2"], "bad assignment 'a=2': a is given twice"),
        (["a=xyz"], "bad assignment 'a=xyz': 'xyz' is not a number"),
        (["a=1=2"], "bad assignment 'a=1=2': '1=2' is not a number"),
        (["a=inf"], "bad assignment 'a=inf': give a finite number"),
    ],
)
def test_bad_assignments_name_the_problem(assignment: list[str], message: str) -> None:
    with pytest.raises(FormulaError, match=f"^{re.escape(message)}$"):
        parse_assignments(assignment)


def test_assignments_allow_spaces() -> None:
    assert parse_assignments([" a = 2 ", "b=-3.5"]) == {"a": 2.0, "b": -3.5}
