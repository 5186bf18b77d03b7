"""tools/mutation.py's arithmetic: the score of a sampled run and its interval."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "mutation_tool", Path(__file__).parent.parent / "tools" / "mutation.py"
)
mutation_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutation_tool)


@pytest.mark.parametrize(("killed", "trials"), [(90, 100), (3, 10), (475, 500), (1, 2)])
def test_wilson_interval_bounds_are_where_the_score_test_is_at_its_limit(
    killed: int, trials: int
) -> None:
    """Wilson's bounds are the p for which (k/n - p)^2 = z^2 p (1 - p) / n, z = 1.96."""
    low, high = mutation_tool.wilson(killed, trials)
    share = killed / trials
    assert low < share < high
    for p in (low, high):
        assert (share - p) ** 2 == pytest.approx(1.96**2 * p * (1 - p) / trials, rel=1e-9)


def test_wilson_interval_at_none_and_all() -> None:
    z2 = 1.96**2  # no kills: from 0 to z^2 / (n + z^2); all: from n / (n + z^2) to 1
    assert mutation_tool.wilson(0, 10) == pytest.approx((0.0, z2 / (10 + z2)), abs=1e-12)
    assert mutation_tool.wilson(10, 10) == pytest.approx((10 / (10 + z2), 1.0), abs=1e-12)
    assert mutation_tool.wilson(90, 100) == pytest.approx((0.8256, 0.9448), abs=1e-4)


def test_no_trials_know_nothing() -> None:
    assert mutation_tool.wilson(0, 0) == (0.0, 1.0)


def test_caught_exit_codes_count_kills_and_timeouts_not_survivors() -> None:
    counts = mutation_tool._counts([1, 3, 36, 0, 33, None, 152])
    assert (counts["mutants"], counts["checked"], counts["killed"]) == (7, 6, 4)
    assert (counts["survived"], counts["no tests"]) == (1, 1)


def test_a_sample_on_a_clean_clone_makes_the_mutants_first_then_runs_only_the_drawn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    made = {}  # the mutants as mutmut records them: none until they are made
    runs = []

    def make() -> None:
        made["engine/value.py"] = {f"engine.value.x_f__mutmut_{i}": None for i in range(1, 11)}
        made["engine/value.py"]["engine.value.x_f__mutmut_1"] = 1  # already killed

    monkeypatch.setattr(mutation_tool, "_results", lambda: made)
    monkeypatch.setattr(mutation_tool, "_generate_mutants", make)
    monkeypatch.setattr(mutation_tool, "_mutmut_run", lambda names: runs.append(names) or 0)
    monkeypatch.setattr(mutation_tool, "SAMPLE", tmp_path / "sample.json")

    assert mutation_tool.main(["sample", "4", "--seed", "5"]) == 0
    (drawn,) = runs
    assert len(drawn) == 4 == len(set(drawn))
    assert "engine.value.x_f__mutmut_1" not in drawn  # only the unchecked are drawn
    assert "sample: 4 of the 9 mutants not checked yet (seed 5)" in capsys.readouterr().out
    assert (
        sorted(drawn)
        == mutation_tool.json.loads(tmp_path.joinpath("sample.json").read_text())["names"]
    )


def test_a_sample_with_nothing_left_to_draw_runs_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = []
    monkeypatch.setattr(
        mutation_tool, "_results", lambda: {"nn/data.py": {"nn.data.x_f__mutmut_1": 0}}
    )
    monkeypatch.setattr(mutation_tool, "_mutmut_run", lambda names: runs.append(names) or 0)
    assert mutation_tool.main(["sample", "400"]) == 0
    assert runs == []  # not mutmut run with no names, which is every mutant
    assert "nothing to draw from" in capsys.readouterr().out
