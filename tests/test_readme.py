"""The README's Python examples run as written, and its set-up matches CI."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


# engine.compile cannot trace mutmut's trampolines (tests/MUTATION.md)
UNDER_MUTMUT = pytest.mark.skipif(
    bool(os.environ.get("MUTANT_UNDER_TEST")), reason="engine.compile under mutmut"
)


def _marks(code: str) -> list[pytest.MarkDecorator]:
    """Training examples are slow; compiled ones cannot run under mutmut."""
    return [pytest.mark.slow] * ("fit(" in code) + [UNDER_MUTMUT] * ("compile(" in code)


@pytest.mark.parametrize(
    "index", [pytest.param(i, marks=_marks(code)) for i, code in enumerate(EXAMPLES)]
)
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(EXAMPLES[index], f"README example {index}", "exec"), {})


@pytest.mark.slow
def test_training_example_reaches_full_accuracy(tmp_path, monkeypatch, capsys):
    training = next(code for code in EXAMPLES if "fit(" in code)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(training, "README training example", "exec"), namespace)
    assert namespace["history"].accuracy[-1] == 1.0


def test_readme_setup_is_what_ci_runs():
    """The two set-up commands: CI installs the same extra and runs the same test command."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[dev]" && chainrule demo' in README
    assert "\npytest\n" in README
    assert 'pip install -q -e ".[dev]"' in ci
    assert "python -m pytest" in ci
    assert "\nchainrule demo\n" in ci
