"""The `chainrule` command line, end to end in a subprocess (`python -m nn.cli`)."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn import cli, formula, worked_examples

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"), reason="needs Graphviz dot"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "nn.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=120,
    )


# -- graph ----------------------------------------------------------------------


@needs_dot
def test_graph_prints_gradients_and_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "graph.svg"
    result = run("graph", "tanh(a*b + c)", "a=2", "b=-3", "c=10", "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "tanh(a*b + c) = 0.999329299739067"  # tanh(4)
    slope = 1 - 0.999329299739067**2
    grads = {line.split(" = ")[0]: float(line.split(" = ")[1]) for line in lines[1:4]}
    assert grads["d/da"] == pytest.approx(-3 * slope, rel=1e-9)
    assert grads["d/db"] == pytest.approx(2 * slope, rel=1e-9)
    assert grads["d/dc"] == pytest.approx(slope, rel=1e-9)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<?xml") or "<svg" in text


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_graph_binary_formats(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"graph{suffix}"
    result = run("graph", "relu(x) * y", "x=1.5", "y=2", "-o", str(out), "--rankdir", "TB")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(magic)


@needs_dot
def test_graph_writes_the_explorer_page(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    result = run("graph", "tanh(a*b + c)", "a=2", "b=-3", "c=10", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "open it in a browser to step through" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in html
    assert "out = tanh(v4) = tanh(4.0) = 0.999329299739067" in html


def test_graph_page_too_large_is_refused(tmp_path: Path) -> None:
    formula = "+".join(f"a*{k}" for k in range(150))
    result = run("graph", formula, "a=1", "-o", str(tmp_path / "g.html"))
    assert result.returncode == 2 and "-o graph.dot" in result.stderr
    assert not (tmp_path / "g.html").exists()


def test_graph_dot_source_needs_no_dot(tmp_path: Path) -> None:
    out = tmp_path / "graph.dot"
    result = run("graph", "max(a, 1) + exp(b)", "a=3", "b=0", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "d/da = 1.0" in result.stdout and "d/db = 1.0" in result.stdout
    source = out.read_text(encoding="utf-8")
    assert source.startswith("digraph") and "max" in source and "exp" in source


@pytest.mark.parametrize(
    "formula, assignments, message",
    [
        ("a +", ["a=1"], "syntax error"),
        ("a + q", ["a=1"], "unbound variable 'q'"),
        ("a.__class__", ["a=1"], "attribute access"),
        ("a[0]", ["a=1"], "subscripts"),
        ("(lambda: 1)()", [], "lambda"),
        ("__import__('os')", [], "unknown function __import__"),
        ("print(a)", ["a=1"], "unknown function print"),
        ("'x' + a", ["a=1"], "only numbers"),
        ("a + b", ["a=1", "b=xyz"], "'xyz' is not a number"),
        ("a", ["a"], "write name=number"),
        ("a", ["a=1", "a=2"], "given twice"),
        ("log(a)", ["a=-1"], "log of a non-positive number"),
        ("a / b", ["a=1", "b=0"], "division by zero"),
        ("exp", [], "is a function"),
    ],
)
def test_graph_bad_input_exit_code_2(formula: str, assignments: list[str], message: str) -> None:
    result = run("graph", formula, *assignments)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_graph_bad_suffix(tmp_path: Path) -> None:
    result = run("graph", "a*a", "a=3", "-o", str(tmp_path / "g.jpeg"))
    assert result.returncode == 2 and ".svg" in result.stderr


def test_evaluate_formula_in_process() -> None:
    result, variables = formula.evaluate_formula(
        "-a ** 2 + leaky_relu(b, 0.1) + sign(b)",
        {
            "a": 3.0,
            "b": -2.0,
        },
    )
    result.backward()
    assert result.data == -9.0 - 0.2 - 1.0
    assert variables["a"].grad == -6.0
    assert variables["b"].grad == 0.1
    result, _ = formula.evaluate_formula("2 ** 3 / 4", {})  # numbers only
    assert result.data == 2.0
    with pytest.raises(formula.FormulaError, match="must be a number"):
        formula.evaluate_formula("elu(a, a)", {"a": 1.0})


# -- examples -------------------------------------------------------------------


def test_examples_all_match() -> None:
    result = run("examples")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for number in range(1, 7):
        assert f"\n{number}. " in "\n" + out
    for text in ("364.0", "0.11918996619259818", "1.5514611894188806", "2.1270367041304983"):
        assert text in out  # the texts' numbers are printed
    assert "✗" not in out
    assert out.strip().endswith("✓")
    assert out.count("✓") > 150


def test_examples_report_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worked_examples, "RELU_INPUT_GRADS", (28.0, 57.0))
    import io

    buffer = io.StringIO()
    assert worked_examples.run_examples(buffer) == 1
    assert "1 of" in buffer.getvalue()
    monkeypatch.setattr(sys, "argv", ["chainrule"])
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert cli.main(["examples"]) == 1


# -- demo -----------------------------------------------------------------------


@needs_dot
@pytest.mark.slow
def test_demo_writes_the_training_page_and_both_pictures(tmp_path: Path) -> None:
    result = run("demo", "--epochs", "5", "--no-progress", "--out", "pictures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout
    page = tmp_path / "pictures" / "training.html"
    png = tmp_path / "pictures" / "decision_boundary.png"
    svg = tmp_path / "pictures" / "neuron_graph.svg"
    assert f"wrote {page.relative_to(tmp_path)}: open it in a browser" in result.stdout
    assert str(png.relative_to(tmp_path)) in result.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
    html = page.read_text(encoding="utf-8")
    assert "Training MLP 2-16-16-1 (337 parameters) on 100 examples: 5 epochs" in html
    assert 'id="p0"' in html and '<svg class="boundary"' in html
    picture = svg.read_text(encoding="utf-8")
    assert "<svg" in picture
    for name in (">x1<", ">x2<", ">w1<", ">w2<", ">b<", ">z<", ">a<", ">relu<"):
        assert name in picture, name
    width, height = (
        float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', picture).groups()
    )
    assert width < 900 and height < 400  # one neuron, readable at its own size


def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2 and "usage" in result.stderr
    assert run("demo", "--epochs", "0").returncode == 2


# -- trying to break the formula language ------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a ^ 2", "the operator ^ (for a power write **)"),
        ("a // 2", "the operator //"),
        ("not a", "the operator not"),
        ("{x: 1 for x in a}", "comprehensions"),
        ("max(*a)", "* unpacking"),
        ("max(a, key=a)", "keyword arguments"),
        ("1e400 * a", "too large for a float"),
        ("a * " + "9" * 400, "too large for a float"),
        ("a.__class__.__mro__", "attribute access"),
        ("exp(a)(1)", "only calls of the functions"),
        ("+".join(["a"] * 3000), "too deeply nested"),
    ],
)
def test_formulas_outside_the_whitelist(text: str, message: str) -> None:
    with pytest.raises(formula.FormulaError, match=re.escape(message)):
        formula.evaluate_formula(text, {"a": 2.0})


def test_number_only_subexpressions_are_numbers() -> None:
    # 1/10 is a number, so it may be leaky_relu's slope; 9**9**9 overflows to inf, not an error
    result, variables = formula.evaluate_formula("leaky_relu(a, 1/10) + elu(a, 2**-1)", {"a": -2.0})
    result.backward()
    assert result.data == -0.2 + 0.5 * math.expm1(-2.0)
    assert variables["a"].grad == 0.1 + 0.5 * math.exp(-2.0)
    assert formula.evaluate_formula("9**9**9", {})[0].data == math.inf


@pytest.mark.parametrize(
    ("assignment", "message"),
    [("a=nan", "finite"), ("a=inf", "finite"), ("a=1e999", "finite"), ("if=1", "Python keyword")],
)
def test_bad_assignments(assignment: str, message: str) -> None:
    with pytest.raises(formula.FormulaError, match=message):
        formula.parse_assignments([assignment])


def test_graph_warns_when_a_number_overflows() -> None:
    result = run("graph", "exp(a) - exp(a)", "a=1000")
    assert result.returncode == 0
    assert "= nan" in result.stdout
    assert "warning: a result is inf or nan" in result.stderr


def test_graph_too_large_for_a_picture_is_refused_but_dot_source_is_written(
    tmp_path: Path,
) -> None:
    formula = "+".join(f"a*{k}" for k in range(150))  # a, 150 numbers, 150 *, 149 +
    result = run("graph", formula, "a=1", "-o", str(tmp_path / "g.svg"))
    assert result.returncode == 2
    assert "450 Value nodes" in result.stderr and "-o graph.dot" in result.stderr
    assert not (tmp_path / "g.svg").exists()
    result = run("graph", formula, "a=1", "-o", str(tmp_path / "g.dot"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")


def test_graph_reports_an_unwritable_output_path(tmp_path):
    """A file that cannot be written is named as such, not blamed on Graphviz."""
    target = tmp_path / "missing-folder" / "graph.dot"
    result = subprocess.run(
        [sys.executable, "-m", "nn.cli", "graph", "a*b", "a=2", "b=3", "-o", str(target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "cannot write" in result.stderr and "Graphviz" not in result.stderr


# -- the formula language: flat chains, real nesting, names as Python reads them ----------


@pytest.mark.parametrize("terms", [500, 2000])
def test_a_long_flat_chain_evaluates_without_recursion(terms: int) -> None:
    result, variables = formula.evaluate_formula("+".join(["a"] * terms), {"a": 1.5})
    result.backward()
    assert result.data == 1.5 * terms and variables["a"].grad == terms
    result, variables = formula.evaluate_formula("*".join(["a"] * 500), {"a": 1.001})
    result.backward()
    assert result.data == pytest.approx(1.001**500) and variables["a"].grad == pytest.approx(
        500 * 1.001**499
    )
    mixed = "-".join(["a*b/b"] * 500)  # a sum of products: two levels, however long
    result, _ = formula.evaluate_formula(mixed, {"a": 2.0, "b": 3.0})
    assert result.data == pytest.approx(2.0 - 499 * 2.0)
    result, _ = formula.evaluate_formula("-" * 600 + "a", {"a": 2.0})  # a chain of minus signs
    assert result.data == 2.0
    result, _ = formula.evaluate_formula("**".join(["a"] * 300), {"a": 1.0})  # right to left
    assert result.data == 1.0


def test_real_nesting_keeps_its_limit() -> None:
    assert formula.evaluate_formula("((((a))))", {"a": 2.0})[0].data == 2.0
    nested = "exp(" * 100 + "a" + ")" * 100
    with pytest.raises(formula.FormulaError, match="nests more than 100 levels deep"):
        formula.evaluate_formula(nested, {"a": -50.0})
    fine = "exp(" * 5 + "a" + ")" * 5
    assert formula.evaluate_formula(fine, {"a": -50.0})[0].data > 0
    with pytest.raises(formula.FormulaError, match="nests more than 100 levels deep"):
        formula.evaluate_formula("(a*" * 120 + "a" + ")" * 120, {"a": 1.0})
    with pytest.raises(formula.FormulaError, match="too long or too deeply nested for Python's"):
        formula.evaluate_formula("+".join(["a"] * 20_000), {"a": 1.0})
    with pytest.raises(formula.FormulaError, match="too many nested parentheses"):
        formula.evaluate_formula("(" * 300 + "a" + ")" * 300, {"a": 1.0})


def test_names_are_normalized_as_python_normalizes_identifiers() -> None:
    values = formula.parse_assignments(["ℌ=3", "ｂ=2"])
    assert values == {"H": 3.0, "b": 2.0}
    result, variables = formula.evaluate_formula("ℌ*2 + b", values)
    assert result.data == 8.0 and set(variables) == {"H", "b"}
    with pytest.raises(formula.FormulaError, match=r"H is given twice \(Python reads ℌ as H\)"):
        formula.parse_assignments(["ℌ=3", "H=2"])
    with pytest.raises(formula.FormulaError, match="exp is a function name"):
        formula.parse_assignments(["ｅｘｐ=1"])
    result = run("graph", "ℌ*2", "ℌ=3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ℌ*2 = 6.0", "d/dH = 2.0"]


def test_sin_and_cos_in_formulas() -> None:
    result, variables = formula.evaluate_formula("sin(a) * cos(a)", {"a": 0.5})
    result.backward()
    assert result.data == pytest.approx(math.sin(0.5) * math.cos(0.5))
    assert variables["a"].grad == pytest.approx(math.cos(1.0))  # d/da sin(2a)/2 = cos(2a)
    assert {"sin", "cos"} <= set(formula.FUNCTIONS)


# -- demo: a folder that cannot be, the light install, the version ---------------------

#: Runs the command line with these packages made impossible to import (the light install).
WITHOUT = """
import importlib.abc, sys
class Without(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Without())
from nn.cli import main
raise SystemExit(main({argv!r}))
"""


def run_without(blocked: set[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = WITHOUT.format(blocked=blocked, argv=list(args))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@needs_dot
def test_demo_without_matplotlib_writes_the_graph_and_says_what_it_skipped(tmp_path) -> None:
    result = run_without(
        {"matplotlib", "tqdm"}, "demo", "--epochs", "3", "--out", "p", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    skipped = [line for line in result.stdout.splitlines() if "skipped" in line]
    assert skipped == [
        "skipped decision_boundary.png (the decision boundary needs matplotlib): "
        'pip install "chainrule[plots]"'
    ]
    assert sorted(os.listdir(tmp_path / "p")) == ["neuron_graph.svg", "training.html"]
    assert "epoch 3/3" in result.stdout  # without tqdm: plain progress lines


def test_demo_without_dot_writes_what_it_can_and_says_why_not_the_rest(tmp_path) -> None:
    code = WITHOUT.format(blocked={"matplotlib"}, argv=["demo", "--epochs", "2", "--out", "p"])
    no_dot = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # python, but no dot
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=no_dot,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "install Graphviz" in result.stderr
    assert 'pip install "chainrule[plots]"' in result.stdout
    assert "training.html" in os.listdir(tmp_path / "p")


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("a_file", "--out a_file: it is a file; give a folder"),
        ("a_file/sub", "a_file is a file, so no folder can be made inside it"),
    ],
)
def test_demo_out_that_cannot_be_a_folder_is_an_error_before_training(tmp_path, out, message):
    (tmp_path / "a_file").write_text("keep me")
    result = run("demo", "--out", out, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "training" not in result.stdout
    assert (tmp_path / "a_file").read_text() == "keep me"


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"chainrule {version('chainrule')}"
