"""`chainrule check file.py:Class`: the report, --json, and the exit codes 0, 1 and 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.exercises import buggy_source
from engine.exercises.command import split_target

SOLUTION = Path(__file__).resolve().parent / "exercise_solutions" / "build_your_own_micrograd.py"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "nn.cli", "check", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "good.py").write_text(SOLUTION.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "relu_bug.py").write_text(buggy_source("relu"), encoding="utf-8")
    (tmp_path / "broken.py").write_text("class Value:\n    def f(self:\n", encoding="utf-8")
    (tmp_path / "hangs.py").write_text("while True:\n    pass\n", encoding="utf-8")
    return tmp_path


def test_a_correct_engine_exits_0(files: Path) -> None:
    result = run("good.py:Value", cwd=files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("check_engine(Value): 19 of 19 checks passed, all passed")
    assert result.stderr == ""


def test_a_failing_engine_exits_1_with_the_diagnosis(files: Path) -> None:
    result = run("relu_bug.py", cwd=files)  # the class name defaults to Value
    assert result.returncode == 1
    assert "✗ relu: a.relu() at a = -2.0: your `relu` node (data 0.0) passes gradient 1.0" in (
        result.stdout
    )


def test_json_for_autograders(files: Path) -> None:
    result = run("relu_bug.py:Value", "--json", cwd=files)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["passed"] is False and data["passed_count"] == 18 and data["total"] == 19
    assert [f["kind"] for f in data["findings"]] == ["relu"]
    good = json.loads(run("good.py:Value", "--json", "--checks", "mul,tanh", cwd=files).stdout)
    assert good["passed"] is True and [c["name"] for c in good["checks"]] == ["core", "mul", "tanh"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing.py:Value", "chainrule check: error: no such file: missing.py\n"),
        (
            "good.py:Nope",
            "chainrule check: error: good.py has no class 'Nope' (it defines: Value)\n",
        ),
    ],
)
def test_a_missing_file_or_class_exits_2_with_one_line(
    files: Path, target: str, message: str
) -> None:
    result = run(target, cwd=files)
    assert result.returncode == 2
    assert result.stderr == message and result.stdout == ""


def test_an_unknown_check_exits_2(files: Path) -> None:
    result = run("good.py:Value", "--checks", "mul,bogus", cwd=files)
    assert result.returncode == 2 and "unknown check 'bogus'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_does_not_load_is_a_failed_check_not_a_traceback(files: Path) -> None:
    result = run("broken.py:Value", cwd=files)
    assert result.returncode == 1
    assert "✗ load: loading broken.py: your code raised SyntaxError" in result.stdout
    assert "at broken.py:2" in result.stdout and "Traceback" not in result.stdout + result.stderr
    hangs = run("hangs.py:Value", "--time-limit", "0.3", "--json", cwd=files)
    assert hangs.returncode == 1
    load = json.loads(hangs.stdout)["checks"][0]
    assert load["name"] == "load" and load["diagnosis"] == "timeout"
    assert "did not finish within 1 s; stopped at hangs.py:" in load["message"]


def test_split_target() -> None:
    assert split_target("a/b.py:Value") == ("a/b.py", "Value")
    assert split_target("b.py") == ("b.py", "Value")
    assert split_target(r"C:\work\b.py") == (r"C:\work\b.py", "Value")
    assert split_target(r"C:\work\b.py:Engine") == (r"C:\work\b.py", "Engine")
