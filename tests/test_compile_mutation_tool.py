"""tools/compile_mutation.py's sampled score: the sample drawn, and its 95% interval (Wilson)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "compile_mutation.py"
pytestmark = pytest.mark.skipif(not TOOL.exists(), reason="the tools are not in this copy")


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("compile_mutation", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclass looks itself up there)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_a_sample_is_the_same_for_the_same_seed_and_never_larger_than_the_mutants(tool) -> None:
    names = [f"m{i}" for i in range(1000)]
    sample = tool.draw_sample(names, 50, seed=0)
    assert len(set(sample)) == 50 and set(sample) <= set(names)
    assert tool.draw_sample(list(reversed(names)), 50, seed=0) == sample  # any order given
    assert tool.draw_sample(names, 50, seed=1) != sample
    assert sorted(tool.draw_sample(names[:10], 50, seed=0)) == sorted(names[:10])


def test_the_wilson_interval_holds_the_score_and_stays_within_0_and_1(tool) -> None:
    assert tool.wilson_interval(0, 0) == (0.0, 1.0)  # nothing tested: nothing known
    low, high = tool.wilson_interval(95, 100)
    assert (round(low, 4), round(high, 4)) == (0.8882, 0.9785)  # Wilson (1927), z = 1.96
    low, high = tool.wilson_interval(200, 200)  # every one killed: still an interval
    assert high == 1.0 and math.isclose(low, 200 / (200 + 1.96**2))
    low, high = tool.wilson_interval(5, 100)  # kills and survivors swapped: the mirror image
    assert math.isclose(low, 1 - 0.9785, abs_tol=1e-4) and math.isclose(
        high, 1 - 0.8882, abs_tol=1e-4
    )
