"""copy.deepcopy, copy.copy and pickle of Values and models: any depth, identity kept."""

from __future__ import annotations

import copy
import gc
import io
import math
import pickle

import pytest

from engine import Value, copying, topological_order
from nn import MLP, load, save

DEPTH = 20_000  # well past Python's recursion limit (1000)


def chain(depth: int) -> tuple[Value, Value]:
    """``x * c * c * ... * c``, ``depth`` multiplications deep; returns (x, result)."""
    x = Value(1.0, label="x")
    c = Value(1.0001, label="c")
    y = x
    for _ in range(depth):
        y = y * c
    return x, y


def leaf_below(node: Value, label: str) -> Value:
    """The Value labelled ``label`` in the graph of ``node``."""
    (found,) = [v for v in topological_order(node) if v.label == label]
    return found


def assert_same_graph(original: Value, copied: Value) -> None:
    """The same numbers, ops and shape, in new nodes that share nothing with the original."""
    before, after = topological_order(original), topological_order(copied)
    assert len(before) == len(after)
    position = {node: i for i, node in enumerate(after)}
    for old, new in zip(before, after, strict=True):
        assert new is not old
        assert (new.data, new.grad, new.op, new.label) == (old.data, old.grad, old.op, old.label)
        assert new.local_grads == old.local_grads
        assert [position[child] for child in new.inputs] == [
            before.index(child) for child in old.inputs
        ]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_chain_20000_deep_copies_without_recursion(how: str) -> None:
    x, y = chain(DEPTH)
    copied = copy.deepcopy(y) if how == "deepcopy" else pickle.loads(pickle.dumps(y))
    assert copied.data == y.data
    copied.backward()
    new_x = leaf_below(copied, "x")
    assert new_x is not x and x.grad == 0.0  # the original graph is left alone
    y.backward()
    assert new_x.grad == x.grad and x.grad == pytest.approx(1.0001**DEPTH, rel=1e-9)
    assert len(topological_order(copied)) == DEPTH + 2


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_python_sum_of_1000_values_copies(how: str) -> None:
    leaves = [Value(float(i)) for i in range(1000)]
    total = sum(leaves)  # 0 + v0 + v1 + ...: a chain 1000 additions deep
    copied = copy.deepcopy(total) if how == "deepcopy" else pickle.loads(pickle.dumps(total))
    assert_same_graph(total, copied)
    copied.backward()
    assert all(leaf.grad == 0.0 for leaf in leaves)
    assert [v.grad for v in topological_order(copied) if not v.inputs] == [1.0] * 1001


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_sharing_and_identity_are_kept_within_one_copy(how: str) -> None:
    x = Value(3.0, label="x")
    h = x * x  # x used twice
    out = h + h.tanh()  # h used twice
    if how == "deepcopy":
        new_x, new_h, new_out = copy.deepcopy([x, h, out])
    else:
        new_x, new_h, new_out = pickle.loads(pickle.dumps([x, h, out]))
    assert new_h.inputs == (new_x, new_x)
    assert new_out.inputs[0] is new_h and new_out.inputs[1].inputs == (new_h,)
    new_out.backward()
    assert new_x.grad == pytest.approx(2 * 3.0 * (1 + (1 - math.tanh(9.0) ** 2)))
    assert x.grad == 0.0


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_and_the_pure_python_pickler(protocol: int) -> None:
    x, y = chain(3000)
    for dump in (pickle.dumps, _python_pickler_dumps):
        copied = pickle.loads(dump([x, y], protocol=protocol))
        assert copied[1].data == y.data
        assert leaf_below(copied[1], "x") is copied[0]
    assert len(copying._pending.nodes) == 0


def test_a_pickle_lists_the_nodes_below_the_root_once(monkeypatch) -> None:
    """One list of every node below, inputs first: each is written once, so the size is linear."""
    lists: list[int] = []

    class Counted(copying._NodesBelow):
        def __init__(self, nodes: list[Value]) -> None:
            lists.append(len(nodes))
            super().__init__(nodes)

    monkeypatch.setattr(copying, "_NodesBelow", Counted)
    x, y = chain(100)
    assert pickle.loads(pickle.dumps(y)).data == y.data
    assert lists == [101]  # x, c and the 99 products before y


def _python_pickler_dumps(obj: object, protocol: int) -> bytes:
    """``pickle.dumps`` with the pure-Python pickler (which reads lists ahead in batches)."""
    buffer = io.BytesIO()
    pickle._Pickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def test_attributes_travel_with_the_copies() -> None:
    x = Value(2.0, label="x")
    x.m, x.v = 0.5, Value(7.0)
    y = x * 3
    y._vis_color = "red"
    for copied in (copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        new_x = copied.inputs[0]
        assert (copied._vis_color, new_x.label, new_x.m, new_x.v.data) == ("red", "x", 0.5, 7.0)
        assert new_x.v is not x.v


def test_a_failed_pickle_leaves_nothing_behind() -> None:
    x, y = chain(3000)
    middle = topological_order(y)[1500]
    middle.callback = lambda: None  # a lambda cannot be pickled
    for dump in (pickle.dumps, lambda obj: _python_pickler_dumps(obj, 4)):
        with pytest.raises((pickle.PicklingError, AttributeError)):
            dump(y)
        gc.collect()
        assert len(copying._pending.nodes) == 0
    del middle.callback
    assert pickle.loads(pickle.dumps(y)).data == y.data


def test_copy_copy_is_shallow() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    c.label = "c"
    shallow = copy.copy(c)
    assert shallow is not c and shallow.inputs == (a, b) and shallow.inputs[0] is a
    assert (shallow.data, shallow.op, shallow.label, shallow.local_grads) == (
        2.0,
        "*",
        "c",
        (2.0, 1.0),
    )
    shallow.label = "other"
    assert c.label == "c"


def _has_a_dict(node: Value) -> bool:
    """Whether ``node`` has a ``__dict__`` made (asking ``node.__dict__`` would make one)."""
    return any(isinstance(referent, dict) for referent in gc.get_referents(node))


def test_copying_a_graph_does_not_give_its_nodes_a_dict() -> None:
    # reading node.__dict__ would create (and keep) an empty dict on every node: 64 bytes or more
    _, y = chain(2000)
    copied, pickled = copy.deepcopy(y), pickle.loads(pickle.dumps(y))
    for graph in (y, copied, pickled):  # the 2000 products; the leaves have labels, in a dict
        products = [node for node in topological_order(graph) if node._inputs]
        assert len(products) == 2000 and not any(_has_a_dict(node) for node in products)


def test_parameters_and_whole_models_copy_and_pickle(tmp_path) -> None:
    model = MLP(2, [4, 1], seed=0)
    out = model([0.5, -1.0])
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert twin.state_dict() == model.state_dict()
        assert twin([0.5, -1.0]).data == out.data
        assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))
    save(model, tmp_path / "m.json")
    assert copy.deepcopy(load(tmp_path / "m.json")).state_dict() == model.state_dict()
    params = copy.deepcopy(model.parameters())
    assert [p.data for p in params] == [p.data for p in model.parameters()]


def test_copy_copy_keeps_the_gradient() -> None:
    c = Value(1.0) * Value(2.0)
    c.backward()
    assert copy.copy(c).grad == 1.0 == c.grad


def test_attributes_that_refer_to_nodes_of_the_graph_refer_to_their_copies() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    c.me, c.partner, c.pair = c, a, [a, b]  # attributes back to the node and to its inputs
    copied = copy.deepcopy(c)
    assert copied.me is copied and copied.partner is copied.inputs[0]
    assert copied.pair[0] is copied.inputs[0] and copied.pair[1] is copied.inputs[1]


def test_a_graph_pickles_in_another_thread_too() -> None:
    import threading

    x, y = chain(3000)
    results = []
    worker = threading.Thread(target=lambda: results.append(pickle.dumps(y)))
    worker.start()
    worker.join()
    assert_same_graph(y, pickle.loads(results[0]))
