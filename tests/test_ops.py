r"""Every operation of the engine, checked three ways from one table.

Each row of ``OPS`` names an operation and gives

* ``value``: the forward rule with plain float math,
* ``derivative``: the hand-written partial derivatives, one per input,
* ``engine``: the same operation on chainrule Values,
* ``torch``: the same operation on PyTorch float64 tensors,

and the points to check it at (kinks and domain edges are avoided here; the
kink conventions have their own table below). Every row is then checked

1. against the hand formulas (value and derivative, relative 1e-12),
2. against central differences (``engine.central_difference`` and
   ``engine.gradcheck``), which use no chain rule at all,
3. against PyTorch float64 autograd (relative 1e-12, see ``TORCH_REL``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F

from engine import Value, central_difference, gradcheck, maximum, sum_values, weighted_sum

# Relative tolerance against the hand formulas and against PyTorch float64.
# The engine and PyTorch evaluate the same formulas in double precision, so
# they agree to a few units in the last place; 1e-12 leaves room for a
# different order of the same floating-point operations.
TORCH_REL = 1e-12
HAND_REL = 1e-12


def sigmoid(x: float) -> float:
    """The logistic function as a float: $1 / (1 + e^{-x})$ (fine for the moderate x used here)."""
    return 1.0 / (1.0 + math.exp(-x))


def torch_dsilu(t: torch.Tensor) -> torch.Tensor:
    """dSiLU by PyTorch itself: the derivative of ``F.silu``, kept differentiable.

    ``create_graph=True`` records the backward pass of SiLU as a graph, so
    its own derivative (the second derivative of SiLU) is available too.
    """
    (slope,) = torch.autograd.grad(F.silu(t), t, torch.ones_like(t), create_graph=True)
    return slope


def torch_step(t: torch.Tensor) -> torch.Tensor:
    """The binary step away from 0: $(\\operatorname{sign}(x) + 1) / 2$, whose gradient is 0."""
    return (torch.sign(t) + 1.0) / 2.0


@dataclass(frozen=True)
class OpCase:
    """One row of the table: an operation, its math, and where to check it."""

    name: str
    points: tuple[tuple[float, ...], ...]
    value: Callable[..., float]
    derivative: Callable[..., tuple[float, ...]]
    engine: Callable[..., Value]
    torch: Callable[..., torch.Tensor]
    torch_grad_rel: float = TORCH_REL  # looser only where PyTorch itself is less exact


def stack_max(*ts: torch.Tensor) -> torch.Tensor:
    """``torch.max`` over a stacked tensor: ties share the gradient equally."""
    return torch.max(torch.stack(ts))


# A few points per input count, away from every kink (0 for relu/abs/..., +-3
# for hard_sigmoid) and from zeros of the derivative (a relative tolerance
# means nothing for a value that is 0 up to rounding).
ONE = ((-2.5,), (-0.7,), (0.3,), (1.9,), (4.0,))
POSITIVE = ((0.2,), (0.9,), (1.7,), (3.5,))
TWO = ((1.5, -2.0), (-0.4, 0.8), (3.0, 2.5), (-1.25, -0.6))
THREE = ((0.5, -1.0, 2.0), (-3.0, -0.2, -1.5), (1.1, 4.0, 0.9))

OPS: tuple[OpCase, ...] = (
    # -- arithmetic: a Value on both sides, and a number on either side ------
    OpCase("add", TWO, lambda a, b: a + b, lambda a, b: (1.0, 1.0),
           lambda a, b: a + b, lambda a, b: a + b),
    OpCase("add number right", ONE, lambda a: a + 2.5, lambda a: (1.0,),
           lambda a: a + 2.5, lambda a: a + 2.5),
    OpCase("add number left", ONE, lambda a: 2.5 + a, lambda a: (1.0,),
           lambda a: 2.5 + a, lambda a: 2.5 + a),
    OpCase("sub", TWO, lambda a, b: a - b, lambda a, b: (1.0, -1.0),
           lambda a, b: a - b, lambda a, b: a - b),
    OpCase("sub number right", ONE, lambda a: a - 2.5, lambda a: (1.0,),
           lambda a: a - 2.5, lambda a: a - 2.5),
    OpCase("sub number left", ONE, lambda a: 2.5 - a, lambda a: (-1.0,),
           lambda a: 2.5 - a, lambda a: 2.5 - a),
    OpCase("mul", TWO, lambda a, b: a * b, lambda a, b: (b, a),
           lambda a, b: a * b, lambda a, b: a * b),
    OpCase("mul number right", ONE, lambda a: a * -1.5, lambda a: (-1.5,),
           lambda a: a * -1.5, lambda a: a * -1.5),
    OpCase("mul number left", ONE, lambda a: -1.5 * a, lambda a: (-1.5,),
           lambda a: -1.5 * a, lambda a: -1.5 * a),
    OpCase("div", TWO, lambda a, b: a / b, lambda a, b: (1.0 / b, -a / (b * b)),
           lambda a, b: a / b, lambda a, b: a / b),
    OpCase("div number right", ONE, lambda a: a / 3.0, lambda a: (1.0 / 3.0,),
           lambda a: a / 3.0, lambda a: a / 3.0),
    OpCase("div number left", ONE, lambda a: 3.0 / a, lambda a: (-3.0 / (a * a),),
           lambda a: 3.0 / a, lambda a: 3.0 / a),
    OpCase("neg", ONE, lambda a: -a, lambda a: (-1.0,), lambda a: -a, lambda a: -a),
    OpCase("abs", ONE, abs, lambda a: (math.copysign(1.0, a),), abs, torch.abs),
    # -- powers ----------------------------------------------------------------
    OpCase("pow 2", ONE, lambda a: a**2, lambda a: (2 * a,),
           lambda a: a**2, lambda a: a**2),
    OpCase("pow 3", ONE, lambda a: a**3, lambda a: (3 * a**2,),
           lambda a: a**3, lambda a: a**3),
    OpCase("pow -1", ONE, lambda a: a**-1, lambda a: (-(a**-2),),
           lambda a: a**-1, lambda a: a**-1),
    OpCase("pow -2", ONE, lambda a: a**-2, lambda a: (-2 * a**-3,),
           lambda a: a**-2, lambda a: a**-2),
    OpCase("pow 0.5", POSITIVE, math.sqrt, lambda a: (0.5 / math.sqrt(a),),
           lambda a: a**0.5, lambda a: a**0.5),
    OpCase("pow 1.5", POSITIVE, lambda a: a**1.5, lambda a: (1.5 * a**0.5,),
           lambda a: a**1.5, lambda a: a**1.5),
    OpCase("pow -1.5", POSITIVE, lambda a: a**-1.5, lambda a: (-1.5 * a**-2.5,),
           lambda a: a**-1.5, lambda a: a**-1.5),
    OpCase("pow value exponent", ((0.5, 2.0), (2.0, -1.5), (3.0, 0.5), (1.7, 3.3)),
           lambda a, b: a**b, lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
           lambda a, b: a**b, lambda a, b: a**b),
    OpCase("number base 2 ** v", ONE, lambda a: 2**a, lambda a: (2**a * math.log(2),),
           lambda a: 2**a, lambda a: 2**a),
    # -- elementary functions --------------------------------------------------
    OpCase("exp", ONE, math.exp, lambda a: (math.exp(a),), Value.exp, torch.exp),
    OpCase("log", POSITIVE, math.log, lambda a: (1.0 / a,), Value.log, torch.log),
    OpCase("sin", (*ONE, (math.pi / 2 + 0.25,), (-7.0,)), math.sin, lambda a: (math.cos(a),),
           Value.sin, torch.sin),
    OpCase("cos", (*ONE, (math.pi + 0.25,), (7.0,)), math.cos, lambda a: (-math.sin(a),),
           Value.cos, torch.cos),
    # -- activations -----------------------------------------------------------
    OpCase("tanh", ONE, math.tanh, lambda a: (1.0 - math.tanh(a) ** 2,),
           Value.tanh, torch.tanh),
    OpCase("sigmoid", ONE, sigmoid, lambda a: (sigmoid(a) * (1.0 - sigmoid(a)),),
           Value.sigmoid, torch.sigmoid),
    OpCase("relu", ONE, lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,),
           Value.relu, torch.relu),
    OpCase("leaky_relu", ONE, lambda a: a if a > 0 else 0.01 * a,
           lambda a: (1.0 if a > 0 else 0.01,), Value.leaky_relu, F.leaky_relu),
    OpCase("leaky_relu slope 0.2", ONE, lambda a: a if a > 0 else 0.2 * a,
           lambda a: (1.0 if a > 0 else 0.2,),
           lambda a: a.leaky_relu(0.2), lambda a: F.leaky_relu(a, 0.2)),
    OpCase("elu", ONE, lambda a: a if a > 0 else math.exp(a) - 1.0,
           lambda a: (1.0 if a > 0 else math.exp(a),), Value.elu, F.elu),
    OpCase("elu alpha 0.5", ONE, lambda a: a if a > 0 else 0.5 * (math.exp(a) - 1.0),
           lambda a: (1.0 if a > 0 else 0.5 * math.exp(a),),
           lambda a: a.elu(0.5), lambda a: F.elu(a, 0.5)),
    # PyTorch's softplus returns x itself above threshold=20, a cut-off the
    # engine does not make (it is exact everywhere). A huge threshold makes
    # PyTorch use log1p(exp(x)) at every point of this table, including 25.
    OpCase("softplus", (*ONE, (25.0,)), lambda a: math.log1p(math.exp(a)),
           lambda a: (sigmoid(a),), Value.softplus,
           lambda a: F.softplus(a, beta=1.0, threshold=1e6)),
    OpCase("silu", ONE, lambda a: a * sigmoid(a),
           lambda a: (sigmoid(a) * (1.0 + a * (1.0 - sigmoid(a))),), Value.silu, F.silu),
    OpCase("dsilu", ((-4.0,), (-1.0,), (0.0,), (0.7,), (3.0,)),
           lambda a: sigmoid(a) * (1.0 + a * (1.0 - sigmoid(a))),
           lambda a: (sigmoid(a) * (1.0 - sigmoid(a)) * (2.0 + a * (1.0 - 2.0 * sigmoid(a))),),
           Value.dsilu, torch_dsilu),
    OpCase("hard_sigmoid", ((-5.0,), (-2.9,), (-0.7,), (0.3,), (2.5,), (3.5,)),
           lambda a: min(1.0, max(0.0, a / 6.0 + 0.5)),
           lambda a: (1.0 / 6.0 if -3.0 < a < 3.0 else 0.0,),
           Value.hard_sigmoid, F.hardsigmoid,
           # PyTorch's CPU hardsigmoid backward multiplies by the float32
           # constant 1.0f / 6.0f, so its slope is 1/6 to 8 digits only.
           torch_grad_rel=1e-7),
    OpCase("step", ONE, lambda a: 0.0 if a < 0 else 1.0, lambda a: (0.0,),
           Value.step, torch_step),
    OpCase("sign", ONE, lambda a: -1.0 if a < 0 else 1.0, lambda a: (0.0,),
           Value.sign, torch.sign),
    # -- n-ary operations --------------------------------------------------------
    OpCase("maximum", THREE, max,
           lambda *xs: tuple(1.0 if x == max(xs) else 0.0 for x in xs),
           maximum, stack_max),
    OpCase("maximum with a number", TWO, lambda a, b: max(a, 0.1, b),
           lambda a, b: (1.0 if a > max(b, 0.1) else 0.0, 1.0 if b > max(a, 0.1) else 0.0),
           lambda a, b: maximum(a, 0.1, b),
           lambda a, b: stack_max(a, torch.tensor(0.1, dtype=torch.float64), b)),
    OpCase("sum_values", (*THREE, (1.0, 2.0, 3.0, 4.0)), lambda *xs: math.fsum(xs),
           lambda *xs: (1.0,) * len(xs),
           lambda *xs: sum_values(xs), lambda *xs: torch.stack(xs).sum()),
    OpCase("weighted_sum", ((0.5, -1.5, 2.0, 3.0, 0.25), (-2.0, 0.1, 1.5, -0.3, -1.0)),
           lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
           lambda w1, w2, x1, x2, b: (x1, x2, w1, w2, 1.0),
           lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b),
           lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b),
    OpCase("weighted_sum number inputs", ((0.5, -1.5, 0.25), (-2.0, 0.1, -1.0)),
           lambda w1, w2, b: w1 * 2.0 + w2 * -3.0 + b,
           lambda w1, w2, b: (2.0, -3.0, 1.0),
           lambda w1, w2, b: weighted_sum([w1, w2], [2.0, -3.0], b),
           lambda w1, w2, b: w1 * 2.0 + w2 * -3.0 + b),
)  # fmt: skip

CASES = [
    pytest.param(case, point, id=f"{case.name}-{','.join(map(str, point))}")
    for case in OPS
    for point in case.points
]


def assert_close(actual: float, expected: float, rel: float, what: str) -> None:
    """``actual`` equals ``expected`` up to the relative tolerance ``rel``."""
    assert actual == expected or math.isclose(actual, expected, rel_tol=rel, abs_tol=0.0), (
        f"{what}: got {actual!r}, expected {expected!r}"
    )


def engine_value_and_grads(case: OpCase, point: tuple[float, ...]) -> tuple[float, list[float]]:
    """Run ``case`` forward and backward on fresh leaves; its value and the leaves' grads."""
    leaves = [Value(x) for x in point]
    out = case.engine(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def torch_value_and_grads(case: OpCase, point: tuple[float, ...]) -> tuple[float, list[float]]:
    """The same with PyTorch float64 autograd; an input the result ignores has gradient 0."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = case.torch(*leaves)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def test_table_covers_every_operation() -> None:
    required = {
        "add", "sub", "mul", "div", "neg", "abs", "pow value exponent", "number base 2 ** v",
        "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus",
        "silu", "dsilu", "hard_sigmoid", "step", "sign", "maximum", "sum_values", "weighted_sum",
    }  # fmt: skip
    names = {case.name for case in OPS}
    assert required <= names, f"missing rows: {required - names}"
    for base in ("add", "sub", "mul", "div"):
        assert {f"{base} number left", f"{base} number right"} <= names


@pytest.mark.parametrize(("case", "point"), CASES)
def test_value_and_derivative_match_hand_formula(case: OpCase, point: tuple[float, ...]) -> None:
    value, grads = engine_value_and_grads(case, point)
    assert_close(value, case.value(*point), HAND_REL, f"{case.name} value")
    expected = case.derivative(*point)
    assert len(grads) == len(expected)
    for i, (grad, slope) in enumerate(zip(grads, expected, strict=True)):
        assert_close(grad, slope, HAND_REL, f"{case.name} d/dx{i}")


@pytest.mark.parametrize(("case", "point"), CASES)
def test_derivative_matches_central_difference(case: OpCase, point: tuple[float, ...]) -> None:
    _, grads = engine_value_and_grads(case, point)
    for i, grad in enumerate(grads):
        numeric = central_difference(case.engine, point, i)
        # eps = 1e-6: truncation error ~ eps^2 f''' and rounding ~ 1e-16 |f| / eps.
        assert math.isclose(grad, numeric, rel_tol=1e-6, abs_tol=1e-7), (
            f"{case.name} d/dx{i}: backward {grad!r}, central difference {numeric!r}"
        )
    assert gradcheck(case.engine, point) is True


@pytest.mark.parametrize(("case", "point"), CASES)
def test_matches_torch_float64(case: OpCase, point: tuple[float, ...]) -> None:
    value, grads = engine_value_and_grads(case, point)
    torch_value, torch_grads = torch_value_and_grads(case, point)
    assert_close(value, torch_value, TORCH_REL, f"{case.name} value vs torch")
    for i, (grad, torch_grad) in enumerate(zip(grads, torch_grads, strict=True)):
        assert_close(grad, torch_grad, case.torch_grad_rel, f"{case.name} d/dx{i} vs torch")


def test_numbers_become_constant_leaves() -> None:
    a = Value(2.0)
    for out, constant_position in ((a * 3, 1), (3 * a, 0), (a - 3, 1), (3 - a, 0)):
        constant = out.inputs[constant_position]
        assert constant.data == 3.0
        assert constant.inputs == () and constant.op == ""
        assert out.inputs[1 - constant_position] is a


def test_local_grads_are_recorded_per_input() -> None:
    a, b = Value(2.0), Value(-3.0)
    out = a / b
    assert out.op == "/"
    assert out.inputs == (a, b)
    assert out.local_grads[0] == 1.0 / -3.0
    assert math.isclose(out.local_grads[1], -2.0 / 9.0, rel_tol=1e-15)
    z = weighted_sum([a, b], [5.0, 7.0], 1.0)
    assert z.op == "w·x+b"
    assert z.data == 2.0 * 5.0 + -3.0 * 7.0 + 1.0
    assert z.local_grads == (5.0, 7.0, 2.0, -3.0, 1.0)


# -- kinks: the derivative PyTorch picks where there is none ------------------

KINKS = [
    # name, Value function, torch function, point, value, derivative there
    ("relu'(0) = 0", Value.relu, torch.relu, 0.0, 0.0, 0.0),
    ("abs'(0) = 0", abs, torch.abs, 0.0, 0.0, 0.0),
    ("leaky_relu'(0) = slope", Value.leaky_relu, F.leaky_relu, 0.0, 0.0, 0.01),
    ("leaky_relu(0.3)'(0) = 0.3", lambda v: v.leaky_relu(0.3),
     lambda t: F.leaky_relu(t, 0.3), 0.0, 0.0, 0.3),
    ("elu'(0) = alpha", Value.elu, F.elu, 0.0, 0.0, 1.0),
    ("elu(0.5)'(0) = 0.5", lambda v: v.elu(0.5), lambda t: F.elu(t, 0.5), 0.0, 0.0, 0.5),
    ("hard_sigmoid'(-3) = 0", Value.hard_sigmoid, F.hardsigmoid, -3.0, 0.0, 0.0),
    ("hard_sigmoid'(3) = 0", Value.hard_sigmoid, F.hardsigmoid, 3.0, 1.0, 0.0),
    ("step(0) = 1, step'(0) = 0", Value.step,
     lambda t: torch.heaviside(t.detach(), torch.tensor(1.0, dtype=torch.float64)), 0.0, 1.0, 0.0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "engine_fn", "torch_fn", "x", "value", "slope"), KINKS, ids=[k[0] for k in KINKS]
)
def test_kink_conventions_follow_pytorch(
    name: str,
    engine_fn: Callable[[Value], Value],
    torch_fn: Callable[[torch.Tensor], torch.Tensor],
    x: float,
    value: float,
    slope: float,
) -> None:
    leaf = Value(x)
    out = engine_fn(leaf)
    out.backward()
    assert (out.data, leaf.grad) == (value, slope)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch_fn(t)
    assert y.item() == value
    torch_slope = torch.autograd.grad(y, t)[0].item() if y.requires_grad else 0.0
    assert torch_slope == slope


def test_sign_step_at_zero_is_one_with_zero_gradient() -> None:
    # The worked examples define the sign step as -1 for x < 0, else 1, so
    # sign(0) = 1; torch.sign(0) is 0, the one place the two differ.
    leaf = Value(0.0)
    out = leaf.sign()
    out.backward()
    assert (out.data, leaf.grad) == (1.0, 0.0)
    assert Value(-0.0).sign().data == 1.0
    assert Value(-1e-300).sign().data == -1.0


def test_maximum_ties_share_the_gradient_like_torch_max() -> None:
    a, b, c = Value(2.0), Value(0.5), Value(2.0)
    out = maximum(a, b, c)
    out.backward()
    assert out.data == 2.0
    assert (a.grad, b.grad, c.grad) == (0.5, 0.0, 0.5)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (2.0, 0.5, 2.0)]
    stack_max(*ts).backward()
    assert [t.grad.item() for t in ts] == [0.5, 0.0, 0.5]


def test_maximum_three_way_tie_and_repeated_input() -> None:
    a, b = Value(1.0), Value(1.0)
    out = maximum(a, b, 1.0)  # three equal: 1/3 each, the number takes its share
    out.backward()
    assert a.grad == b.grad == 1.0 / 3.0
    a2 = Value(4.0)
    out2 = maximum(a2, a2, Value(-1.0))  # the same Value twice: its two shares add up
    out2.backward()
    assert a2.grad == 1.0
    t = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
    stack_max(t, t, torch.tensor(-1.0, dtype=torch.float64)).backward()
    assert t.grad.item() == 1.0


def test_maximum_accepts_one_list() -> None:
    a, b = Value(1.0), Value(3.0)
    assert maximum([a, b, 2.0]).data == 3.0
    assert maximum(a).data == 1.0


# -- stability at +-1000 --------------------------------------------------------

STABLE = [
    ("exp", Value.exp, torch.exp),
    ("tanh", Value.tanh, torch.tanh),
    ("sigmoid", Value.sigmoid, torch.sigmoid),
    ("relu", Value.relu, torch.relu),
    ("leaky_relu", Value.leaky_relu, F.leaky_relu),
    ("elu", Value.elu, F.elu),
    # At |x| = 1000 PyTorch's softplus cut-off (x itself above threshold=20)
    # is exact in float64: log1p(exp(-1000)) underflows to 0. So the default
    # torch softplus is the exact answer here; the exact formula is also
    # checked in test_softplus_far_out_is_exact.
    ("softplus", Value.softplus, F.softplus),
    ("silu", Value.silu, F.silu),
    ("dsilu", Value.dsilu, torch_dsilu),
    ("hard_sigmoid", Value.hard_sigmoid, F.hardsigmoid),
    ("step", Value.step, torch_step),
    ("sign", Value.sign, torch.sign),
]


@pytest.mark.parametrize("x", [-1000.0, 1000.0])
@pytest.mark.parametrize(("name", "engine_fn", "torch_fn"), STABLE, ids=[row[0] for row in STABLE])
def test_activations_are_stable_far_out(
    name: str,
    engine_fn: Callable[[Value], Value],
    torch_fn: Callable[[torch.Tensor], torch.Tensor],
    x: float,
) -> None:
    leaf = Value(x)
    out = engine_fn(leaf)  # no OverflowError
    out.backward()
    assert not math.isnan(out.data) and not math.isnan(leaf.grad)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch_fn(t)
    (slope,) = torch.autograd.grad(y, t, allow_unused=True)
    assert out.data == y.item()
    assert leaf.grad == (0.0 if slope is None else slope.item())


def test_exp_overflows_to_inf_like_torch() -> None:
    leaf = Value(1000.0)
    out = leaf.exp()
    out.backward()
    assert out.data == math.inf and leaf.grad == math.inf
    assert torch.exp(torch.tensor(1000.0, dtype=torch.float64)).item() == math.inf
    assert Value(-1000.0).exp().data == 0.0


def test_softplus_far_out_is_exact() -> None:
    # softplus(x) = max(x, 0) + log1p(exp(-|x|)): exactly x and 0 at +-1000.
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(40.0).softplus().data == 40.0 + math.log1p(math.exp(-40.0))


def test_sigmoid_far_out_keeps_relative_accuracy() -> None:
    # 1 - sigmoid(x) computed as sigmoid(-x): no cancellation for large x.
    leaf = Value(40.0)
    leaf.sigmoid().backward()
    exact = math.exp(-40.0) / (1.0 + math.exp(-40.0)) ** 2
    assert math.isclose(leaf.grad, exact, rel_tol=1e-14)


def test_sum_values_overflows_to_inf_like_torch() -> None:
    # math.fsum raises on an intermediate overflow and on inf - inf; the
    # engine gives what float addition (and torch.sum) gives instead.
    big = [Value(1e308), Value(1e308), Value(-1.0)]
    assert sum_values(big).data == math.inf
    assert torch.tensor([1e308, 1e308, -1.0], dtype=torch.float64).sum().item() == math.inf
    assert math.isnan(sum_values([Value(math.inf), Value(-math.inf)]).data)
    assert sum_values([Value(math.inf), 1.0]).data == math.inf
    # and fsum (one rounding of the exact sum) wherever it applies
    assert sum_values([0.1, 0.2, -0.3]).data == math.fsum([0.1, 0.2, -0.3])


@pytest.mark.parametrize("b", [1e-200, -1e-200, 5e-324])
def test_division_by_a_tiny_number_overflows_like_torch(b: float) -> None:
    # the local derivative -a / b^2 must not compute b * b, which is 0.0 here
    for numerator in (Value(1.0), 1.0):
        denominator = Value(b)
        out = numerator / denominator
        out.backward()
        t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        y = 1.0 / t
        y.backward()
        assert out.data == y.item()
        assert denominator.grad == t.grad.item() == -math.inf


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_maximum_with_nan_is_nan_like_torch(order: tuple[int, ...]) -> None:
    # Python's max(nan, 1.0) is nan but max(1.0, nan) is 1.0; torch.max (and
    # the engine) give nan whatever the order, and send the gradient to the NaN.
    data = [math.nan, 1.0, 3.0]
    leaves = [Value(data[i]) for i in order]
    out = maximum(*leaves)
    out.backward()
    ts = [torch.tensor(data[i], dtype=torch.float64, requires_grad=True) for i in order]
    y = stack_max(*ts)
    y.backward()
    assert math.isnan(out.data) and math.isnan(y.item())
    assert [leaf.grad for leaf in leaves] == [t.grad.item() for t in ts]
    assert sorted(leaf.grad for leaf in leaves) == [0.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("name", "engine_fn", "torch_fn"),
    [("relu", Value.relu, torch.relu), ("leaky_relu", Value.leaky_relu, F.leaky_relu),
     ("elu", Value.elu, F.elu), ("hard_sigmoid", Value.hard_sigmoid, F.hardsigmoid),
     ("abs", abs, torch.abs), ("tanh", Value.tanh, torch.tanh)],
)  # fmt: skip
def test_nan_passes_through_like_torch(name: str, engine_fn, torch_fn) -> None:
    # a diverged value must stay visible: relu(nan) is nan, not a silent 0
    out = engine_fn(Value(math.nan))
    assert math.isnan(out.data)
    assert math.isnan(torch_fn(torch.tensor(math.nan, dtype=torch.float64)).item())


def test_steps_of_nan_are_nan() -> None:
    # the texts define step and sign by "x < 0 or not"; NaN is neither, so it stays NaN
    for out in (Value(math.nan).step(), Value(math.nan).sign()):
        assert math.isnan(out.data)
        assert out.local_grads == (0.0,)


# -- NaN: what PyTorch gives, never an error -------------------------------------------

#: torch.sign(nan) is 0; the engine's steps keep a NaN visible (test_steps_of_nan_are_nan).
NAN_DIFFERS_FROM_TORCH = {"step", "sign"}

NAN_CASES = [
    pytest.param(case, position, id=f"{case.name}-nan-at-{position}")
    for case in OPS
    if case.name not in NAN_DIFFERS_FROM_TORCH
    for position in range(len(case.points[0]))
]


def same_float(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN."""
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(("case", "position"), NAN_CASES)
def test_a_nan_input_gives_pytorchs_value_and_gradients(case: OpCase, position: int) -> None:
    # a diverged number flows on as NaN, with PyTorch's local derivatives: e.g.
    # Value(nan) ** Value(2) is nan (not "needs a positive base"), the gradient of
    # hard_sigmoid at nan is 0 and that of elu is 1 (PyTorch's tests x > -3, x <= 0 fail)
    point = list(case.points[0])
    point[position] = math.nan
    value, grads = engine_value_and_grads(case, tuple(point))
    torch_value, torch_grads = torch_value_and_grads(case, tuple(point))
    assert same_float(value, torch_value), (value, torch_value)
    for i, (grad, torch_grad) in enumerate(zip(grads, torch_grads, strict=True)):
        assert same_float(grad, torch_grad), f"d/dx{i}: {grad!r} vs torch {torch_grad!r}"


@pytest.mark.parametrize(("base", "exponent"), [(math.nan, 0.0), (1.0, math.nan), (0.0, math.nan)])
def test_powers_with_nan_follow_float_arithmetic_like_torch(base: float, exponent: float) -> None:
    # nan ** 0 = 1 ** nan = 1 in IEEE arithmetic, Python and PyTorch alike
    a, b = Value(base), Value(exponent)
    out = a**b
    out.backward()
    ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (base, exponent))
    y = ta**tb
    ga, gb = torch.autograd.grad(y, [ta, tb])
    assert same_float(out.data, y.item())
    assert same_float(a.grad, ga.item()) and same_float(b.grad, gb.item())
    assert same_float((Value(base) ** exponent).data, base**exponent)


@pytest.mark.parametrize("name", ["sin", "cos"])
@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_sin_and_cos_of_infinity_are_nan_like_torch(name: str, x: float) -> None:
    leaf = Value(x)
    out = getattr(leaf, name)()  # math.sin(inf) would raise ValueError
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = getattr(torch, name)(t)
    (slope,) = torch.autograd.grad(y, t)
    assert math.isnan(out.data) and math.isnan(y.item())
    assert math.isnan(leaf.grad) and math.isnan(slope.item())
    assert out.op == name and out.inputs == (leaf,)


def test_repr_shows_data_grad_and_a_label_only_when_there_is_one() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    v = Value(-1.5, label="w1")
    v.grad = 0.25
    assert repr(v) == "Value(data=-1.5, grad=0.25, label='w1')"


@pytest.mark.parametrize(
    "expression, op",
    [
        ("x + y", "+"),
        ("x - y", "-"),
        ("x * y", "*"),
        ("x / y", "/"),
        ("-x", "neg"),
        ("abs(x)", "abs"),
        ("abs(-x)", "abs"),
        ("x ** 2", "**2"),
        ("x ** 0.5", "**0.5"),
        ("x ** Fraction(1, 2)", "**0.5"),  # an exponent not an int is named as its float
        ("x ** y", "**"),
        ("2 ** x", "**"),
        ("x.exp()", "exp"),
        ("x.log()", "log"),
        ("x.tanh()", "tanh"),
        ("x.sigmoid()", "sigmoid"),
        ("(-x).sigmoid()", "sigmoid"),
        ("x.relu()", "relu"),
        ("(-x).relu()", "relu"),
        ("x.leaky_relu()", "leaky_relu"),
        ("(-x).leaky_relu()", "leaky_relu"),
        ("x.elu()", "elu"),
        ("(-x).elu()", "elu"),
        ("x.softplus()", "softplus"),
        ("x.silu()", "silu"),
        ("x.dsilu()", "dsilu"),
        ("x.hard_sigmoid()", "hard_sigmoid"),
        ("(x * -20).hard_sigmoid()", "hard_sigmoid"),
        ("(x * 20).hard_sigmoid()", "hard_sigmoid"),
        ("x.step()", "step"),
        ("x.sign()", "sign"),
        ("maximum(x, y)", "max"),
        ("sum_values([x, y])", "sum"),
        ("weighted_sum([x], [y])", "w·x+b"),
    ],
)
def test_every_op_names_itself_for_the_pictures(expression: str, op: str) -> None:
    """The op name is what draw() writes in the op's ellipse and what a step prints."""
    names = {"x": Value(0.5), "y": Value(2.0), "maximum": maximum, "sum_values": sum_values}
    result = eval(expression, {**names, "weighted_sum": weighted_sum, "Fraction": Fraction})
    assert result.op == op


def test_slopes_and_alphas_may_be_ints_and_maximum_takes_one_number_or_a_list() -> None:
    assert Value(-2.0).leaky_relu(1).data == -2.0
    assert Value(-2.0).leaky_relu(0.5).data == -1.0
    elu = Value(-1.0).elu(2)
    elu.backward()
    assert elu.data == 2 * math.expm1(-1.0) and elu.inputs[0].grad == 2 * math.exp(-1.0)
    assert maximum(3.0).data == 3.0 and maximum(Value(2.0)).data == 2.0
    assert maximum([1, 5, 2]).data == 5.0
