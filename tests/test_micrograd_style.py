"""Code written for micrograd runs unchanged on chainrule's Value.

Three programs in the style of the three most common kinds of micrograd code,
each run as written (``exec``), with chainrule's classes in its namespace:

* ``TRACE_GRAPH``: micrograd's ``trace_graph.ipynb`` draws a graph by walking
  ``v._prev`` (a set of inputs) and reading ``v._op``;
* ``LECTURE``: Karpathy's lecture sets ``o.grad = 1.0`` and calls
  ``node._backward()`` by hand, node by node, then over a topological order
  built by recursion over ``_prev``;
* ``EUREKA_STYLE``: EurekaLabs' ``micrograd.py`` attaches attributes to
  Values (an AdamW keeping ``p.m``, ``p.v`` on each parameter; ``_vis_color``
  on nodes to colour a picture) and builds ``Neuron(nin, nonlin=True)``.

Each one must give the gradients that ``backward()`` (and PyTorch) give.
"""

from __future__ import annotations

import math
import random

import pytest
import torch

from engine import Value, topological_order
from nn import Layer, Neuron

TRACE_GRAPH = """
from graphviz import Digraph

def trace(root):
    # builds a set of all nodes and edges in a graph
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root, format='svg', rankdir='LR'):
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={'rankdir': rankdir})
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot

x = Value(1.0)
y = (x * 2 + 1).relu()
y.backward()
nodes, edges = trace(y)
dot = draw_dot(y)
"""


def run(program: str, **names: object) -> dict:
    """Run ``program`` with ``names`` defined; its namespace afterwards."""
    namespace = dict(names)
    exec(program, namespace)
    return namespace


def test_trace_graph_reads_prev_and_op_and_draws_what_micrograd_draws() -> None:
    from micrograd.engine import Value as MicrogradValue

    ours = run(TRACE_GRAPH, Value=Value)
    theirs = run(TRACE_GRAPH, Value=MicrogradValue)
    y = ours["y"]
    assert ours["nodes"] == set(topological_order(y))
    assert ours["edges"] == {(child, node) for node in ours["nodes"] for child in node.inputs}
    assert all(isinstance(node._prev, set) for node in ours["nodes"])

    def record_labels(namespace: dict) -> list[str]:
        lines = namespace["dot"].source.splitlines()
        return sorted(line.split("label=")[1] for line in lines if "shape=record" in line)

    # the same boxes: every node's data and grad, as micrograd computes them
    assert record_labels(ours) == record_labels(theirs)
    assert len(ours["edges"]) == len(theirs["edges"])
    assert sorted(n._op.lower() for n in ours["nodes"]) == sorted(
        n._op.lower() for n in theirs["nodes"]
    )


LECTURE = """
# inputs x1, x2
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
# weights w1, w2
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
# bias of the neuron
b = Value(6.8813735870195432, label='b')
# x1*w1 + x2*w2 + b
x1w1 = x1*w1; x1w1.label = 'x1*w1'
x2w2 = x2*w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
o = n.tanh(); o.label = 'o'

# backward by hand, one node at a time
o.grad = 1.0
o._backward()
n._backward()
b._backward()
x1w1x2w2._backward()
x2w2._backward()
x1w1._backward()
by_hand = {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}

# then over a topological order, as the lecture builds it
for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o):
    v.grad = 0.0
topo = []
visited = set()
def build_topo(v):
  if v not in visited:
    visited.add(v)
    for child in v._prev:
      build_topo(child)
    topo.append(v)
build_topo(o)
o.grad = 1.0
for node in reversed(topo):
  node._backward()
by_topo = {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}
"""


def test_the_lectures_backward_by_hand_gives_backwards_gradients() -> None:
    ours = run(LECTURE, Value=Value)
    # the lecture's numbers: o = tanh(n) = 0.7071, do/dn = 0.5
    assert math.isclose(ours["o"].data, math.sqrt(0.5), rel_tol=1e-12)
    expected = {"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0, "b": 0.5, "n": 0.5}
    for grads in (ours["by_hand"], ours["by_topo"]):
        assert grads == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # and exactly what backward() gives on the same graph
    o = ours["o"]
    for v in topological_order(o):
        v.grad = 0.0
    o.backward()
    assert {v.label: v.grad for v in topological_order(o) if v.label in expected} == ours["by_topo"]


def test_backward_method_of_one_node_adds_into_its_inputs_only() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.grad = 0.5
    c._backward()
    assert (a.grad, b.grad) == (-1.5, 1.0)
    c._backward()  # micrograd adds (+=), it never assigns
    assert (a.grad, b.grad) == (-3.0, 2.0)
    a._backward()  # a leaf: nothing to do
    assert (a.grad, b.grad) == (-3.0, 2.0)
    d = a * a
    assert d._prev == {a} and c._prev == {a, b} and a._prev == set()


EUREKA_STYLE = """
class AdamW:
    def __init__(self, parameters, lr=1e-1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = parameters
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        for p in self.parameters:
            p.m = 0.0
            p.v = 0.0

    def step(self):
        self.t += 1
        for p in self.parameters:
            p.m = self.beta1 * p.m + (1 - self.beta1) * p.grad
            p.v = self.beta2 * p.v + (1 - self.beta2) * p.grad**2
            m_hat = p.m / (1 - self.beta1**self.t)
            v_hat = p.v / (1 - self.beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0

def cross_entropy(logits, target):
    ex = [x.exp() for x in logits]
    denom = sum(ex)
    probs = [x / denom for x in ex]
    return -probs[target].log()

def vis_color(nodes, color):
    for n in nodes:
        n._vis_color = color

hidden = [Neuron(2, nonlin=True) for _ in range(4)]
out = [Neuron(4, nonlin=False) for _ in range(3)]
parameters = [p for n in hidden + out for p in n.parameters()]
optimizer = AdamW(parameters, lr=0.05, weight_decay=1e-4)
data = [([0.5, -1.0], 0), ([-0.3, 0.8], 1), ([1.2, 0.1], 2), ([-1.0, -0.4], 0)]
losses, gradients = [], []
for step in range(5):
    loss = sum(cross_entropy([n([h(x) for h in hidden]) for n in out], y) for x, y in data)
    loss = loss * (1.0 / len(data))
    optimizer.zero_grad()
    loss.backward()
    losses.append(loss.data)
    gradients.append([p.grad for p in parameters])
    optimizer.step()

vis_color([p for p in parameters], 'lightblue')
painted = [getattr(n, '_vis_color', 'white') for n in [loss] + parameters]
"""


def test_eureka_style_attributes_on_values_train_like_torch_adamw() -> None:
    random.seed(7)
    ours = run(EUREKA_STYLE, Value=Value, Neuron=Neuron)
    parameters = ours["parameters"]
    assert all(hasattr(p, "m") and hasattr(p, "v") for p in parameters)
    assert ours["painted"] == ["white"] + ["lightblue"] * len(parameters)
    # PyTorch float64 from the same initial weights: the same losses and gradients
    random.seed(7)
    start = [p.data for p in (p for n in _eureka_neurons() for p in n.parameters())]
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in start]
    optimizer = torch.optim.AdamW(weights, lr=0.05, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    data = [([0.5, -1.0], 0), ([-0.3, 0.8], 1), ([1.2, 0.1], 2), ([-1.0, -0.4], 0)]
    for step in range(5):
        loss = sum(_torch_loss(weights, x, y) for x, y in data) / len(data)
        optimizer.zero_grad()
        loss.backward()
        assert math.isclose(ours["losses"][step], loss.item(), rel_tol=1e-9)
        for mine, theirs in zip(ours["gradients"][step], weights, strict=True):
            assert math.isclose(mine, theirs.grad.item(), rel_tol=1e-8, abs_tol=1e-12)
        optimizer.step()


def _eureka_neurons() -> list[Neuron]:
    """The program's neurons, drawn in the same order from the same seed."""
    return [Neuron(2, nonlin=True) for _ in range(4)] + [Neuron(4, nonlin=False) for _ in range(3)]


def _torch_loss(weights: list[torch.Tensor], x: list[float], y: int) -> torch.Tensor:
    """The program's network and loss on tensors: 4 ReLU neurons, then 3 linear ones."""
    hidden = []
    for j in range(4):
        w, b = weights[3 * j : 3 * j + 2], weights[3 * j + 2]
        hidden.append(torch.relu(w[0] * x[0] + w[1] * x[1] + b))
    logits = []
    for k in range(3):
        base = 12 + 5 * k
        w, b = weights[base : base + 4], weights[base + 4]
        logits.append(sum(wi * hi for wi, hi in zip(w, hidden, strict=True)) + b)
    return -torch.log_softmax(torch.stack(logits), dim=0)[y]


def test_values_take_any_attribute_and_keep_their_own() -> None:
    v = Value(1.5, label="v")
    v.m, v.v, v._vis_color = 0.1, 0.2, "red"
    assert (v.m, v.v, v._vis_color, v.label) == (0.1, 0.2, "red", "v")
    assert vars(v) == {"label": "v", "m": 0.1, "v": 0.2, "_vis_color": "red"}
    w = v * 2  # a result starts with no attributes of its own
    assert w.label == "" and not hasattr(w, "m")
    with pytest.raises(AttributeError):
        w.inputs = ()  # the graph's own fields stay read-only properties


def test_micrograds_nonlin_keyword_on_neuron_and_layer() -> None:
    relu = Neuron(2, nonlin=True, seed=0)
    linear = Neuron(2, nonlin=False, seed=0)
    assert relu.activation == "relu" and linear.activation == "linear"
    for neuron in (relu, linear):
        neuron.w[0].data, neuron.w[1].data = 1.0, 1.0
    assert relu([-2.0, 1.0]).data == 0.0 and linear([-2.0, 1.0]).data == -1.0
    assert Layer(2, 3, nonlin=False, seed=0).activation == "linear"
    assert Layer(2, 3, nonlin=True, seed=0).activation == "relu"
    with pytest.raises(ValueError, match="either activation= or micrograd's nonlin="):
        Neuron(2, activation="tanh", nonlin=True)
    with pytest.raises(TypeError, match="nonlin must be True or False"):
        Neuron(2, nonlin="yes")  # type: ignore[arg-type]
