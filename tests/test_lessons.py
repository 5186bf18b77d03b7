"""Every lesson opens with what the learner will be able to do and closes with "your turn".

The "your turn" section is three cells: the questions (tagged ``questions``: a
``Quiz`` named ``your_turn``, whose source JupyterLab hides), the learner's answers
(tagged ``solution``: ``answers = {...}``, every one ``None`` as stored) and the
grading cell (tagged ``grading``, which sets ``passed``). The questions need only
the lesson's first code cell (its imports), so the test runs those cells alone,
in this process: with the right answers every grader passes, with a wrong one it
fails and gives a hint, and as stored it says what is not answered yet.
"""

from __future__ import annotations

import json
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
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: The right answers to every lesson's "your turn" (a number inside the interval, for
#: a question with ``between=``).
ANSWERS = {
    "01_value_and_chain_rule.ipynb": {"dg/dp": 4.0, "dy/dx": 12.0, "twice": 8.0},
    "02_perceptron_and_bias.ipynb": {"y": 2.5, "dy/dw2": 4.0, "b": 0.6},
    "03_activation_functions.ipynb": {"sigmoid": 0.25, "leaky": 0.01, "tanh": 3.0},
    "04_relu_network.ipynb": {"y": 84.0, "dy/dw": 12.0, "dy/dx1": 28.0},
    "05_backprop_delta_rule.ipynb": {"delta": -0.125, "dE/dW": -0.1, "W": 0.35},
    "06_gradient_descent_learning_rate.ipynb": {"w": 0.5, "steps": 4, "adam": 0.01},
    "07_softmax_losses_fruit.ipynb": {"softmax": 0.8808, "loss": 0.6931, "gradient": -0.75},
    "08_two_moons_mlp.ipynb": {"parameters": 17, "hinge": 0.7, "lr": 0.55},
    "09_networks_that_multiply.ipynb": {"majority": -1.5, "or": -0.5, "ratio": 4.0},
    "10_compiled_chain_rule.ipynb": {"loss": 5.0, "grad": 10.0, "sum": 20.0},
}


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _tagged(path: Path, tag: str) -> dict:
    (cell,) = [c for c in _cells(path) if tag in c["metadata"].get("tags", [])]
    return cell


def _shown(cell: dict) -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append(_text(output.get("text", "")))
        for kind in ("text/markdown", "text/plain"):
            texts.append(_text(output.get("data", {}).get(kind, "")))
    return "\n".join(texts)


def _run_your_turn(path: Path, answers: dict) -> dict:
    """The lesson's imports, its questions, ``answers`` and its grading cell, in one namespace."""
    from IPython.display import display

    cells = _cells(path)
    setup = next(c for c in cells if c["cell_type"] == "code")
    source = "\n".join(
        line for line in _text(setup["source"]).splitlines() if not line.startswith("%")
    )
    namespace: dict = {"display": display}
    exec(compile(source, f"{path.name}: imports", "exec"), namespace)
    exec(compile(_text(_tagged(path, "questions")["source"]), "questions", "exec"), namespace)
    namespace["answers"] = dict(answers)
    exec(compile(_text(_tagged(path, "grading")["source"]), "grading", "exec"), namespace)
    return namespace


def test_every_lesson_has_its_answers_here() -> None:
    assert sorted(ANSWERS) == [path.name for path in LESSONS]


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_opens_with_what_the_learner_will_be_able_to_do(path: Path) -> None:
    first = _text(_cells(path)[0]["source"])
    number = int(path.name[:2])
    assert first.startswith(f"# Lesson {number} · ")
    assert f"Lesson {number} of " in first and "(../README.md#notebooks)" in first
    goals = first.split("**By the end of this lesson you will be able to**", 1)[1]
    assert 2 <= len(re.findall(r"^\* ", goals, flags=re.MULTILINE)) <= 6


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_closes_with_your_turn_questions_that_say_what_is_not_done(path: Path) -> None:
    cells = _cells(path)
    headings = [
        line
        for cell in cells
        if cell["cell_type"] == "markdown"
        for line in _text(cell["source"]).splitlines()
        if line.startswith("## ")
    ]
    assert headings[-1] == "## Your turn"
    questions, solution, grading = (
        _tagged(path, tag) for tag in ("questions", "solution", "grading")
    )
    assert cells.index(questions) < cells.index(solution) < cells.index(grading)
    assert all(cell["cell_type"] == "markdown" for cell in cells[cells.index(grading) + 1 :])
    assert questions["metadata"].get("jupyter", {}).get("source_hidden") is True
    stored = _shown(grading)
    assert "not answered yet: not yet" in stored and " 0 of " in stored
    assert re.search(r"= \{\n(    \"[^\"]+\": None,\n)+\}", _text(solution["source"]))
    intro = _text(cells[cells.index(questions) - 1]["source"])
    assert 2 <= len(re.findall(r"^\d\. ", intro, flags=re.MULTILINE)) <= 3


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_right_answers_pass_and_a_wrong_one_gets_a_hint(path: Path) -> None:
    right = ANSWERS[path.name]
    namespace = _run_your_turn(path, right)
    quiz = namespace["your_turn"]
    assert 2 <= len(quiz) <= 3 and quiz.names() == list(right)
    assert namespace["passed"] is True, str(namespace["report"])
    for name, answer in right.items():
        wrong = dict(right, **{name: 2 * answer + 7})
        namespace = _run_your_turn(path, wrong)
        assert namespace["passed"] is False
        assert f"✗ {name}: " in str(namespace["report"])
    nothing = _run_your_turn(path, {name: None for name in right})
    assert nothing["passed"] is False
