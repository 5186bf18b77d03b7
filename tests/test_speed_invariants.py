"""The speed-ups changed nothing: same numbers, same graph order, nodes still freed.

No timings here (those live in ``bench/bench.py``). These tests pin down
what the fast paths must preserve:

* the benchmark's workload (micrograd's demo step) gives the same loss and
  gradients with chainrule, with PyTorch in float64, with micrograd 0.1.0,
  and with the hand-derived float backward, to 1e-12 of the largest gradient;
* fused nodes (``weighted_sum``, ``weighted_sums``, ``sum_values``) give the
  numbers of the elementary graph they replace (bit for bit before Python 3.12);
* ``topological_order`` gives exactly the textbook recursive post-order;
* skipping nodes whose gradient is zero changes no bit of any gradient, and
  zero times an infinite derivative is still NaN, as in PyTorch;
* every node is freed by reference counting alone (no cycles): checked with
  weak references while the garbage collector is off;
* a deep chain runs forward and backward, and ``no_grad`` records nothing.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import random
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from engine import Value, no_grad, sum_values, topological_order, weighted_sum, weighted_sums
from nn import Layer

TOLERANCE = 1e-12


def _load_workload() -> ModuleType:
    """``bench/workload.py`` (bench is a folder of scripts, not an installed package)."""
    path = Path(__file__).resolve().parents[1] / "bench" / "workload.py"
    spec = importlib.util.spec_from_file_location("bench_workload", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


workload = _load_workload()


@pytest.fixture(scope="module")
def problem() -> tuple[list[list[float]], list[float]]:
    return workload.make_problem()


def assert_close(ours: list[float], theirs: list[float]) -> None:
    """Equal to ``TOLERANCE`` times the largest magnitude (sums in another order differ by ulps)."""
    assert len(ours) == len(theirs)
    scale = max(max(map(abs, ours)), max(map(abs, theirs)))
    assert scale > 0
    worst = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
    assert worst <= TOLERANCE * scale, f"largest gap {worst:.3e} at scale {scale:.3e}"


@contextmanager
def gc_off() -> Iterator[None]:
    """The garbage collector disabled inside the block (restored after)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- the benchmark's workload, four ways --------------------------------------------


def torch_loss_and_gradients(
    weights: list, X: list[list[float]], y: list[float]
) -> tuple[float, list[float]]:
    """The demo loss and its gradients in PyTorch float64, in chainrule's parameter order."""
    import torch

    layers = [
        (
            torch.tensor([ws for ws, _ in layer], dtype=torch.float64, requires_grad=True),
            torch.tensor([b for _, b in layer], dtype=torch.float64, requires_grad=True),
        )
        for layer in weights
    ]
    h = torch.tensor(X, dtype=torch.float64)
    for i, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if i < len(layers) - 1:
            h = torch.relu(h)
    labels = torch.tensor(y, dtype=torch.float64)
    data_loss = torch.relu(1 - labels * h[:, 0]).mean()
    reg_loss = workload.ALPHA * sum((p * p).sum() for W, b in layers for p in (W, b))
    loss = data_loss + reg_loss
    loss.backward()
    grads = []
    for W, b in layers:
        for j in range(W.shape[0]):
            grads.extend(W.grad[j].tolist())
            grads.append(b.grad[j].item())
    return loss.item(), grads


def test_workload_matches_torch_float64(problem) -> None:
    X, y = problem
    ours = workload.ChainruleStep(X, y)
    loss, grads = ours.loss_and_gradients()
    torch_loss, torch_grads = torch_loss_and_gradients(workload.model_weights(ours.model), X, y)
    assert math.isclose(loss, torch_loss, rel_tol=TOLERANCE)
    assert_close(grads, torch_grads)
    assert sum(1 for g in grads if g != 0) > len(grads) // 2  # a real, non-trivial gradient


def test_engine_only_forward_builds_the_same_graph_as_nn(problem) -> None:
    X, y = problem
    with_nn = workload.ChainruleStep(X, y)
    engine_only = workload.EngineStep(X, y)
    loss, grads = with_nn.loss_and_gradients()
    assert engine_only.loss_and_gradients() == (loss, grads)  # exactly: the same nodes
    ops = [v.op for v in topological_order(with_nn.loss())]
    assert ops == [v.op for v in topological_order(engine_only.loss())]


@pytest.mark.slow
def test_workload_matches_micrograd(problem) -> None:
    X, y = problem
    ours = workload.ChainruleStep(X, y)
    loss, grads = ours.loss_and_gradients()
    theirs = workload.MicrogradStep(workload.model_weights(ours.model), X, y)
    their_loss, their_grads = theirs.loss_and_gradients()
    assert math.isclose(loss, their_loss, rel_tol=TOLERANCE)
    assert_close(grads, their_grads)


def test_hand_written_float_backward_equals_the_engine(problem) -> None:
    X, y = problem
    ours = workload.ChainruleStep(X, y)
    loss, grads = ours.loss_and_gradients()
    by_hand = workload.FloatStep(workload.model_weights(ours.model), X, y)
    hand_loss, hand_grads = by_hand.loss_and_gradients()
    assert math.isclose(loss, hand_loss, rel_tol=TOLERANCE)
    assert_close(grads, hand_grads)


@pytest.mark.slow
def test_every_version_agrees_on_the_trained_model_too(problem) -> None:
    """The benchmark's second state: the weights after the demo's training run."""
    X, y = problem
    ours = workload.ChainruleStep(X, y)
    trained = workload.trained_weights(workload.model_weights(ours.model), X, y)
    ours.set_weights(trained)
    assert workload.model_weights(ours.model) == trained
    loss, grads = ours.loss_and_gradients()
    assert loss < 0.05  # the demo's run did train the network
    torch_loss, torch_grads = torch_loss_and_gradients(trained, X, y)
    assert math.isclose(loss, torch_loss, rel_tol=TOLERANCE)
    assert_close(grads, torch_grads)
    for other in (workload.FloatStep(trained, X, y), workload.MicrogradStep(trained, X, y)):
        other_loss, other_grads = other.loss_and_gradients()
        assert math.isclose(loss, other_loss, rel_tol=TOLERANCE)
        assert_close(grads, other_grads)


@pytest.mark.slow
def test_a_timed_step_starts_from_the_weights_it_is_given(problem) -> None:
    X, y = problem
    ours = workload.ChainruleStep(X, y)
    weights = workload.model_weights(ours.model)
    versions = [ours, workload.MicrogradStep(weights, X, y), workload.FloatStep(weights, X, y)]
    first = [version.step() for version in versions]
    for version in versions:
        version.set_weights(weights)
    again = [version.step() for version in versions]
    assert again == first  # each version repeats its own step exactly


@pytest.mark.slow
def test_three_training_steps_stay_together(problem) -> None:
    """The timed step (forward, zero_grad, backward, update) moves every version alike."""
    X, y = problem[0][:30], problem[1][:30]  # 30 points keep micrograd's steps short
    ours = workload.ChainruleStep(X, y)
    weights = workload.model_weights(ours.model)
    others = [workload.MicrogradStep(weights, X, y), workload.FloatStep(weights, X, y)]
    for _ in range(3):
        loss = ours.step()
        for other in others:
            assert math.isclose(other.step(), loss, rel_tol=TOLERANCE)
    ours_now = [
        p for layer in workload.model_weights(ours.model) for ws, b in layer for p in (*ws, b)
    ]
    float_now = [
        p
        for ws_layer, b_layer in zip(others[1].w, others[1].b, strict=True)
        for ws, b in zip(ws_layer, b_layer, strict=True)
        for p in (*ws, b)
    ]
    micrograd_now = [p.data for p in others[0].model.parameters()]
    assert ours_now != [p for layer in weights for ws, b in layer for p in (*ws, b)]  # it moved
    assert_close(ours_now, float_now)
    assert_close(ours_now, micrograd_now)


# -- fused nodes give the numbers of the graph they replace ------------------------------


def test_weighted_sum_equals_the_chain_of_products_and_sums() -> None:
    rng = random.Random(3)
    for n in (1, 2, 7, 16):
        w = [Value(rng.uniform(-1, 1)) for _ in range(n)]
        x = [Value(rng.uniform(-2, 2)) for _ in range(n)]
        b = Value(rng.uniform(-1, 1))
        fused = weighted_sum(w, x, b).tanh()
        fused.backward()
        fused_grads = [v.grad for v in (*w, *x, b)]
        for v in (*w, *x, b):
            v.grad = 0.0
        z = b
        for wi, xi in zip(w, x, strict=True):
            z = z + wi * xi  # (b + w0 x0) + w1 x1 + ...: the fused node's order
        chained = z.tanh()
        chained.backward()
        chained_grads = [v.grad for v in (*w, *x, b)]
        if sys.version_info < (3, 12):  # the same additions in the same order: the same floats
            assert fused.data == chained.data
            assert fused_grads == chained_grads
        else:  # from 3.12 on, sum() compensates rounding errors: closer to exact, not identical
            assert math.isclose(fused.data, chained.data, rel_tol=1e-14, abs_tol=1e-15)
            assert_close(fused_grads, chained_grads)
        assert len(topological_order(fused)) == 2 * n + 3  # leaves, one w·x+b, one tanh


def test_weighted_sum_converts_numbers_and_rejects_other_types() -> None:
    w = [Value(2.0), Value(-1.0)]
    z = weighted_sum(w, [3, 4.0], 1)  # numbers take the slow path: constant leaves
    assert z.data == 3.0
    assert all(isinstance(v, Value) for v in z.inputs)
    with pytest.raises(TypeError, match="weighted_sum"):
        weighted_sum(w, [Value(1.0), "2"], 0.0)
    with pytest.raises(TypeError, match="weighted_sum"):
        weighted_sum([Value(1.0), [2.0]], [1.0, 2.0], 0.0)


def test_weighted_sums_are_weighted_sum_nodes_reading_the_inputs_once() -> None:
    rng = random.Random(5)
    x = [Value(rng.uniform(-2, 2)) for _ in range(5)]
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(5)] for _ in range(4)]
    biases = [Value(rng.uniform(-1, 1)) for _ in range(4)]
    layer = weighted_sums(rows, x, biases)
    one_by_one = [weighted_sum(w, x, b) for w, b in zip(rows, biases, strict=True)]
    for node, single in zip(layer, one_by_one, strict=True):
        assert node.data == single.data
        assert node.op == single.op == "w·x+b"
        assert node.inputs == single.inputs
        assert node.local_grads == single.local_grads
    constants = weighted_sums(rows, [1.0, 2, 3.0, 4, 5.0], [0, 0, 0, 0])
    shared = constants[0].inputs[5:10]  # numbers become constant leaves, shared by every node
    assert all(node.inputs[5:10] == shared for node in constants)
    assert [v.data for v in shared] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_weighted_sums_name_the_problem() -> None:
    w = [Value(1.0), Value(2.0)]
    with pytest.raises(ValueError, match="weighted_sums: 2 rows of weights but 1 biases"):
        weighted_sums([w, w], [1.0, 2.0], [0.0])
    with pytest.raises(ValueError, match="weighted_sums: 2 weights but 3 inputs"):
        weighted_sums([w], [1.0, 2.0, 3.0], [0.0])
    with pytest.raises(ValueError, match="weighted_sum: 2 weights but 1 inputs"):
        weighted_sum(w, [1.0], 0.0)
    with pytest.raises(TypeError, match="weighted_sums expects a real number .*str"):
        weighted_sums([w], [1.0, "2"], [0.0])
    with pytest.raises(TypeError, match="weighted_sums weights expects a list"):
        weighted_sums([w, 3.0], [1.0, 2.0], [0.0, 0.0])
    x, b = [Value(1.0), Value(2.0), Value(3.0)], Value(0.0)
    with pytest.raises(ValueError, match="weighted_sums: 2 weights but 3 inputs"):
        weighted_sums([w], x, [b], validate=False)  # unchecked types, but never misaligned


def test_a_neuron_given_an_extra_weight_is_an_error_not_a_wrong_gradient() -> None:
    layer = Layer(2, 3, seed=0)
    layer.neurons[1].w.append(Value(0.5))
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        layer([1.0, 2.0])


def test_sum_values_equals_the_chain_of_additions_on_exact_values() -> None:
    values = [Value(float(k)) for k in range(-5, 20)]
    fused = sum_values(values) * 3
    fused.backward()
    assert fused.data == 3 * sum(range(-5, 20))
    assert [v.grad for v in values] == [3.0] * len(values)


# -- the graph walk: the textbook order, iteratively ---------------------------------------


def recursive_post_order(root: Value) -> list[Value]:
    """The textbook definition: visit the inputs (last first), then append the node."""
    order: list[Value] = []
    visited: set[int] = set()

    def visit(node: Value) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        for child in reversed(node.inputs):
            visit(child)
        order.append(node)

    visit(root)
    return order


def random_graph(rng: random.Random) -> Value:
    """A random small DAG with reuse and fan-out, made of unary, binary and n-ary ops."""
    nodes = [Value(rng.uniform(0.5, 1.5)) for _ in range(rng.randint(1, 4))]
    for _ in range(rng.randint(1, 40)):
        kind = rng.randrange(4)
        if kind == 0:
            nodes.append(rng.choice(nodes).tanh())
        elif kind == 1:
            nodes.append(rng.choice(nodes) * rng.choice(nodes))
        elif kind == 2:
            nodes.append(sum_values(rng.choices(nodes, k=rng.randint(1, 4))))
        else:
            k = rng.randint(1, 3)
            nodes.append(weighted_sum(rng.choices(nodes, k=k), rng.choices(nodes, k=k), 0.5))
    return nodes[-1]


def test_topological_order_is_the_recursive_post_order() -> None:
    rng = random.Random(11)
    for _ in range(200):
        root = random_graph(rng)
        order = topological_order(root)
        assert [id(v) for v in order] == [id(v) for v in recursive_post_order(root)]
        position = {id(v): i for i, v in enumerate(order)}
        assert all(position[id(c)] < position[id(v)] for v in order for c in v.inputs)


# -- zero gradients: skipped, and still exactly what the chain rule gives ---------------------


def textbook_backward(root: Value) -> None:
    """The chain rule with no shortcut: every edge of every node, zero or not."""
    order = recursive_post_order(root)
    for node in order:
        if node.inputs:
            node.grad = 0.0
    root.grad += 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads, strict=True):
            child.grad += local * node.grad


def bits(values: list[float]) -> list[str]:
    """Each float exactly (``-0.0`` and ``0.0`` differ), NaN as one symbol."""
    return ["nan" if math.isnan(x) else x.hex() for x in values]


def test_skipping_zero_gradients_changes_no_bit() -> None:
    rng = random.Random(17)
    for _ in range(300):
        leaves = [Value(rng.choice([-1.5, -0.5, 0.0, 0.5, 2.0])) for _ in range(rng.randint(2, 5))]
        nodes = list(leaves)
        for _ in range(rng.randint(1, 30)):
            kind = rng.randrange(5)
            a, b = rng.choice(nodes), rng.choice(nodes)
            if kind == 0:
                nodes.append(a.relu())  # dead ReLUs: zero local derivatives
            elif kind == 1:
                nodes.append(a * b)  # a zero factor zeroes the other side
            elif kind == 2:
                nodes.append(a + b)
            elif kind == 3:
                nodes.append(a.exp() if rng.random() < 0.2 else a.tanh())
            else:
                nodes.append(weighted_sum([a, b], [b, a], rng.choice(nodes)))
        root = nodes[-1]
        root.backward()
        ours = [v.grad for v in nodes]
        for v in nodes:
            v.grad = 0.0
        textbook_backward(root)
        assert bits(ours) == bits([v.grad for v in nodes])


def test_a_zero_gradient_times_an_infinite_derivative_is_nan_as_in_torch() -> None:
    torch = pytest.importorskip("torch")
    for make in (
        lambda x: (x**0.5) * 0.0,  # d sqrt(x)/dx = inf at 0, reached with gradient 0
        lambda x: ((x**0.5) - 1.0).relu(),  # a dead ReLU above an infinite slope
        lambda x: (x**0.5).exp() * 0.0 + x,
    ):
        x = Value(0.0)
        make(x).backward()
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        make(t).backward()
        assert math.isnan(x.grad) and math.isnan(t.grad.item())


# -- memory: freed by reference counting -----------------------------------------------------


def test_the_demo_graph_is_freed_by_reference_counting(problem) -> None:
    """No node is part of a cycle: with the collector off, dropping the loss frees them all."""
    X, y = problem
    step = workload.ChainruleStep(X[:10], y[:10])
    parameters = {id(p) for p in step.params}
    with gc_off():
        loss = step.loss()
        loss.backward()
        watched = [weakref.ref(v) for v in topological_order(loss) if id(v) not in parameters]
        assert len(watched) > 500
        assert all(ref() is not None for ref in watched)
        del loss
        alive = sum(1 for ref in watched if ref() is not None)
    assert alive == 0


def test_a_deep_chain_runs_and_frees_itself() -> None:
    depth = 200_000
    x, c = Value(1.0), Value(1.0 - 1e-6)
    with gc_off():
        y = x
        for _ in range(depth):
            y = y * c
        middle = weakref.ref(y.inputs[0].inputs[0])
        y.backward()
        assert math.isclose(x.grad, c.data**depth, rel_tol=1e-9)
        assert math.isclose(c.grad, depth * c.data ** (depth - 1), rel_tol=1e-9)
        del y
        assert middle() is None


def test_no_grad_records_nothing_and_computes_the_same(problem) -> None:
    X, y = problem
    step = workload.ChainruleStep(X, y)
    with_graph = [step.model(x).data for x in X]
    with no_grad():
        scores = [step.model(x) for x in X]
    assert [s.data for s in scores] == with_graph
    assert all(s.inputs == () and s.local_grads == () for s in scores)
