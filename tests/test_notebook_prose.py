"""Every number the notebooks' prose states is checked against the code.

Two rules, for every markdown cell of every lesson and exercise:

1. **Arithmetic in the prose is right.** Wherever the text writes a chain like
   ``$(0.1192 - 1)^2 = 0.77581$`` or ``$3 \\cdot 2 + 5 \\cdot 4 = 26$`` whose sides are
   plain arithmetic (numbers, + - * /, powers, fractions, e, ln, square roots),
   each side is evaluated and the sides must agree, to the digits written. A side
   with a letter in it (a variable) is not arithmetic and is left to rule 2. A
   quotation ("...") is the source texts' words, slips included, and is left alone.
2. **Every other number comes from the notebook.** A number of the prose that is
   not a small integer (0 to 10: counts, exponents, indices) must appear in the
   notebook's code (a setting, an assert) or in its stored outputs (printed,
   displayed, or drawn in a picture's text), to the digits written. A number that
   drifts when a notebook is re-executed, or that was never computed, fails here.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

# The lessons' code runs here in-process; the mutation run leaves the notebooks out
# (tests/MUTATION.md), and lesson 10's engine.compile cannot trace mutmut's trampolines.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MUTANT_UNDER_TEST")), reason="notebooks: not in the mutation run"
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks" / "exercises").glob("*.ipynb")
)

NUMBER = re.compile(r"(?<![\w.^{}])(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w])(?!\.\d)")


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _markdown(path: Path) -> list[str]:
    return [_text(cell["source"]) for cell in _cells(path) if cell["cell_type"] == "markdown"]


def _without_quotes_and_code(text: str) -> str:
    """The prose without fenced and inline code, links' targets and quotations."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # a link's target
    text = re.sub(r"<[^>]+>", " ", text)  # html tags
    text = re.sub(r'"[^"\n]*"|“[^”]*”', " ", text)
    return text


def _plain(text: str) -> str:
    """Unicode and LaTeX spellings of arithmetic as Python spells it."""
    for old, new in [
        ("−", "-"),
        ("×", "*"),
        ("·", "*"),
        ("²", "**2"),
        ("³", "**3"),
        ("⁴", "**4"),
        (r"\cdot", "*"),
        (r"\times", "*"),
        (r"\left", ""),
        (r"\right", ""),
        (r"\bigl", ""),
        (r"\bigr", ""),
        (r"\big", ""),
        (r"\Big", ""),
        (r"\!", ""),
        (r"\,", " "),
        (r"\;", " "),
        (r"\ ", " "),
        (r"\tfrac12", "(1/2)"),
        (r"\tfrac14", "(1/4)"),
        (r"\tfrac13", "(1/3)"),
        (r"\tfrac23", "(2/3)"),
        (r"\tfrac16", "(1/6)"),
        (r"\approx", " ≈ "),
        (r"\mathrel{+}=", " += "),
        (r"\leq", " ≤ "),
        (r"\le", " ≤ "),
        (r"\geq", " ≥ "),
        (r"\ge", " ≥ "),
        (r"\ne", " ≠ "),
    ]:
        text = text.replace(old, new)
    for _ in range(3):  # nested fractions
        text = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", text)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", text)
    text = re.sub(r"\\ln\s*", "log", text)
    text = re.sub(r"(?<![\w\\])e\^\{([^{}]*)\}", r"exp(\1)", text)
    text = re.sub(r"\^\{([^{}]*)\}", r"**(\1)", text)
    text = re.sub(r"\^(\d)", r"**\1", text)
    return text


#: exp, ln and sqrt as one character each, so that an expression is a run of these characters
_FUNCTIONS = {"ℯ": "exp", "㏑": "log", "√": "sqrt"}
_ARITHMETIC = set("0123456789 .+-*/()") | set(_FUNCTIONS)


def _operand(text: str, at_end: bool) -> str | None:
    """The arithmetic run that ends ``text`` (``at_end``) or starts it, or ``None``.

    A run that reaches a variable (``2x + 1``, ``w_1 + 2``) starts or ends with an
    operator once the variable is cut off: it is not arithmetic, so ``None``.
    """
    chars = list(reversed(text)) if at_end else list(text)
    run = []
    for char in chars:
        if char not in _ARITHMETIC:
            break
        run.append(char)
    else:
        char = None
    whole = "".join(reversed(run) if at_end else run)
    operand = whole.strip()
    if char is not None and char not in " $":
        boundary = operand[:1] if at_end else operand[-1:]
        adjacent = whole[:1] != " " and (char.isalnum() or char in "'′")
        if boundary in ("+", "-", "*", "/") or (at_end and adjacent):
            return None  # a variable's term (2x + 1) or a function's argument (σ(0), s''(0))
    # parentheses the run cut in half belong to the sentence, not the expression
    while operand.count("(") > operand.count(")") and "(" in operand:
        operand = operand.replace("(", "", 1).strip() if at_end else operand
        if not at_end:
            break
    while operand.count(")") > operand.count("(") and operand.endswith(")"):
        operand = operand[:-1].strip()
    if at_end:
        while operand.count("(") > operand.count(")") and operand.startswith("("):
            operand = operand[1:].strip()
    operand = re.sub(r"(?<=\d)\.$|\s+\.$", "", operand)  # a full stop ends the sentence
    if not operand or operand[-1] in "+-*/" or operand[0] in "+*/":
        return None
    return operand if re.search(r"\d", operand) else None


def _evaluate(side: str) -> float | None:
    """The value of an arithmetic ``side``, else ``None``."""
    side = re.sub(r"(\d|\))\s*\(", r"\1*(", side)  # implicit products: 2(3 + 4), (-2)(1)
    side = re.sub(r"\)\s*(\d)", r")*\1", side)
    side = re.sub(r"(\d)\s*([ℯ㏑√])", r"\1*\2", side)
    for char, name in _FUNCTIONS.items():
        side = side.replace(char, name)
    namespace = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt}
    try:
        value = eval(compile(side, "prose", "eval"), {"__builtins__": {}}, namespace)  # noqa: S307
    except (SyntaxError, ZeroDivisionError, OverflowError, ValueError, TypeError, NameError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _decimals(literal: str) -> int | None:
    """The decimals a bare number is written with (``None`` if the side is no bare number)."""
    match = re.fullmatch(r"\(?(-?\d+(?:\.(\d+))?)\)?", literal.strip())
    if not match:
        return None
    return len(match.group(2) or "")


def _agree(left: str, right: str, approx: bool) -> tuple[bool, float, float] | None:
    a, b = _evaluate(left), _evaluate(right)
    if a is None or b is None:
        return None
    places = [d for d in (_decimals(left), _decimals(right)) if d is not None]
    if places:  # a rounded number: right to the last digit written
        tolerance = 0.5 * 10 ** -min(places) * (2 if approx else 1) + 1e-12 * max(abs(a), 1)
        return abs(a - b) <= tolerance, a, b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), a, b


def relations(markdown: str) -> list[tuple[str, str, bool, float, float]]:
    """Every ``x = y`` (or ``x ≈ y``) of the prose whose sides are both arithmetic."""
    found = []
    text = _plain(_without_quotes_and_code(markdown))
    text = re.sub(r"_\{[^{}]*\}|_\w", "ˍ", text)  # a subscript makes a name, not a number
    for name, char in (("exp(", "ℯ("), ("log(", "㏑("), ("sqrt(", "√(")):
        text = text.replace(name, char)
    for segment in re.split(r",\s|;|\\quad|\\qquad|&|\\\\|\\to|→|\n|:\s|\$\$", text):
        segment = segment.replace("$", " ")
        parts = re.split(r"(?<![<>!+\-*/=])(=|≈)(?!=)", segment)
        sides, operators = parts[0::2], parts[1::2]
        for (left, right), operator in zip(zip(sides, sides[1:]), operators):
            left_operand, right_operand = _operand(left, True), _operand(right, False)
            if left_operand is None or right_operand is None:
                continue
            checked = _agree(left_operand, right_operand, operator == "≈")
            if checked is not None:
                found.append((left_operand, right_operand, *checked))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_arithmetic_in_the_prose_is_right(path: Path) -> None:
    wrong = [
        f"{left} = {right}: {a!r} vs {b!r}"
        for markdown in _markdown(path)
        for left, right, ok, a, b in relations(markdown)
        if not ok
    ]
    assert not wrong, wrong


def _numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def _stored_numbers(path: Path) -> set[float]:
    """Every number in the notebook's code and stored outputs (a picture's text included)."""
    texts = []
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        texts.append(_text(cell["source"]))
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append(_text(output["text"]))
            data = output.get("data", {})
            for kind in ("text/plain", "text/markdown"):
                if kind in data:
                    texts.append(_text(data[kind]))
            if "image/svg+xml" in data:
                texts += re.findall(r"<text[^>]*>([^<]*)</text>", _text(data["image/svg+xml"]))
    numbers = set()
    for text in texts:
        for token in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text.replace("−", "-")):
            try:
                numbers.add(abs(float(token)))
            except ValueError:
                continue
    return numbers


def _matches(literal: str, stored: set[float]) -> bool:
    value = abs(float(literal))
    if "e" in literal.lower():
        digits = len(re.sub(r"[^\d]", "", literal.lower().split("e")[0]))
        return any(math.isclose(value, x, rel_tol=0.5 * 10 ** (1 - digits)) for x in stored)
    places = _decimals(literal) or 0
    tolerance = 0.5 * 10**-places * (1 + 1e-9)
    if any(abs(x - value) <= tolerance for x in stored):
        return True
    if places == 0:  # 95 for an accuracy of 0.95, 12 (digits) for a tolerance of 1e-12
        return any(abs(100 * x - value) <= 0.5 for x in stored if x <= 1) or any(
            math.isclose(x, 10**-value) for x in stored
        )
    return False


def unexplained_numbers(path: Path) -> list[str]:
    """The prose's numbers (beyond 0 to 10) that appear in no code and no output."""
    stored = _stored_numbers(path)
    missing = []
    for markdown in _markdown(path):
        checked = {  # numbers rule 1 has checked
            abs(float(literal))
            for left, right, ok, _, _ in relations(markdown)
            if ok
            for literal in NUMBER.findall(left + " " + right)
        }
        text = _plain(_without_quotes_and_code(markdown))
        text = re.sub(r"_\{[^{}]*\}|_\w", " ", text)  # subscripts are names, not numbers
        text = re.sub(r"\*\*\(?-?\d+\)?", " ", text)  # exponents
        text = re.sub(r"^#+ .*$", " ", text, flags=re.MULTILINE)  # headings: lesson numbers
        for literal in _numbers(text):
            value = abs(float(literal))
            if (value <= 10 and float(literal).is_integer()) or value in checked:
                continue
            if not _matches(literal, stored):
                missing.append(literal)
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_number_in_the_prose_comes_from_the_notebook(path: Path) -> None:
    missing = unexplained_numbers(path)
    assert not missing, f"numbers in the prose that no code or output gives: {missing}"


def test_the_checks_catch_a_slip() -> None:
    """The slip this test was written for, and its fix."""
    slip = r"apple's ($(0.1192 - 1)^2 = 0.77583$) and"
    assert [ok for *_, ok, _, _ in relations(slip)] == [False]
    fixed = (
        r"apple's ($(0.1192 − 1)^2 = 0.77581$), $3 \cdot 2 + 5 \cdot 4 = 26$, "
        r"$\tfrac12 (2 + 3) = 2.5$, $f \cdot 1 \cdot b = (-2)(1)(-3) = 6$."
    )
    assert [ok for *_, ok, _, _ in relations(fixed)] == [True, True, True, True]
    assert relations(r"$e = a \cdot b = -6$") == []  # a variable: not arithmetic
    assert relations('the text says "max(-13, 0) = -13"') == []  # a quotation
    assert [ok for *_, ok, _, _ in relations(r"$e^{-2} \approx 0.135$")] == [True]
    assert [ok for *_, ok, _, _ in relations(r"$e^{-2} \approx 0.125$")] == [False]
