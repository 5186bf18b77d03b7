"""engine.compile's generated source, compared whole with tests/golden/compiled_*.py.

The source is what a learner reads to see the chain rule as straight-line code, and "the
same graphs always give the same text". Its arithmetic is proven exact against the eager
step in test_compile.py; here every line, name, number and comment of a few steps is
pinned. Regenerate after a deliberate change with ``CHAINRULE_UPDATE_GOLDEN=1`` and read
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import engine
from engine import Value, maximum, sum_values
from nn import MLP, make_moons, to_signed_labels
from nn.losses import mse
from nn.softmax import log_softmax

# engine.compile traces the engine's own functions by identity; under mutmut every one of
# them is wrapped in a trampoline, so these tests cannot run there (see tests/MUTATION.md).
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MUTANT_UNDER_TEST")),
    reason="engine.compile cannot trace mutmut's trampolines",
)

GOLDEN = Path(__file__).parent / "golden"


def hinge_relu() -> str:
    model = MLP(2, [3, 1], seed=11)
    X, y = make_moons(4, seed=5)

    def per_example(x: list[Value], t: Value) -> Value:
        score = model(x)
        score.label = "score"
        return (1 - t * score).relu()

    step = engine.compile(per_example, model.parameters())
    step(X, to_signed_labels(y))
    return step.source


def smooth_ops_with_l2() -> str:
    model = MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", seed=3)
    params = model.parameters()

    def per_example(x: list[Value], t: Value) -> Value:
        p = model(x)
        return mse(p, t) + (p.exp() / 2.0).log() * 0.0 + (p + 1.5) ** 2 * 1e-3 - p.softplus() * 0

    step = engine.compile(
        per_example, params, extra=lambda: 1e-4 * sum_values([p * p for p in params])
    )
    step([[0.5, -1.0], [1.5, 0.25]], [1.0, 0.0])
    return step.source


def bounded_smooth_ops() -> str:
    """Operations with bounds (tanh, sigmoid, mse's square and mean, exp, softplus): one check."""
    model = MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", seed=3)

    def per_example(x: list[Value], t: Value) -> Value:
        p = model(x)
        return mse(p, t) + 0.1 * (p - t).softplus() + 0.01 * (-p).exp()

    step = engine.compile(per_example, model.parameters())
    step([[0.5, -1.0], [1.5, 0.25]], [1.0, 0.0])
    return step.source


def softmax_cross_entropy_sum() -> str:
    model = MLP(2, [3], output_activation="linear", seed=7)

    def per_example(x: list[Value], t: list[Value]) -> Value:  # t one-hot
        return -sum_values([tk * lp for tk, lp in zip(t, log_softmax(model(x)))])

    step = engine.compile(per_example, model.parameters(), reduce="sum")
    step([[0.5, -1.0], [1.5, 0.25]], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    return step.source


def every_other_bounded_operation() -> str:
    """The operations with a bound that the steps above do not use: their lines and bounds."""
    w = Value(0.5, label="w")

    def per_example(x: list[Value], t: Value) -> Value:
        h = (w * x[0] + x[1]).tanh()
        terms = [abs(h), -h, h.sin(), h.cos(), h.leaky_relu(), h.leaky_relu(0.2), h.elu()]
        terms += [h.elu(0.5), h.silu(), h.dsilu(), h.hard_sigmoid(), h.step(), h.sign()]
        terms += [maximum(h, t, 0.5), h**3, h / 4.0, h - t]
        return sum_values(terms) * t

    step = engine.compile(per_example, [w])
    step([[0.5, -1.0], [1.5, 0.25]], [1.0, -1.0])
    return step.source


def unbounded_operations() -> str:
    """Operations with no bound (a varying divisor, a ** b, a ** 0.5): each example checked."""
    w = Value(0.5, label="w")

    def per_example(x: list[Value], t: Value) -> Value:
        h = (w * x[0]).sigmoid()
        return h / (t + 2.0) + h**t + h**0.5

    step = engine.compile(per_example, [w])
    step([[0.5], [1.5]], [1.0, 0.5])
    return step.source


@pytest.mark.parametrize(
    "build",
    [
        hinge_relu,
        smooth_ops_with_l2,
        bounded_smooth_ops,
        softmax_cross_entropy_sum,
        every_other_bounded_operation,
        unbounded_operations,
    ],
)
def test_generated_source_is_the_golden_one(build) -> None:
    source = build()  # built inside the test, so the mutation run knows what it reaches
    path = GOLDEN / f"compiled_{build.__name__}.py.txt"
    if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
        path.write_text(source, encoding="utf-8")
    assert source == path.read_text(encoding="utf-8")
