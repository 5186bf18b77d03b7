"""The stored notebooks follow the notebook issue: linked from the README, executed in order
with their outputs kept, small, free of errors and absolute paths, and redefining nothing the
library provides. (pytest --nbmake runs each one top to bottom; this checks what is stored.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import engine
import engine.exercises
import nn

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "notebooks" / "exercises").glob("*.ipynb"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_cells(path: Path) -> list[dict]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def test_ten_notebooks_in_reading_order_each_linked_from_the_readme() -> None:
    assert [path.name[:3] for path in NOTEBOOKS] == [f"{i:02d}_" for i in range(1, 11)]
    for path in NOTEBOOKS:
        links = re.findall(rf"\]\(notebooks/{re.escape(path.name)}\) \| (.+) \|", README)
        assert len(links) == 1 and len(links[0]) > 20, path.name  # one line on what it teaches
    for picture in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / picture).is_file(), picture


def test_four_exercise_notebooks_each_linked_from_the_readme() -> None:
    assert len(EXERCISES) >= 4
    for path in EXERCISES:
        pattern = rf"\]\(notebooks/exercises/{re.escape(path.name)}\) \| (.+) \|"
        links = re.findall(pattern, README)
        assert len(links) == 1 and len(links[0]) > 20, path.name


@pytest.mark.parametrize("path", NOTEBOOKS + EXERCISES, ids=lambda path: path.name)
def test_stored_with_outputs_in_order_small_and_clean(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    cells = _code_cells(path)
    assert [cell["execution_count"] for cell in cells] == list(range(1, len(cells) + 1))
    outputs = [output for cell in cells for output in cell["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any(  # at least one picture or table a reader on a code host sees
        kind in output.get("data", {})
        for output in outputs
        for kind in ("image/png", "image/svg+xml", "text/markdown")
    )
    assert path.stat().st_size < 400_000
    stored = path.read_text(encoding="utf-8")
    assert not re.search(r"/(work|tmp|home|Users)/", stored), "an absolute path is stored"


#: Every public name of the library: a notebook imports these, it never defines its own.
LIBRARY_NAMES = sorted(set(nn.__all__) | set(engine.__all__) | set(engine.exercises.__all__))


@pytest.mark.parametrize("path", NOTEBOOKS + EXERCISES, ids=lambda path: path.name)
def test_redefines_nothing_the_library_provides(path: Path) -> None:
    # an exercise's student cells (tagged "solution") may: building a Value is the exercise
    cells = [c for c in _code_cells(path) if "solution" not in c["metadata"].get("tags", [])]
    source = "\n".join(_text(cell["source"]) for cell in cells)
    defined = re.findall(r"^\s*(?:def|class)\s+(\w+)", source, flags=re.MULTILINE)
    assert not [name for name in defined if name in LIBRARY_NAMES]
