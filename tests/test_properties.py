r"""Properties of backward() on random expression graphs, found by hypothesis.

A strategy draws a small random DAG: 2-4 leaf inputs, then a few steps,
each applying one operation (any of the engine's operations) to earlier
nodes, chosen freely, so nodes get reused and paths fan out and meet
again. The output is the sum of every node no other step uses.

The same graph is then built twice, with chainrule Values and with PyTorch
float64 tensors, and the gradients must agree; central differences on the
engine's own forward pass are a third, looser witness.

``assume()`` keeps every operation away from its kinks (relu at 0, ties
in maximum, ...) and domain edges (log near 0, division by near 0), by a
margin that grows with how fast that node moves when a leaf moves, so that
the central difference never steps across a kink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import (
    Value,
    central_difference,
    maximum,
    sum_values,
    topological_order,
    weighted_sum,
)

Tensor = torch.Tensor

# Bounds that keep every example well inside float64 and well conditioned.
LEAF_BOUND = 3.0
VALUE_BOUND = 1e4
SENSITIVITY_BOUND = 1e5


def away(x: float, point: float, sensitivity: float) -> bool:
    """``x`` is safely away from ``point``: a central difference (eps = 1e-6)
    moves x by at most ``1e-6 * sensitivity``, ten times less than the margin."""
    return abs(x - point) > 1e-3 + 1e-5 * sensitivity


@dataclass(frozen=True)
class Args:
    """What a guard sees about one step's arguments."""

    xs: Sequence[float]  # their values
    sensitivities: Sequence[float]  # how fast each moves when a leaf moves
    nodes: Sequence[int]  # which nodes they are (the same node may come twice)
    param: float  # the step's number parameter


def anywhere(a: Args) -> bool:
    """A smooth operation defined everywhere."""
    return True


def no_kink_at_zero(a: Args) -> bool:
    return away(a.xs[0], 0.0, a.sensitivities[0])


def moderate(bound: float) -> Callable[[Args], bool]:
    """Inputs with |x| <= bound.

    Used for tanh (bound 6) and the sigmoid family (bound 12): beyond that,
    PyTorch's backward formulas 1 - tanh^2 and 1 - sigmoid lose relative
    accuracy to cancellation (the engine computes 1 - sigmoid(x) as
    sigmoid(-x)), and the two libraries would differ by more than 1e-9.
    """

    def check(a: Args) -> bool:
        return abs(a.xs[0]) <= bound

    return check


def nonzero_denominator(a: Args) -> bool:
    return abs(a.xs[-1]) >= 0.1


def positive_log_input(a: Args) -> bool:
    return a.xs[0] >= 0.1


def power_domain(a: Args) -> bool:
    """Away from 0 for negative powers, positive bases for fractional ones."""
    x = a.xs[0]
    if not float(a.param).is_integer():
        return x >= 0.1
    return a.param >= 0 or abs(x) >= 0.1


def value_power_domain(a: Args) -> bool:
    return a.xs[0] >= 0.1 and abs(a.xs[1]) <= 4.0


def hard_sigmoid_domain(a: Args) -> bool:
    return away(a.xs[0], -3.0, a.sensitivities[0]) and away(a.xs[0], 3.0, a.sensitivities[0])


def no_ties(a: Args) -> bool:
    """The largest input is one node (possibly passed twice), clearly above the rest."""
    top = max(a.xs)
    rows = list(zip(a.nodes, a.xs, a.sensitivities, strict=True))
    winners = {node for node, x, _ in rows if x == top}
    if len(winners) > 1:
        return False
    (winner,) = winners
    s_top = max(s for node, _, s in rows if node == winner)
    return all(node == winner or away(x, top, s + s_top) for node, x, s in rows)


def torch_dsilu(t: Tensor) -> Tensor:
    """dSiLU as PyTorch's own derivative of SiLU, kept differentiable (create_graph)."""
    (slope,) = torch.autograd.grad(F.silu(t), t, torch.ones_like(t), create_graph=True)
    return slope


def torch_sign_step(t: Tensor) -> Tensor:
    """-1 for x < 0, else 1 (torch.sign away from 0); gradient 0."""
    return torch.sign(t)


def torch_binary_step(t: Tensor) -> Tensor:
    """0 for x < 0, else 1, away from 0; gradient 0."""
    return (torch.sign(t) + 1.0) / 2.0


@dataclass(frozen=True)
class Op:
    """An operation the random graphs may use.

    ``engine(args, param)`` and ``torch(args, param)`` apply it to a list of
    nodes; ``param`` is a number drawn from ``params`` (a constant operand,
    an exponent, a slope); ``arities`` are the allowed numbers of arguments;
    ``safe`` tells whether the arguments are away from kinks and domain edges.
    """

    name: str
    arities: tuple[int, ...]
    engine: Callable[[list[Value], float], Value]
    torch: Callable[[list[Tensor], float], Tensor]
    safe: Callable[[Args], bool] = anywhere
    params: tuple[float, ...] = (0.0,)


CONSTANTS = (-2.5, -0.5, 0.75, 3.0)


def weighted_sum_engine(args: list[Value], param: float) -> Value:
    k = len(args) // 2
    return weighted_sum(args[:k], args[k : 2 * k], args[-1])


def weighted_sum_torch(args: list[Tensor], param: float) -> Tensor:
    k = len(args) // 2
    return sum((w * x for w, x in zip(args[:k], args[k : 2 * k], strict=True)), args[-1])


OPS: tuple[Op, ...] = (
    Op("add", (2,), lambda a, p: a[0] + a[1], lambda a, p: a[0] + a[1]),
    Op("sub", (2,), lambda a, p: a[0] - a[1], lambda a, p: a[0] - a[1]),
    Op("mul", (2,), lambda a, p: a[0] * a[1], lambda a, p: a[0] * a[1]),
    Op("div", (2,), lambda a, p: a[0] / a[1], lambda a, p: a[0] / a[1], nonzero_denominator),
    Op("v + c", (1,), lambda a, p: a[0] + p, lambda a, p: a[0] + p, params=CONSTANTS),
    Op("c + v", (1,), lambda a, p: p + a[0], lambda a, p: p + a[0], params=CONSTANTS),
    Op("v - c", (1,), lambda a, p: a[0] - p, lambda a, p: a[0] - p, params=CONSTANTS),
    Op("c - v", (1,), lambda a, p: p - a[0], lambda a, p: p - a[0], params=CONSTANTS),
    Op("v * c", (1,), lambda a, p: a[0] * p, lambda a, p: a[0] * p, params=CONSTANTS),
    Op("c * v", (1,), lambda a, p: p * a[0], lambda a, p: p * a[0], params=CONSTANTS),
    Op("v / c", (1,), lambda a, p: a[0] / p, lambda a, p: a[0] / p, params=CONSTANTS),
    Op("c / v", (1,), lambda a, p: p / a[0], lambda a, p: p / a[0], nonzero_denominator,
       CONSTANTS),
    Op("neg", (1,), lambda a, p: -a[0], lambda a, p: -a[0]),
    Op("abs", (1,), lambda a, p: abs(a[0]), lambda a, p: torch.abs(a[0]), no_kink_at_zero),
    Op("v ** n", (1,), lambda a, p: a[0] ** p, lambda a, p: a[0] ** p, power_domain,
       (2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -1.5)),
    Op("v ** w", (2,), lambda a, p: a[0] ** a[1], lambda a, p: a[0] ** a[1],
       value_power_domain),
    Op("c ** v", (1,), lambda a, p: p ** a[0], lambda a, p: p ** a[0], params=(2.0, 0.5)),
    Op("exp", (1,), lambda a, p: a[0].exp(), lambda a, p: torch.exp(a[0])),
    Op("log", (1,), lambda a, p: a[0].log(), lambda a, p: torch.log(a[0]), positive_log_input),
    Op("sin", (1,), lambda a, p: a[0].sin(), lambda a, p: torch.sin(a[0])),
    Op("cos", (1,), lambda a, p: a[0].cos(), lambda a, p: torch.cos(a[0])),
    Op("tanh", (1,), lambda a, p: a[0].tanh(), lambda a, p: torch.tanh(a[0]), moderate(6.0)),
    Op("sigmoid", (1,), lambda a, p: a[0].sigmoid(), lambda a, p: torch.sigmoid(a[0]),
       moderate(12.0)),
    Op("relu", (1,), lambda a, p: a[0].relu(), lambda a, p: torch.relu(a[0]), no_kink_at_zero),
    Op("leaky_relu", (1,), lambda a, p: a[0].leaky_relu(p),
       lambda a, p: F.leaky_relu(a[0], p), no_kink_at_zero, (0.01, 0.2)),
    Op("elu", (1,), lambda a, p: a[0].elu(p), lambda a, p: F.elu(a[0], p), no_kink_at_zero,
       (1.0, 0.5)),
    # threshold: PyTorch's softplus returns x itself above 20 (not exact); a
    # huge threshold makes it compute log1p(exp(x)) like the engine.
    Op("softplus", (1,), lambda a, p: a[0].softplus(),
       lambda a, p: F.softplus(a[0], threshold=1e6), moderate(12.0)),
    Op("silu", (1,), lambda a, p: a[0].silu(), lambda a, p: F.silu(a[0]), moderate(12.0)),
    Op("dsilu", (1,), lambda a, p: a[0].dsilu(), lambda a, p: torch_dsilu(a[0]),
       moderate(12.0)),
    # F.hardsigmoid's CPU backward multiplies by the float32 constant 1/6
    # (8 digits); the same function written with clamp is exact in float64.
    Op("hard_sigmoid", (1,), lambda a, p: a[0].hard_sigmoid(),
       lambda a, p: torch.clamp(a[0] / 6.0 + 0.5, 0.0, 1.0), hard_sigmoid_domain),
    Op("step", (1,), lambda a, p: a[0].step(), lambda a, p: torch_binary_step(a[0]),
       no_kink_at_zero),
    Op("sign", (1,), lambda a, p: a[0].sign(), lambda a, p: torch_sign_step(a[0]),
       no_kink_at_zero),
    Op("maximum", (2, 3), lambda a, p: maximum(*a), lambda a, p: torch.max(torch.stack(a)),
       no_ties),
    Op("sum_values", (2, 3, 4), lambda a, p: sum_values(a), lambda a, p: torch.stack(a).sum()),
    Op("weighted_sum", (3, 5), weighted_sum_engine, weighted_sum_torch),
)  # fmt: skip

OP_BY_NAME = {op.name: op for op in OPS}


@dataclass(frozen=True)
class Step:
    """One node of a random graph: ``op`` applied to earlier nodes ``args`` (indices)."""

    op: str
    args: tuple[int, ...]
    param: float


@dataclass(frozen=True)
class Graph:
    """Leaf values, then steps; node i is leaf i, then step i - len(leaves)."""

    leaves: tuple[float, ...]
    steps: tuple[Step, ...]

    def sinks(self) -> list[int]:
        """The steps no later step uses: their sum is the output."""
        used = {i for step in self.steps for i in step.args}
        first = len(self.leaves)
        return [first + k for k in range(len(self.steps)) if first + k not in used]


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    """A random DAG over 2-4 leaves with 1-8 operation nodes, reuse allowed."""
    leaf = st.floats(-LEAF_BOUND, LEAF_BOUND, allow_nan=False, allow_infinity=False)
    leaves = tuple(draw(st.lists(leaf, min_size=2, max_size=4)))
    steps = []
    for k in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(OPS))
        arity = draw(st.sampled_from(op.arities))
        node = st.integers(0, len(leaves) + k - 1)
        args = tuple(draw(st.lists(node, min_size=arity, max_size=arity)))
        steps.append(Step(op.name, args, draw(st.sampled_from(op.params))))
    return Graph(leaves, tuple(steps))


def build_engine(graph: Graph, leaves: Sequence[Value], checked: bool = False) -> Value:
    """The graph's output as a Value; with ``checked``, ``assume()`` it is well-behaved.

    The check tracks, for every node, a bound on how fast it moves when a
    leaf moves (the sum over paths of |product of local derivatives|), and
    gives kinks a margin that grows with it.
    """
    nodes: list[Value] = list(leaves)
    sensitivity = {id(leaf): 1.0 for leaf in leaves}
    for step in graph.steps:
        op = OP_BY_NAME[step.op]
        args = [nodes[i] for i in step.args]
        if checked:
            xs = [a.data for a in args]
            ss = [sensitivity[id(a)] for a in args]
            assume(op.safe(Args(xs, ss, step.args, step.param)))
        out = op.engine(args, step.param)
        if checked:
            assume(math.isfinite(out.data) and abs(out.data) <= VALUE_BOUND)
            s = sum(
                abs(g) * sensitivity.get(id(x), 0.0)
                for x, g in zip(out.inputs, out.local_grads, strict=True)
            )
            assume(s <= SENSITIVITY_BOUND)
            sensitivity[id(out)] = s
        nodes.append(out)
    return sum_values([nodes[i] for i in graph.sinks()])


def build_torch(graph: Graph, leaves: Sequence[Tensor]) -> Tensor:
    """The same graph with PyTorch tensors."""
    nodes: list[Tensor] = list(leaves)
    for step in graph.steps:
        op = OP_BY_NAME[step.op]
        nodes.append(op.torch([nodes[i] for i in step.args], step.param))
    return torch.stack([nodes[i] for i in graph.sinks()]).sum()


def path_sums(root: Value) -> dict[int, float]:
    r"""For each node $v$: $\sum_{\text{paths } v \to \text{root}} |\prod \text{local grads}|$.

    The gradient is the same sum without the absolute values, so this is
    the scale of its rounding error: a gradient that is a small difference
    of large path contributions can only be compared in absolute terms.
    """
    total = {id(node): 0.0 for node in topological_order(root)}
    total[id(root)] = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node.inputs, node.local_grads, strict=True):
            total[id(child)] += abs(local) * total[id(node)]
    return total


PROPERTY_SETTINGS = settings(max_examples=80, deadline=None)


@PROPERTY_SETTINGS
@given(graphs())
def test_backward_matches_torch_and_central_differences(graph: Graph) -> None:
    leaves = [Value(x) for x in graph.leaves]
    out = build_engine(graph, leaves, checked=True)
    out.backward()
    scale = path_sums(out)
    # Rounding in the forward pass: each node's error times how much it
    # moves the output.
    forward_scale = sum(abs(n.data) * scale[id(n)] for n in topological_order(out))

    t_leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in graph.leaves]
    t_out = build_torch(graph, t_leaves)
    t_grads = torch.autograd.grad(t_out, t_leaves, allow_unused=True)

    assert math.isclose(out.data, t_out.item(), rel_tol=1e-9, abs_tol=1e-12 * forward_scale)
    for i, (leaf, t_grad) in enumerate(zip(leaves, t_grads, strict=True)):
        expected = 0.0 if t_grad is None else t_grad.item()
        tolerance = 1e-9 * scale.get(id(leaf), 0.0) + 1e-300
        assert abs(leaf.grad - expected) <= tolerance, (
            f"leaf {i}: engine {leaf.grad!r}, torch {expected!r}"
        )

    def f(*xs: Value) -> Value:
        return build_engine(graph, xs)

    for i, leaf in enumerate(leaves):
        numeric = central_difference(f, graph.leaves, i)
        # eps = 1e-6: rounding ~ 1e-16 * forward_scale / 1e-6, truncation ~ 1e-12 f'''
        tolerance = 1e-6 * (1.0 + scale.get(id(leaf), 0.0)) + 1e-8 * forward_scale
        assert abs(leaf.grad - numeric) <= tolerance, (
            f"leaf {i}: backward {leaf.grad!r}, central difference {numeric!r}"
        )


@PROPERTY_SETTINGS
@given(graphs())
def test_second_backward_doubles_leaves_and_keeps_interior(graph: Graph) -> None:
    leaves = [Value(x) for x in graph.leaves]
    out = build_engine(graph, leaves, checked=True)
    out.backward()
    order = topological_order(out)
    first = [node.grad for node in order]
    scale = path_sums(out)
    out.backward()
    for node, grad in zip(order, first, strict=True):
        if node.inputs:
            assert node.grad == grad  # recomputed from scratch: identical
        else:
            # leaves accumulate: g, then g + (the same contributions again),
            # added one by one, so equal to 2g up to rounding
            assert abs(node.grad - 2.0 * grad) <= 1e-14 * scale[id(node)]


@PROPERTY_SETTINGS
@given(graphs())
def test_topological_order_is_valid(graph: Graph) -> None:
    leaves = [Value(x) for x in graph.leaves]
    try:
        out = build_engine(graph, leaves)
    except (ValueError, ZeroDivisionError):
        assume(False)  # a domain error: this graph has no value here
    order = topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is out
    for node in order:
        for child in node.inputs:
            assert position[id(child)] < position[id(node)]


# -- activations over every finite float ---------------------------------------------------

ACTIVATIONS = {
    "exp": (Value.exp, torch.exp),
    "tanh": (Value.tanh, torch.tanh),
    "sigmoid": (Value.sigmoid, torch.sigmoid),
    "relu": (Value.relu, torch.relu),
    "leaky_relu": (Value.leaky_relu, F.leaky_relu),
    "elu": (Value.elu, F.elu),
    # PyTorch's default softplus is x itself above 20, within 2e-9 of exact
    "softplus": (Value.softplus, F.softplus),
    "silu": (Value.silu, F.silu),
    "dsilu": (Value.dsilu, torch_dsilu),
    "hard_sigmoid": (Value.hard_sigmoid, lambda t: torch.clamp(t / 6.0 + 0.5, 0.0, 1.0)),
    "step": (Value.step, torch_binary_step),
    "sign": (Value.sign, torch_sign_step),
}


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(ACTIVATIONS)),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_activations_are_total_and_match_torch(name: str, x: float) -> None:
    engine_fn, torch_fn = ACTIVATIONS[name]
    leaf = Value(x)
    out = engine_fn(leaf)  # never OverflowError, at any finite x
    out.backward()
    assert not math.isnan(out.data) and not math.isnan(leaf.grad)
    if name != "exp":
        assert math.isfinite(leaf.grad)
    if name in ("step", "sign"):
        assume(x != 0.0)  # torch.sign(0) is 0; the steps are 1 there (tested elsewhere)
    if name == "hard_sigmoid":
        assume(abs(x) != 3.0)  # clamp's slope at its ends is not PyTorch's kink convention
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch_fn(t)
    (slope,) = torch.autograd.grad(y, t)
    # PyTorch computes 1 - sigmoid(x) and 1 - tanh(x)^2 by subtraction, exact
    # only to about 1e-16 absolute, hence the absolute tolerance.
    assert math.isclose(out.data, y.item(), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(leaf.grad, slope.item(), rel_tol=1e-9, abs_tol=1e-12)
