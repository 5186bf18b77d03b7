"""engine.stepper: the backward pass one node at a time, exactly like backward()."""

from __future__ import annotations

import random
import sys
import types

import pytest

from engine import (
    BackwardStep,
    Value,
    backward_steps,
    explain_backward,
    step_through,
    topological_order,
    weighted_sum,
)

UNARY = ("tanh", "sigmoid", "exp", "relu", "softplus", "silu", "neg")


def random_graph(seed: int) -> tuple[Value, list[Value]]:
    """A random graph with reuse (a*a), fan-out and n-ary nodes."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(rng.randint(1, 4))]
    pool = list(leaves)
    for _ in range(rng.randint(1, 25)):
        kind = rng.randrange(5)
        a, b = rng.choice(pool), rng.choice(pool)  # may be the same Value
        if kind == 0:
            node = a * b
        elif kind == 1:
            node = a + b * rng.uniform(-1, 1)
        elif kind == 2:
            node = a * a
        elif kind == 3:
            op = rng.choice(UNARY)
            node = -a if op == "neg" else getattr(a, op)()
        else:
            node = weighted_sum([a, b], [b, rng.choice(pool)], rng.uniform(-1, 1))
        pool.append(node)
    root = pool[-1] + pool[rng.randrange(len(pool))] * 0.5  # more fan-out
    return root, leaves


def grads(root: Value) -> list[float]:
    return [node.grad for node in topological_order(root)]


def test_a_leaf_root_accumulates_like_backward() -> None:
    """A leaf's gradient accumulates across passes; ``backward_steps`` seeds with ``+= 1`` too."""
    x, twin = Value(2.0, label="x"), Value(2.0, label="x")
    x.backward()
    x.backward()
    twin.backward()
    (step,) = backward_steps(twin)
    assert twin.grad == x.grad == 2.0
    assert step.upstream == 2.0
    assert str(step) == "dx/dx = 2.0 (x is a leaf: nothing to pass back)"


@pytest.mark.parametrize("seed", range(60))
def test_final_grads_equal_backward_exactly(seed: int) -> None:
    root, leaves = random_graph(seed)
    root.backward()
    root.backward()  # leaves accumulate twice; interior recomputed
    expected = grads(root)
    twin, _ = random_graph(seed)
    twin.backward()
    for _ in backward_steps(twin):
        pass
    assert grads(twin) == expected  # exact float equality, same operations in the same order


def test_steps_visit_reverse_topological_order() -> None:
    root, _ = random_graph(7)
    order = topological_order(root)
    steps = list(backward_steps(root))
    assert [s.node for s in steps] == list(reversed(order))
    assert [s.index for s in steps] == list(range(len(order)))
    assert all(isinstance(s, BackwardStep) for s in steps)


def test_step_records_upstream_local_contribution_and_running_grad() -> None:
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    c = b + a
    c.label = "c"
    steps = list(backward_steps(c))
    first = steps[0]
    assert first.node is c and first.upstream == 1.0
    assert [(t.input, t.local, t.contribution, t.grad) for t in first.inputs] == [
        (b, 1.0, 1.0, 1.0),
        (a, 1.0, 1.0, 1.0),
    ]
    second = steps[1]
    assert second.node is b and second.upstream == 1.0
    assert [(t.local, t.contribution, t.grad_before, t.grad) for t in second.inputs] == [
        (3.0, 3.0, 1.0, 4.0),
        (3.0, 3.0, 4.0, 7.0),
    ]
    assert a.grad == 7.0  # d(a^2 + a)/da = 2a + 1
    assert steps[2].inputs == ()


def test_str_reads_like_the_chain_rule() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = c * 1.0
    loss.label = "L"
    steps = list(backward_steps(loss))
    assert str(steps[1]) == (
        "dL/da += dL/dc * ∂c/∂a = 1.0 * -3.0 = -3.0\ndL/db += dL/dc * ∂c/∂b = 1.0 * 2.0 = 2.0"
    )
    # the constant 1.0 has no label: named by its topological position, as in draw
    number = topological_order(loss).index(loss.inputs[1])
    assert f"dL/dv{number} += dL/dL * ∂L/∂v{number} = 1.0 * -6.0 = -6.0" in str(steps[0])
    assert str(steps[-1]).endswith("is a leaf: nothing to pass back)")


def test_unlabelled_root_and_accumulation_suffix() -> None:
    x = Value(3.0)
    y = x * x
    text = explain_backward(y)
    assert text.splitlines() == [
        "dv1/dv0 += dv1/dv1 * ∂v1/∂v0 = 1.0 * 3.0 = 3.0",
        "dv1/dv0 += dv1/dv1 * ∂v1/∂v0 = 1.0 * 3.0 = 3.0, so dv1/dv0 = 3.0 + 3.0 = 6.0",
        "dv1/dv0 = 6.0 (v0 is a leaf: nothing to pass back)",
    ]


def test_generator_is_lazy_and_rejects_non_values() -> None:
    a = Value(2.0)
    b = a * 3
    steps = backward_steps(b)
    assert a.grad == 0.0 and b.grad == 0.0
    next(steps)
    assert b.grad == 1.0 and a.grad == 3.0
    with pytest.raises(TypeError, match="backward_steps expects a Value"):
        next(backward_steps(2.0))  # type: ignore[arg-type]


def fake_widgets(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Stand-ins for ipywidgets and IPython.display; returns the list ``display`` fills."""
    fake = types.ModuleType("ipywidgets")
    fake.IntSlider = lambda **kwargs: kwargs  # type: ignore[attr-defined]
    fake.interactive = lambda show, step: (show, step)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    shown: list[object] = []
    display_module = types.ModuleType("IPython.display")
    display_module.display = shown.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    return shown


def test_step_through_frames_show_the_grads_of_that_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = fake_widgets(monkeypatch)
    a = Value(3.0, label="a")
    b = a * a
    c = b + a  # after step 0, dc/da = 1 so far; after step 1, 1 + 3 + 3 = 7
    show, _ = step_through(c)
    show(0)
    show(1)
    assert "<B>a</B></TD><TD>data 3</TD><TD>grad 1</TD>" in shown[0].source
    assert "<B>a</B></TD><TD>data 3</TD><TD>grad 7</TD>" in shown[1].source
    assert "step 1: dv2/da += dv2/dv1 * ∂v1/∂a = 1.0 * 3.0 = 3.0, so dv2/da = 1.0 + 3.0" in (
        shown[1].source
    )
    assert a.grad == 7.0


def test_step_through_with_ipywidgets_builds_a_slider(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = fake_widgets(monkeypatch)
    x = Value(1.0, label="x")
    show, slider = step_through(x.tanh())
    assert slider == {"value": 0, "min": 0, "max": 1, "description": "step"}
    show(1)
    assert "step 1:" in shown[0].source


def test_step_through_passes_draw_options_and_prints_each_steps_chain_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = fake_widgets(monkeypatch)
    x = Value(0.0, label="x")
    y = x.tanh()
    y.label = "y"
    show, _ = step_through(y, rankdir="TB", show_grad=False)
    show(0)
    assert "rankdir=TB" in shown[0].source and "grad " not in shown[0].source
    assert capsys.readouterr().out == "dy/dx += dy/dy * ∂y/∂x = 1.0 * 1.0 = 1.0\n"
