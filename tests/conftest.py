"""Shared test configuration.

Under CI (the ``CI`` environment variable set), hypothesis draws the same
examples on every run, so a red build always means a real change, never the
luck of the draw. Locally it keeps exploring new examples.
"""

import os
from collections.abc import Callable

import pytest
from hypothesis import settings

from engine import Value
from nn import activations

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _readme_graph() -> tuple[Value, dict[str, Value]]:
    """L = (a*b + c) * f with a=2, b=-3, c=10, f=-2, all labelled; no backward pass run."""
    leaves = {n: Value(x, label=n) for n, x in [("a", 2.0), ("b", -3.0), ("c", 10.0), ("f", -2.0)]}
    e = leaves["a"] * leaves["b"]
    e.label = "e"
    d = e + leaves["c"]
    d.label = "d"
    loss = d * leaves["f"]
    loss.label = "L"
    return loss, leaves


@pytest.fixture
def readme_graph() -> Callable[[], tuple[Value, dict[str, Value]]]:
    """Builds the README's and notebook 01's example afresh: ``loss, leaves = readme_graph()``."""
    return _readme_graph


@pytest.fixture(autouse=True)
def _activations_registered_in_a_test_stay_in_it():
    """Each test starts and ends with the same activation registry (``nn.register_activation``),
    whatever order the tests run in (mutmut runs a chosen few, in its own order)."""
    names, factories = dict(activations.ACTIVATIONS), dict(activations.TORCH_FACTORIES)
    yield
    activations.ACTIVATIONS.clear()
    activations.ACTIVATIONS.update(names)
    activations.TORCH_FACTORIES.clear()
    activations.TORCH_FACTORIES.update(factories)
