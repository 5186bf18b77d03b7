"""The exercise notebooks grade: with the reference solutions every grader passes, with a
planted wrong solution the grader fails and says why, and as stored it says what is not
done yet.

The reference solutions live in tests/exercise_solutions/, one file per notebook, in
sections ``# %% <name>`` that replace the notebook's cells tagged ``solution`` whose
metadata ``solution`` is that name. Each notebook runs once (nbclient): the solutions,
a probe that reads the grading cell's verdict (``passed``), then the wrong solution,
the grading cell again, and a second probe.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "notebooks" / "exercises"
SOLUTIONS = Path(__file__).resolve().parent / "exercise_solutions"

#: notebook -> (its solution file, the wrong solution as (old, new) in that file's text,
#: what the grading cell must then say)
CASES = {
    "01_derivatives_by_hand.ipynb": (
        "derivatives_by_hand.py",
        ('"a": 6.0', '"a": -3.0'),
        ["What is dL/da? not -3.0. The rule: e = a * b", "5 of 6 right"],
    ),
    "02_build_your_own_micrograd.ipynb": (
        "build_your_own_micrograd.py",
        ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad"),
        ["gradients are assigned (=) instead of added (+=)", "a * a at a = 3.0"],
    ),
    "03_write_an_activation.ipynb": (
        "write_an_activation.py",
        ("[cdf + x.data * pdf]", "[cdf]"),
        ["gradients agree with finite differences, 7 of 7 values right: FAILED", "| ✗ |"],
    ),
    "04_bug_hunt.ipynb": (
        "bug_hunt.py",
        ('"self.grad += (out.data > 0) * out.grad"', '"self.grad += (out.data < 0) * out.grad"'),
        ["engine A: repaired", "engine C: not yet: an operation has the wrong local derivative"],
    ),
}

#: What each stored grading cell says before anything is filled in.
NOT_DONE = {
    "01_derivatives_by_hand.ipynb": "0 of 6 right, 6 not answered yet: not yet",
    "02_build_your_own_micrograd.ipynb": "not done yet: a * b, as __add__",
    "03_write_an_activation.ipynb": "your function raised NotImplementedError: write gelu",
    "04_bug_hunt.ipynb": "engine A: not yet: gradients are assigned (=) instead of added (+=)",
}

PROBE = 'import json\nprint("PROBE " + json.dumps({"passed": bool(passed)}))'


def sections(path: Path) -> dict[str, str]:
    """``{name: code}`` for every ``# %% name`` section of a solution file."""
    parts = re.split(r"^# %% (\w+)\n", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {name: code.strip("\n") for name, code in zip(parts[1::2], parts[2::2])}


def tagged(notebook: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def output_text(cell: nbformat.NotebookNode) -> str:
    """Everything a cell showed: streams, plain text and markdown."""
    texts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            texts.append(output["text"])
        for kind in ("text/markdown", "text/plain"):
            if kind in output.get("data", {}):
                texts.append(output["data"][kind])
    return "\n".join(texts)


def probe(cell: nbformat.NotebookNode) -> dict:
    line = next(line for line in output_text(cell).splitlines() if line.startswith("PROBE "))
    return json.loads(line[len("PROBE ") :])


def test_every_exercise_notebook_has_a_case() -> None:
    assert sorted(path.name for path in EXERCISES.glob("*.ipynb")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stored_notebook_has_student_cells_and_a_grader_that_says_what_is_not_done(
    name: str,
) -> None:
    notebook = nbformat.read(EXERCISES / name, as_version=4)
    solution_file, _, _ = CASES[name]
    names = [cell.metadata["solution"] for cell in tagged(notebook, "solution")]
    assert names and sorted(names) == sorted(sections(SOLUTIONS / solution_file))
    (grader,) = tagged(notebook, "grading")
    assert NOT_DONE[name] in output_text(grader)
    assert "passed" in grader.source  # the grading cell sets the verdict the tests read


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_solution_passes_and_a_wrong_one_fails_with_a_reason(name: str) -> None:
    solution_file, (old, new), expected = CASES[name]
    solutions = sections(SOLUTIONS / solution_file)
    notebook = nbformat.read(EXERCISES / name, as_version=4)
    for cell in notebook.cells:
        cell.outputs = [] if cell.cell_type == "code" else None
        if cell.cell_type != "code":
            del cell["outputs"]
    for cell in tagged(notebook, "solution"):
        cell.source = solutions[cell.metadata["solution"]]
    (grader,) = tagged(notebook, "grading")
    wrong = {key: code for key, code in solutions.items() if old in code}
    assert len(wrong) == 1 and sum(code.count(old) for code in wrong.values()) == 1
    notebook.cells += [
        nbformat.v4.new_code_cell(PROBE),
        *(nbformat.v4.new_code_cell(code.replace(old, new)) for code in wrong.values()),
        nbformat.v4.new_code_cell(grader.source),
        nbformat.v4.new_code_cell(PROBE),
    ]
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    first, regraded, second = notebook.cells[-4], notebook.cells[-2], notebook.cells[-1]
    assert probe(first) == {"passed": True}, output_text(grader)
    assert probe(second) == {"passed": False}
    shown = output_text(regraded)
    for text in expected:
        assert text in shown, shown
