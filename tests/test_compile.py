"""engine.compile: the compiled step is the eager step, bit for bit; it refuses what it cannot.

* **every operation's rule** (``engine.templates``) against the operation itself,
  on numbers that include both zeros, the infinities, NaN, the kinks and the
  overflow edges: value, local derivatives and errors, bit for bit. The
  operations are found in ``engine.value`` (every function that calls
  ``_from_op``), so a new operation without a rule fails here;
* **whole steps** against the issue's eager code, verbatim: random MLPs with
  every activation, every loss, both reductions, with and without ``extra``, at
  the first step and on trained weights (dead ReLUs, zero hinge terms), the
  gradients accumulating onto non-zero ones;
* ``fit(compile=True)`` against ``fit()``: the same History and weights;
* refusals, errors, the generated source, and no garbage collection in a step.

"Bit for bit" is ``struct.pack``: -0.0 differs from 0.0. Only NaNs are all alike: CPython
itself gives ``nan * nan`` either sign, depending on whether it has specialised that
instruction yet (after 8 runs), so a NaN's sign and payload are not reproducible even
between two eager runs.
"""

from __future__ import annotations

import functools
import gc
import itertools
import linecache
import math
import os
import random
import re
import struct
import sys
import warnings
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import engine.value
from engine import (
    CompileError,
    Value,
    custom_op,
    maximum,
    no_grad,
    sum_values,
    topological_order,
    weighted_sums,
)
from engine.templates import (
    NAMESPACE,
    RULES,
    TERMS_PER_STATEMENT,
    Names,
    _wrapped,
    number,
    parameter,
)
from engine.tracing import run_traced
from engine.value import _value_power
from nn import MLP, Layer, fit, make_moons, to_signed_labels
from nn.activations import ACTIVATIONS
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mae,
    mse,
    sse,
)
from nn.modules import Maxout, Sequential
from nn.train import NonFiniteLossError

# engine.compile traces the engine's own functions by identity; under mutmut every one of
# them is wrapped in a trampoline, so these tests cannot run there (see tests/MUTATION.md).
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MUTANT_UNDER_TEST")),
    reason="engine.compile cannot trace mutmut's trampolines",
)

inf, nan = math.inf, math.nan


def bits(x: float) -> str:
    """A float's exact bits (-0.0 is not 0.0); ``"nan"`` for every NaN (see the docstring)."""
    return "nan" if math.isnan(x) else struct.pack("<d", x).hex()


# -- every operation's rule against the operation -------------------------------------

SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, -3.0, 6.0, 1e-300, -5e-324, 1e300, -1e300)
SPECIAL += (710.0, -746.0, inf, -inf, nan)
FEW = (0.0, -0.0, 1.0, -2.5, 0.5, 3.0, 1e-300, 1e300, inf, -inf, nan)
PAIRS = tuple(itertools.product(FEW, FEW))
ONES = tuple((x,) for x in SPECIAL)


def _weighted(k: int) -> Callable[..., Value]:
    def build(*v: Value) -> Value:
        return weighted_sums([v[:k]], v[k : 2 * k], [v[-1]], validate=False)[0]

    return build


def _rows(k: int, count: int, seed: int) -> tuple[tuple[float, ...], ...]:
    rng = random.Random(seed)
    rows = [tuple(rng.choice(FEW[:6]) * rng.uniform(-3, 3) for _ in range(2 * k + 1))]
    rows += [tuple(rng.uniform(-2, 2) for _ in range(2 * k + 1)) for _ in range(count)]
    rows += [tuple(rng.choice(FEW) for _ in range(2 * k + 1)) for _ in range(count)]
    return tuple(rows)


#: (the engine function that makes the node, a name, the node from Values that are exactly its
#: inputs, the points): every operation, and each parameter its op name records.
RULE_CASES: list[tuple[Callable[..., object], str, Callable[..., Value], tuple]] = [
    (Value.__add__, "a + b", lambda a, b: a + b, PAIRS),
    (Value.__sub__, "a - b", lambda a, b: a - b, PAIRS),
    (Value.__mul__, "a * b", lambda a, b: a * b, PAIRS),
    (Value.__truediv__, "a / b", lambda a, b: a / b, PAIRS),
    (Value.__neg__, "-a", lambda a: -a, ONES),
    (Value.__abs__, "abs", abs, ONES),
    *(
        (Value.__pow__, f"a ** {n!r}", lambda a, n=n: a**n, ONES)
        for n in (2, 3, 0, 1, -1, -2, 0.5, 1.5, -1.5, 1e-300, Fraction(1, 3), np.float32(0.1), True)
    ),
    (_value_power, "a ** b", lambda a, b: a**b, PAIRS),
    (Value.exp, "exp", Value.exp, ONES),
    (Value.log, "log", Value.log, ONES),
    (Value.sin, "sin", Value.sin, ONES),
    (Value.cos, "cos", Value.cos, ONES),
    (Value.tanh, "tanh", Value.tanh, ONES),
    (Value.sigmoid, "sigmoid", Value.sigmoid, ONES),
    (Value.relu, "relu", Value.relu, ONES),
    *(
        (Value.leaky_relu, f"leaky_relu({s!r})", lambda a, s=s: a.leaky_relu(s), ONES)
        for s in (0.01, 0.2, -0.5, 0.0, -0.0, 1e300, inf, nan)
    ),
    *((Value.elu, f"elu({s!r})", lambda a, s=s: a.elu(s), ONES) for s in (1.0, 0.5, -2.0, inf)),
    (Value.softplus, "softplus", Value.softplus, ONES),
    (Value.silu, "silu", Value.silu, ONES),
    (Value.dsilu, "dsilu", Value.dsilu, ONES),
    (Value.hard_sigmoid, "hard_sigmoid", Value.hard_sigmoid, ONES),
    (Value.step, "step", Value.step, ONES),
    (Value.sign, "sign", Value.sign, ONES),
    (maximum, "max of 1", maximum, ONES),
    (maximum, "max of 2", maximum, PAIRS),
    (maximum, "max of 3", maximum, ((1.0, 1.0, 0.0), (nan, 1.0, 2.0), (2.0, nan, 2.0))),
    (maximum, "max of 3 zeros", maximum, ((-0.0, 0.0, -0.0), (0.0, -0.0, 0.0), (-inf, -inf, -inf))),
    (sum_values, "sum of 2", lambda *v: sum_values(v), PAIRS),
    (
        sum_values,
        "sum of many",
        lambda *v: sum_values(v),
        ((1e308, 1e308), (inf, -inf, 1.0), (-0.0, -0.0), (0.1,) * 10, (1e100, 1.0, -1e100), (5.0,)),
    ),
    (weighted_sums, "w.x+b, 0 inputs", _weighted(0), ((0.5,), (-0.0,), (nan,))),
    (weighted_sums, "w.x+b, 1 input", _weighted(1), _rows(1, 6, 1)),
    (weighted_sums, "w.x+b, 3 inputs", _weighted(3), _rows(3, 6, 2)),
    (weighted_sums, "w.x+b, many inputs", _weighted(TERMS_PER_STATEMENT + 9), _rows(41, 4, 3)),
]


def _operations_of_engine_value() -> set[Callable[..., object]]:
    """Every function of ``engine.value`` (module-level or a method of Value) that makes nodes."""
    found = set()
    for item in [*vars(engine.value).values(), *vars(Value).values()]:
        code = getattr(item, "__code__", None)
        if code is not None and "_from_op" in code.co_names:
            found.add(item)
    return found


def test_every_operation_of_the_engine_has_a_rule_and_a_row_in_the_table() -> None:
    operations = _operations_of_engine_value()
    assert operations == set(RULES) | {custom_op}, "an operation needs a rule in engine.templates"
    assert {function for function, *_ in RULE_CASES} == set(RULES)


def _names(inputs: int, op: str) -> Names:
    """A node's names for a rule's code: ``out`` from ``a0``, ``a1``, ..., bounded by ``A0``, ..."""
    return Names("out", tuple(f"a{i}" for i in range(inputs)), "d", op, _bounds(inputs))


def _bounds(inputs: int) -> tuple[str, ...]:
    return tuple(f"A{i}" for i in range(inputs))


def _compiled_node(node: Value, function: Callable[..., object]) -> tuple[float, list[float]]:
    """The rule's forward code and derivatives, run on the numbers of ``node``'s inputs."""
    names = _names(len(node._inputs), node._op)
    rule = RULES[function](names)
    namespace = dict(NAMESPACE, **{f"a{i}": u.data for i, u in enumerate(node._inputs)})
    exec("\n".join(rule.forward), namespace)
    return namespace["out"], [eval(d.code, namespace) for d in rule.derivatives]


@pytest.mark.parametrize(
    ("function", "build", "points"),
    [(f, b, p) for f, _, b, p in RULE_CASES],
    ids=[name for _, name, _, _ in RULE_CASES],
)
def test_a_rule_computes_its_operation_bit_for_bit(function, build, points) -> None:
    checked = 0
    for point in points:
        op = build(*[Value(1.0)] * len(point))._op  # the op name, with any parameter it records
        names = _names(len(point), op)
        try:
            node, record = run_traced(build, *[Value(x) for x in point])
        except (ArithmeticError, ValueError) as error:  # the rule raises the same type
            namespace = dict(NAMESPACE, **{f"a{i}": x for i, x in enumerate(point)})
            with pytest.raises(type(error)):
                exec("\n".join(RULES[function](names).forward), namespace)
            continue
        assert record.made_by[node] is function, "the trace names the function that made it"
        value, derivatives = _compiled_node(node, function)
        assert bits(value) == bits(node.data), (point, value, node.data)
        assert [bits(d) for d in derivatives] == [bits(d) for d in node._local_grads], point
        rule = RULES[function](names)
        for derivative, local in zip(rule.derivatives, derivatives, strict=True):
            assert math.isfinite(local) or not derivative.finite, "finite means finite"
        assert not (rule.nonnegative and value < 0), "nonnegative means never below 0"
        checked += 1
    assert checked >= len(points) // 3  # most points are numbers the operation accepts


@pytest.mark.parametrize(
    ("function", "build", "points"),
    [(f, b, p) for f, _, b, p in RULE_CASES],
    ids=[name for _, name, _, _ in RULE_CASES],
)
def test_a_rules_title_in_the_comments_is_its_op_name(function, build, points) -> None:
    """What the generated code's comments call an operation is what ``engine.draw`` calls it."""
    op = build(*[Value(1.0)] * len(points[0]))._op
    title = RULES[function](_names(len(points[0]), op)).title
    if function is Value.__pow__:  # the exponent as the float the code uses: **2 is **2.0
        assert title == f"**{number(float(op[2:]))}"
    else:
        assert title == op


@pytest.mark.skipif(engine.templates.SUM_COMPENSATES, reason="the sum() form is the usual one")
@pytest.mark.parametrize(
    ("function", "build", "points"),
    [(f, b, p) for f, name, b, p in RULE_CASES if name.startswith("w.x+b")],
    ids=[name for _, name, _, _ in RULE_CASES if name.startswith("w.x+b")],
)
def test_the_sum_form_of_w_x_plus_b_is_exact_where_sum_adds_from_left_to_right(
    function, build, points, monkeypatch
) -> None:
    """From Python 3.12 the rule calls ``sum()``, as ``weighted_sums`` does; before, ``sum()``
    adds from left to right, so that form must give the same bits too: tested here."""
    monkeypatch.setattr(engine.templates, "SUM_COMPENSATES", True)
    test_a_rule_computes_its_operation_bit_for_bit(function, build, points)
    inputs = len(points[0])
    forward = "\n".join(RULES[function](_names(inputs, "w·x+b")).forward)
    assert ("sum((" in forward) == (inputs > 1)


# -- every rule's bound -------------------------------------------------------------------


def _no_bound_by_design(function: Callable[..., object], op: str) -> bool:
    """The operations with no bound: a varying divisor, ``log``, ``a ** b``, ``a ** n`` for n < 1.

    (Near 0, a quotient, a log, or the derivative of $a^n$ for $n < 1$, grows without limit.)
    """
    if function is Value.__pow__:
        return not 1.0 <= float(op[2:]) < inf
    return function in (Value.__truediv__, Value.log, _value_power)


#: Bounds on an input's size: small, large, tiny, zero and infinite.
SIZES = st.one_of(
    st.sampled_from([0.0, 1.0, 3.0, 6.0, 1e-300, 1e300, inf]),
    st.floats(0.0, 10.0),
    st.floats(0.0, 1e200),
)


def within(bound: float) -> st.SearchStrategy[float]:
    """Numbers at most ``bound`` in size, both ends included; any float for an infinite bound."""
    return st.floats() if bound == inf else st.floats(-bound, bound)


def assert_bounded(bound: float, x: float) -> None:
    """A bound is a size (or NaN); where it is finite, ``x`` is a number no larger than it."""
    assert not bound < 0.0
    if bound < inf:
        assert not math.isnan(x) and abs(x) <= bound, (x, bound)


def assert_rule_bounds(rule, bounds: list[float], node: Value) -> None:
    """The rule's bound statements, run on ``bounds``, bound ``node``'s value and derivatives."""
    namespace = dict(NAMESPACE, **{f"A{i}": b for i, b in enumerate(bounds)})
    exec("\n".join(rule.bound), namespace)
    assert_bounded(namespace["bout"], node.data)
    for derivative, local in zip(rule.derivatives, node._local_grads, strict=True):
        if not derivative.finite:  # a derivative the compiled code checks needs a bound
            assert derivative.bound is not None
            assert_bounded(eval(derivative.bound, namespace), local)


@pytest.mark.parametrize(
    ("function", "build", "points"),
    [(f, b, p) for f, _, b, p in RULE_CASES],
    ids=[name for _, name, _, _ in RULE_CASES],
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_rules_bound_bounds_its_value_and_derivatives(function, build, points, data) -> None:
    arity = len(points[0])
    op = build(*[Value(1.0)] * arity)._op
    rule = RULES[function](_names(arity, op))
    assert (rule.bound is None) == _no_bound_by_design(function, op)
    if rule.bound is None:
        return
    bounds = [data.draw(SIZES) for _ in range(arity)]
    point = [data.draw(within(b)) for b in bounds]
    try:
        node = build(*[Value(x) for x in point])
    except (ArithmeticError, ValueError):  # outside the operation's domain: it raises
        return
    assert_rule_bounds(rule, bounds, node)


@settings(max_examples=200, deadline=None)
@given(c=st.floats().filter(bool), size=SIZES, data=st.data())
def test_dividing_by_a_number_is_bounded_by_the_number(c: float, size: float, data) -> None:
    names = Names("out", ("a0", number(c)), "d", "/", ("A0", number(abs(c))))
    rule = RULES[Value.__truediv__](names)
    assert rule.bound is not None  # (by a name, a varying number: none, as the table test shows)
    assert_rule_bounds(rule, [size], Value(data.draw(within(size))) / c)


def careful_of(step: engine.CompiledStep, X: list, Y: list) -> bool | None:
    """Run ``step(X, Y)``: whether its bound pass left it ``careful`` (``None``: no bound pass)."""
    return compiled_locals(step, X, Y).get("careful")


def compiled_locals(step: engine.CompiledStep, X: list, Y: list) -> dict[str, object]:
    """Run ``step(X, Y)``: the generated function's variables as it returns."""
    seen: list[dict[str, object]] = []

    def profile(frame, event: str, arg: object) -> None:
        if event == "return" and frame.f_code.co_name == "compiled_step":
            seen.append(dict(frame.f_locals))

    sys.setprofile(profile)
    try:
        step(X, Y)
    finally:
        sys.setprofile(None)
    return seen[-1]  # (the first call also checks the traced example: that comes first)


BOUNDED_STEPS: dict[str, tuple[engine.CompiledStep, MLP]] = {}


def bounded_step(activation: str) -> tuple[engine.CompiledStep, MLP]:
    """A 3-input MLP with ``activation`` and an mse loss plus an exp term, compiled (once)."""
    if activation not in BOUNDED_STEPS:
        act = activation
        if "(" in activation:
            name, parameter = activation[:-1].split("(")
            act = lambda z, name=name, s=float(parameter): getattr(z, name)(s)  # noqa: E731
        model = MLP(3, [4, 1], activation=act, seed=len(activation))
        step = engine.compile(
            lambda x, y: mse(model(x), y) + 0.5 * (model(x) * 0.25).exp(), model.parameters()
        )
        BOUNDED_STEPS[activation] = step, model
    return BOUNDED_STEPS[activation]


@pytest.mark.parametrize("activation", [*ACTIVATIONS, "leaky_relu(2.5)", "elu(-3.0)"])
@settings(max_examples=20, deadline=None)
@given(
    x=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3),
    y=st.floats(-10.0, 10.0),
    scale=st.sampled_from([1e-3, 1.0, 1e2]),
)
def test_every_value_of_an_example_is_within_its_bound(activation, x, y, scale) -> None:
    step, model = bounded_step(activation)
    for p in model.parameters():
        p.grad = 0.0
    variables = compiled_locals(step, [[v * scale for v in x]], [y])
    assert variables["careful"] is not None  # the code has a bound pass
    bounded = [name for name in variables if name.startswith("bv")]
    assert len(bounded) >= 8  # both layers' w·x+b and activations, and the loss's nodes
    for name in bounded:  # the batch is one example: its values are the function's last
        assert_bounded(variables[name], variables[name[1:]])


def test_an_ordinary_batch_is_checked_once_per_step_not_per_example() -> None:
    model, X, y = trained_hinge_model()
    step = engine.compile(lambda x, t: (1 - t * model(x)).relu(), model.parameters())
    assert careful_of(step, X, y) is False
    assert "if careful:" in step.source and "bx = hypot(*chain(*X))" in step.source


def test_labels_that_are_lists_are_bounded_by_all_their_numbers() -> None:
    w = Value(0.5)

    def per_example(x: list[Value], t: list[Value]) -> Value:
        return (w * x[0] - t[0]) ** 2 + w * t[1]  # d/dw of w * t1 is t1: bounded by by

    X, Y = [[1.0], [-2.0], [0.5]], [[1.0, -3.0], [0.0, 2.0], [0.5, 0.25]]
    step = assert_same_as_eager(per_example, [w], X, Y)
    assert "by = hypot(*chain(*Y))" in step.source
    assert careful_of(step, X, Y) is False


def test_where_a_bound_is_too_large_each_example_is_checked_and_runs_the_fast_path() -> None:
    w = Value(0.5)

    def per_example(x: list[Value], y: Value) -> Value:
        return w * (x[0] + x[1]) + w * y  # x0 + x1 is bounded by 2 bx, but here it is small

    X, Y = [[1e151, -1e151], [3e150, -3e150], [0.5, 0.25]], [1.0, 2.0, 3.0]
    step = engine.compile(per_example, [w])
    step.trace(X, Y)
    step._eager = None  # the fast path only: a call of the eager step would fail
    assert careful_of(step, X, Y) is True  # (2 bx)^2 is above 1e300, but each example passes
    del step._eager
    assert_same_as_eager(per_example, [w], X, Y, step=step)
    X[1] = [3e150, 3e150]  # now an example's own check fails too: the step runs eagerly
    assert_same_as_eager(per_example, [w], X, Y, step=step)


@pytest.mark.parametrize("bad", [nan, inf, -inf])
def test_an_input_that_is_nan_or_infinite_gives_what_eager_gives(bad: float) -> None:
    model = MLP(2, [4, 1], seed=3)
    per_example = lambda x, y: mse(model(x), y)  # noqa: E731
    X, Y = points(4, 2, 5), [0.5, -0.5, 1.0, 0.0]
    step = assert_same_as_eager(per_example, model.parameters(), X, Y)
    X[2][1] = bad  # bx is not finite: careful, and that example's check sends the step eagerly
    assert_same_as_eager(per_example, model.parameters(), X, Y, step=step)


# -- whole steps against the eager code ------------------------------------------


def eager_step(per_example, params, X, Y, reduce="mean", extra=None) -> float:
    """The issue's definition of a step, verbatim."""
    L = sum_values([per_example([Value(v) for v in x], _label(y)) for x, y in zip(X, Y)])
    if reduce == "mean":
        L = L / len(X)
    if extra is not None:
        L = L + extra()
    L.backward()
    return L.data


def _label(y):
    return [Value(v) for v in y] if isinstance(y, (list, tuple)) else Value(y)


def assert_same_as_eager(per_example, params, X, Y, reduce="mean", extra=None, step=None):
    """One step, eager and compiled, from the same gradients (not zero): the same bits, or fail."""
    start = [0.25 * (i % 7) - 0.5 for i in range(len(params))]
    for p, g in zip(params, start):
        p.grad = g
    eager_loss = eager_step(per_example, params, X, Y, reduce, extra)
    eager = [bits(p.grad) for p in params]
    for p, g in zip(params, start):
        p.grad = g
    step = step or engine.compile(per_example, params, reduce=reduce, extra=extra)
    loss = step(X, Y)
    assert bits(loss) == bits(eager_loss)
    assert [bits(p.grad) for p in params] == eager
    assert any(g != bits(s) for g, s in zip(eager, start))  # the step moved some gradient
    return step


def points(n: int, width: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(width)] for _ in range(n)]


@pytest.mark.parametrize("activation", [*ACTIVATIONS, "leaky_relu(0.2)", "elu(0.5)"])
def test_random_mlps_with_every_activation(activation: str) -> None:
    act = activation
    if "(" in activation:
        name, parameter = activation[:-1].split("(")
        act = lambda z, name=name, s=float(parameter): getattr(z, name)(s)  # noqa: E731
    model = MLP(3, [5, 4, 1], activation=act, seed=len(activation))
    X, Y = points(12, 3, 1), [random.Random(k).uniform(-1, 1) for k in range(12)]
    per_example = lambda x, y: mse(model(x), y)  # noqa: E731
    step = assert_same_as_eager(per_example, model.parameters(), X, Y)
    for p in model.parameters():  # other weights: the same program, the same bits
        p.data *= -1.5
    assert_same_as_eager(per_example, model.parameters(), X, Y, step=step)


def l2(params):
    return lambda: 1e-3 * sum_values([p * p for p in params])


@pytest.mark.parametrize("reduce", ["mean", "sum"])
@pytest.mark.parametrize(
    "loss",
    ["mse", "sse", "mae", "hinge", "hinge by hand", "logits", "cross_entropy", "log-cosh"],
)
def test_every_loss_both_reductions_with_and_without_extra(loss: str, reduce: str) -> None:
    X, rng = points(10, 2, 2), random.Random(5)
    outputs = 3 if loss == "cross_entropy" else 1
    model = MLP(2, [6, outputs], seed=3)
    params = model.parameters()
    per_example = {
        "mse": lambda x, y: mse(model(x), y),
        "sse": lambda x, y: sse(model(x), y),
        "mae": lambda x, y: mae(model(x), y),
        "hinge": lambda x, y: hinge(model(x), y),  # reads the label: a program per label
        "hinge by hand": lambda x, y: (1 - y * model(x)).relu(),
        "logits": lambda x, y: binary_cross_entropy_with_logits(model(x), y),
        "cross_entropy": lambda x, y: cross_entropy(model(x), int(y.data)),
        "log-cosh": lambda x, y: ((model(x) - y).exp() + (y - model(x)).exp()).log(),
    }[loss]
    if loss == "cross_entropy":
        Y = [rng.randrange(3) for _ in X]
    elif loss in ("hinge", "hinge by hand"):
        Y = [rng.choice((-1, 1)) for _ in X]
    elif loss == "logits":
        Y = [rng.choice((0.0, 1.0)) for _ in X]
    else:
        Y = [rng.uniform(-1, 1) for _ in X]
    for extra in (None, l2(params)):
        step = assert_same_as_eager(per_example, params, X, Y, reduce, extra)
        reads_label = loss in ("hinge", "logits", "cross_entropy")
        assert ("key ==" in step.source) is reads_label


def trained_hinge_model() -> tuple[MLP, list, list]:
    """A ReLU MLP trained eagerly on moons: most hinge terms 0, several ReLUs dead."""
    X, y = make_moons(40, noise=0.1, seed=4)
    y = to_signed_labels(y)
    model = MLP(2, [8, 8, 1], seed=2)
    fit(model, X, y, loss="hinge", epochs=60, lr=0.5, progress=False, seed=0, compile=True)
    return model, X, y


def test_trained_weights_dead_relus_and_zero_hinge_terms_change_no_bit() -> None:
    model, X, y = trained_hinge_model()
    margins = [1 - t * model(x).data for x, t in zip(X, y)]
    assert sum(m <= 0 for m in margins) > len(X) // 2  # the skip is exercised
    params = model.parameters()
    per_example = lambda x, t: (1 - t * model(x)).relu()  # noqa: E731
    step = assert_same_as_eager(per_example, params, X, y, "mean", l2(params))
    assert "continue" in step.source  # a zero gradient at the hinge skips the whole example


def test_maxout_softmax_layer_and_list_labels() -> None:
    model = Sequential(Maxout(2, 4, seed=1), Layer(4, 3, activation="softmax", seed=2))
    X = points(9, 2, 7)
    Y = [[1.0 if i == k % 3 else 0.0 for i in range(3)] for k in range(9)]
    step = assert_same_as_eager(lambda x, y: mse(model(x), y), model.parameters(), X, Y)
    assert "detach" in step.source and "largest((" in step.source
    assert "(y0, y1, y2) = y" in step.source


def test_outputs_with_has_aux_are_the_eager_outputs() -> None:
    model = MLP(2, [4, 2], seed=9)
    X, Y = points(6, 2, 8), [0.5 * k for k in range(6)]
    step = engine.compile(
        lambda x, y: (mse(model(x), [y, y]), model(x)), model.parameters(), has_aux=True
    )
    loss, outputs = step(X, Y)
    with no_grad():
        expected = [[v.data for v in model(x)] for x in X]
    assert outputs == expected and isinstance(loss, float)
    model.parameters()[-1].data = 1e200  # too large for the fast path: the step runs eagerly
    _, outputs = step(X, Y)
    with no_grad():
        assert outputs == [[v.data for v in model(x)] for x in X]


def test_one_output_with_has_aux_is_one_number_per_example_as_eagerly() -> None:
    model = MLP(2, [3, 1], seed=9)  # returns one Value
    X, Y = points(4, 2, 8), [0.5 * k for k in range(4)]
    step = engine.compile(
        lambda x, y: ((model(x) - y) ** 2, model(x)), model.parameters(), has_aux=True
    )
    _, outputs = step(X, Y)
    with no_grad():
        assert outputs == [model(x).data for x in X]  # numbers, not lists of one
    assert all(type(number) is float for number in outputs)
    model.parameters()[-1].data = 1e200  # too large for the fast path: the step runs eagerly
    _, outputs = step(X, Y)
    with no_grad():
        assert outputs == [model(x).data for x in X]


@pytest.mark.parametrize(
    ("per_example", "message"),
    [
        (
            lambda x, y: W * x[0],
            "with has_aux=True, per_example must return a pair (loss, outputs), got Value",
        ),
        (lambda x, y: (W * x[0], 1.0), "per_example's outputs must be a Value or a list of Values"),
        (
            lambda x, y: (W * x[0], [W, 1.0]),
            "per_example's outputs must be a Value or a list of Values",
        ),
    ],
    ids=["no pair", "a number", "a number in the list"],
)
def test_has_aux_needs_a_pair_of_the_loss_and_values(per_example, message) -> None:
    with pytest.raises(CompileError) as caught:
        engine.compile(per_example, [W], has_aux=True)([[1.0]], [0.0])
    assert str(caught.value) == message


def test_extra_may_be_a_number_a_parameter_or_an_operation() -> None:
    model = MLP(2, [3, 1], seed=4)
    params = model.parameters()
    X, Y = points(5, 2, 9), [1.0, -1.0, 0.5, 0.0, 2.0]
    per_example = lambda x, y: mse(model(x), y)  # noqa: E731
    for extra in (lambda: 0.5, lambda: params[0], lambda: abs(params[1]) + maximum(*params[:3])):
        step = assert_same_as_eager(per_example, params, X, Y, "sum", extra)
        if extra() is params[0]:  # the parameter itself: its gradient gets 1, said so
            line = r"^    gp0 \+= 1\.0 +# dL/d\(extra\) = 1, before any example$"
            assert re.search(line, step.source, re.MULTILINE)


def test_an_infinite_local_derivative_behind_a_zero_gradient_is_nan_as_eager() -> None:
    w = Value(1.0)
    # step(exp(w x)) passes 0 back; exp's derivative is inf for x = 1000, and 0 * inf = NaN
    per_example = lambda x, y: (w * x[0]).exp().step() + w * y  # noqa: E731
    w.grad = 0.0
    eager_step(per_example, [w], [[1000.0], [1.0]], [1.0, 2.0])
    assert math.isnan(w.grad)
    assert_same_as_eager(per_example, [w], [[1000.0], [1.0]], [1.0, 2.0])
    assert_same_as_eager(per_example, [w], [[1.0], [2.0]], [1.0, 2.0])  # finite: the fast path


def test_an_infinite_parameter_gives_what_eager_gives() -> None:
    model = MLP(2, [3, 1], seed=5)
    params = model.parameters()
    per_example = lambda x, y: mse(model(x), y)  # noqa: E731
    step = assert_same_as_eager(per_example, params, points(4, 2, 1), [1.0, 0.0, 1.0, 0.0])
    params[0].data = inf
    assert_same_as_eager(per_example, params, points(4, 2, 1), [1.0, 0.0, 1.0, 0.0], step=step)


def test_repeated_params_count_once_and_unused_params_keep_their_gradient() -> None:
    w, b, unused = Value(0.5), Value(-0.25), Value(3.0)
    unused.grad = 7.0
    step = engine.compile(lambda x, y: (w * x[0] + b - y) ** 2, [w, b, w, unused])
    assert step.params == (w, b, unused)
    assert_same_as_eager(lambda x, y: (w * x[0] + b - y) ** 2, [w, b], [[1.0], [2.0]], [1.0, 0.0])
    step([[1.0], [2.0]], [1.0, 0.0])
    assert unused.grad == 7.0


def test_a_label_read_compiles_one_program_per_label_up_to_a_limit() -> None:
    w = Value(0.5)
    per_example = lambda x, y: w * x[0] * int(y.data)  # noqa: E731
    step = assert_same_as_eager(per_example, [w], [[1.0], [2.0], [3.0]], [1, 2, 1])
    assert step.source.count("key ==") == 2
    X = [[1.0]] * (engine.compiler.MAX_PROGRAMS + 1)
    with pytest.raises(CompileError) as caught:
        engine.compile(per_example, [w])(X, list(range(len(X))))
    assert whole(
        "the traced code reads the label's number (tests/test_compile.py:… in <lambda>: "
        "`…`), so each label value gets a program of its own, and this batch has more "
        "than 16 of them. Pass the label to Value operations without reading .data, or "
        "train without engine.compile"
    ).fullmatch(str(caught.value))


def test_a_label_list_read_compiles_one_program_per_label_list() -> None:
    w = Value(0.5)

    def per_example(x: list[Value], t: list[Value]) -> Value:
        sign = 1.0 if t[0].data > 0 else -1.0  # reads the label: a program per label list
        return w * x[0] * sign + w * t[1]

    X, Y = [[1.0], [2.0], [3.0]], [[1.0, 0.5], [-1.0, 0.5], [1.0, 0.5]]
    step = assert_same_as_eager(per_example, [w], X, Y)
    assert step.source.count("key ==") == 2
    assert "elif key == 1:  # the examples labelled -1.0, 0.5" in step.source


def test_reading_a_constants_number_keeps_one_program_for_every_label() -> None:
    w = Value(0.5)
    per_example = lambda x, y: w * x[0] * Value(2.0).data + y  # noqa: E731 (a constant: allowed)
    step = assert_same_as_eager(per_example, [w], [[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0])
    assert "key ==" not in step.source and "one program per label" not in step.source


def test_labels_0_and_minus_0_get_programs_of_their_own() -> None:
    w = Value(0.5)

    def per_example(x: list[Value], y: Value) -> Value:
        return w * x[0] * (1.0 if math.copysign(1.0, y.data) > 0 else 2.0)

    step = assert_same_as_eager(per_example, [w], [[1.0], [2.0], [3.0]], [0.0, -0.0, 0.0])
    assert step.source.count("key ==") == 2  # 0.0 and -0.0 are equal, but not the same label


# -- fit(compile=True) ---------------------------------------------------------------------


def fit_twice(make_model, X, y, **kwargs):
    """``fit`` eagerly and compiled, from the same start: (history, weights) of each."""
    results = []
    for compile in (False, True):
        model = make_model()
        history = fit(model, X, y, progress=False, seed=0, compile=compile, **kwargs)
        params = model.parameters()
        results.append((history.as_dict(), [bits(p.data) for p in params]))
    return results


@pytest.mark.parametrize(
    "case",
    ["hinge + l2", "mse, batches, validation", "logits", "cross_entropy", "one-hot mse", "pairs"],
)
def test_fit_compiled_gives_the_same_history_and_weights(case: str) -> None:
    X, labels = make_moons(30, noise=0.1, seed=6)
    kwargs: dict = {"epochs": 4, "lr": 0.3}
    make_model = lambda: MLP(2, [6, 1], seed=8)  # noqa: E731
    y = labels
    if case == "hinge + l2":
        y = to_signed_labels(labels)
        kwargs |= {"loss": "hinge", "regularization": lambda m: 1e-3 * sum_values(m.parameters())}
    elif case == "mse, batches, validation":
        kwargs |= {"loss": "mse", "batch_size": 7, "validation_data": make_moons(10, seed=1)}
    elif case == "logits":
        kwargs |= {"loss": "binary_cross_entropy_with_logits", "batch_size": 8}
    elif case == "pairs":  # two outputs, a pair of numbers for each
        y = [[t, -0.5 * t] for t in labels]
        make_model = lambda: MLP(2, [6, 2], seed=8)  # noqa: E731
        kwargs |= {"loss": "mse"}
    else:
        y = [(k + int(t)) % 3 for k, t in enumerate(labels)]
        make_model = lambda: MLP(2, [6, 3], seed=8)  # noqa: E731
        kwargs |= {"loss": "cross_entropy" if case == "cross_entropy" else "mse"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback: every case compiles
        eager, compiled = fit_twice(make_model, X, y, **kwargs)
    assert compiled == eager
    assert len(eager[0]["loss"]) == 4


def two_counts(p: list[Value], t: Value) -> Value:
    """A loss of a model's own: the outputs should be the target and twice the target."""
    return (p[0] - t) ** 2 + (p[1] - 2 * t) ** 2


@pytest.mark.parametrize(("loss", "outputs"), [("mse", 1), (two_counts, 2)])
def test_fit_compiled_takes_whole_number_targets_as_numbers_where_the_loss_does(loss, outputs):
    # read as class indices, 20 different targets would need 20 programs (more than 16)
    X, _ = make_moons(30, seed=6)
    y = [k % 20 for k in range(30)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compiled: no fallback
        eager, compiled = fit_twice(
            lambda: MLP(2, [4, outputs], seed=8), X, y, epochs=2, lr=0.001, loss=loss
        )
    assert compiled == eager


class TupleScores:
    """A model that returns its scores as a tuple, which cross_entropy takes as a list."""

    def __init__(self) -> None:
        self.mlp = MLP(2, [4, 3], seed=8)

    def __call__(self, x: list[Value]) -> tuple[Value, ...]:
        return tuple(self.mlp(x))

    def parameters(self) -> list[Value]:
        return self.mlp.parameters()


def test_fit_compiled_gives_cross_entropy_class_indices_whatever_the_model_returns() -> None:
    X, labels = make_moons(12, seed=6)
    y = [(k + int(t)) % 3 for k, t in enumerate(labels)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compiled: no fallback
        eager, compiled = fit_twice(TupleScores, X, y, epochs=2, loss="cross_entropy")
    assert compiled == eager


def test_fit_falls_back_with_a_warning_where_it_cannot_compile() -> None:
    def cube(z: Value) -> Value:
        return custom_op(z.data**3, [z], [3 * z.data**2], op="cube")

    X, y = make_moons(12, seed=2)
    with pytest.warns(UserWarning, match=r"trains eagerly instead.*custom_op"):
        eager, compiled = fit_twice(
            lambda: MLP(2, [3, 1], activation=cube, seed=1), X, y, epochs=2, loss="mse"
        )
    assert compiled == eager
    with pytest.warns(UserWarning) as caught:
        eager, compiled = fit_twice(lambda: MLP(2, [3, 1], seed=1), X, y, epochs=2, loss="rmse")
    assert compiled == eager
    (warning,) = caught
    assert whole(
        "fit(compile=True) trains eagerly instead (the same results, slower): "
        f"{READS} `.data` of node v27 ('/', made at tests/test_compile.py:… in fit_twice: "
        f"`history = fit(…)`) at nn/losses.py:… in rmse: `…`. {REPLAY}"  # made: where fit is
    ).fullmatch(str(warning.message))
    assert "fit(model, X, y" in linecache.getline(warning.filename, warning.lineno)  # the call


def test_fit_compiled_stops_on_a_non_finite_loss_exactly_as_eager() -> None:
    X, y = make_moons(16, seed=3)
    outcomes = []
    for compile in (False, True):
        model = MLP(2, [8, 1], seed=1)
        with pytest.raises(NonFiniteLossError) as caught:
            fit(model, X, y, loss="mse", lr=1e6, epochs=20, progress=False, compile=compile, seed=0)
        params = model.parameters()
        outcomes.append(
            (caught.value.epoch, caught.value.batch, [bits(p.data) for p in params])
            + ([bits(p.grad) for p in params],)
        )
    assert outcomes[0] == outcomes[1]


def stopped(X, y, loss: str, compile: bool) -> tuple:
    """``fit``'s ``NonFiniteLossError`` message, and the model's parameters and gradients then."""
    model = MLP(2, [1], seed=0)  # one neuron: w = (0.69, 0.52), b = 0
    with pytest.raises(NonFiniteLossError) as caught:
        fit(model, X, y, loss=loss, epochs=2, progress=False, compile=compile)
    return str(caught.value), [(bits(p.data), bits(p.grad)) for p in model.parameters()]


@pytest.mark.parametrize(
    ("bad", "loss", "y", "output"),
    [
        (nan, "mse", [1.0, 0.0], "nan"),
        # hinge's term for an output of inf and a label of 1 is max(0, 1 - inf) = 0: the cost
        # is finite, but eager stops at the output, before its backward pass (gradients 0.0)
        (inf, "hinge", [1, 1], "inf"),
    ],
)
def test_fit_compiled_stops_on_a_non_finite_output_exactly_as_eager(bad, loss, y, output):
    X = [[0.5, 1.0], [bad, 1.0]]
    eager, compiled = (stopped(X, y, loss, compile) for compile in (False, True))
    assert compiled == eager
    message, params = compiled
    assert message == (
        f"the model's output became {output} in epoch 1/2, batch 1/1; training stopped and the "
        "model keeps its parameters from before this step. An input example contains "
        f"{output}: check X."
    )
    assert [grad for _, grad in params] == [bits(0.0)] * 3


# -- refusals ----------------------------------------------------------------------------


def cube(z: Value) -> Value:
    return custom_op(z.data**3, [z], [3 * z.data**2], op="cube")


W = Value(0.5)
OUTSIDE_LEAF = Value(2.0, label="temperature")
OUTSIDE_NODE = W * 2


def refused(per_example) -> str:
    """The ``CompileError`` the first call raises, and again the next (Value's slots restored)."""
    step = engine.compile(per_example, [W])
    messages = []
    for _ in range(2):  # a refused step is left as it was: it says the same thing again
        with pytest.raises(CompileError) as caught:
            step([[1.0, 2.0], [3.0, -1.0]], [1.0, 0.0])
        messages.append(str(caught.value))
        assert type(Value.__dict__["data"]).__name__ == "member_descriptor"
        assert linecache.getlines(step.filename) == []  # no source: a traceback shows none
    if "different graphs" not in messages[0]:  # (random numbers differ from call to call)
        assert messages[0] == messages[1]
    return messages[0]


def whole(message: str) -> re.Pattern[str]:
    """A message, whole, but for each ``…``: any text there (a line number, a line of code)."""
    return re.compile(".*".join(map(re.escape, message.split("…"))), re.DOTALL)


READS = "the traced code looks at a number that changes from one example to the next: it reads"
HERE = "tests/test_compile.py:… in <lambda>: `…`"  # the line of code, shown
REPLAY = (
    "A compiled step replays the graph of one example for every example, which is right only "
    "if the code builds the same graph whatever the numbers, and code that reads a number may "
    "branch on it or keep it as a constant. Compute the loss with Value operations alone, or "
    "train without engine.compile"
)


def test_reading_the_gradient_of_a_node_made_in_the_trace_is_allowed_it_is_0() -> None:
    per_example = lambda x, y: W * x[0] + (W * y).grad  # noqa: E731 (a new node's grad: 0.0)
    assert_same_as_eager(per_example, [W], [[1.0], [2.0]], [1.0, 3.0])


def test_refused_a_custom_op_naming_it_and_the_node() -> None:
    message = refused(lambda x, y: cube(W * x[0]))
    assert whole(
        "node v3 was made by custom_op ('cube', made at tests/test_compile.py:… in cube: "
        '`return custom_op(z.data**3, [z], [3 * z.data**2], op="cube")`): engine.compile knows '
        "a custom operation only by its numbers at one example, not by its formula, so it "
        "cannot write it out. Build it from the engine's operations, or train without "
        "engine.compile"
    ).fullmatch(message)


def test_refused_python_control_flow_on_a_number_naming_the_line() -> None:
    def branchy(x, y):
        z = W * x[0]
        return z.relu() if z.data > 0 else z * 0.5

    message = refused(branchy)
    expected = f"{READS} `.data` of node v… at tests/test_compile.py:… in branchy: "
    assert whole(expected + f"`return z.relu() if z.data > 0 else z * 0.5`. {REPLAY}").fullmatch(
        message
    )


@pytest.mark.parametrize(
    ("per_example", "expected"),
    [
        (
            lambda x, y: W * x[0] * W.data,
            f"{READS} `.data` of node v2 (a leaf) at {HERE}. {REPLAY}",
        ),
        (
            lambda x, y: W * x[0] + W.grad,
            f"{READS} `.grad` of node v2 (a leaf) at {HERE}. {REPLAY}",
        ),
        (
            lambda x, y: W * x[0] * OUTSIDE_LEAF,
            "the traced code uses a leaf Value that is not in params (Value(data=2.0, grad=0.0, "
            "label='temperature')): a compiled step computes the gradients of params only. Add "
            "it to params to train it, or use a plain number to keep it constant",
        ),
        (
            lambda x, y: W * x[0] * OUTSIDE_NODE,
            "node v2 ('*') was computed before the traced code ran, which uses it from outside: "
            "its number would not be recomputed for each example. Compute it inside per_example "
            "(or in extra)",
        ),
        (
            lambda x, y: W * Value(x[0].data),
            f"{READS} `.data` of a Value (a leaf labelled 'x0') at {HERE}. {REPLAY}",
        ),
        (
            lambda x, y: W * x[0] * (W * x[0]).local_grads[0],
            f"{READS} `.local_grads` of a Value ('*', made at {HERE}) at engine/value.py:… in "
            f"local_grads: `return self._local_grads`. {REPLAY}",
        ),
        (
            lambda x, y: W * x[0] * (W * x[0]).detach().data,
            f"{READS} `.data` of a Value (a leaf, made at {HERE}) at {HERE}. {REPLAY}",
        ),
        (
            lambda x, y: (W * x[0], setattr(x[0], "data", 1.0))[0],
            "the traced code changes a number: `.data` of a leaf labelled 'x0' is set at "
            f"{HERE}. A compiled step replays the operations, not such changes; compute new "
            "numbers with Value operations instead",
        ),
        (
            lambda x, y: W * no_grad_exp(x[0]),
            "node v0 was made by an operation under no_grad() (a leaf, made at "
            "tests/test_compile.py:… in no_grad_exp: `return v.exp()`): its number depends "
            "on the example, but no graph records how; compute it with recording on",
        ),
        (
            lambda x, y: W * x[0] * random.random(),
            "per_example builds different graphs for examples 0 and 1 (from node v…), so one "
            "example's graph cannot stand for all. Does it use random numbers (dropout), or "
            "state that changes from one call to the next?",
        ),
        (lambda x, y: 1.5, "per_example must return a Value (the example's loss), got float: 1.5"),
        (
            lambda x, y: W,
            "per_example returns a parameter itself, not a loss computed from it; return an "
            "operation's result (for example 1.0 * p)",
        ),
    ],
    ids=[
        "param data",
        "grad",
        "outside leaf",
        "outside node",
        "data to constant",
        "local derivatives",
        "data of a detached node",
        "mutation",
        "no_grad",
        "random",
        "float",
        "param",
    ],
)
def test_refused_with_the_reason(per_example, expected: str) -> None:
    assert whole(expected).fullmatch(refused(per_example))


def test_a_compiled_step_run_inside_per_example_is_refused() -> None:
    inner = engine.compile(lambda x, y: W * x[0], [W])

    def per_example(x: list[Value], y: Value) -> Value:
        inner([[1.0]], [0.0])
        return W * x[0]

    assert refused(per_example) == (
        "a compiled step was traced or run while tracing another one; per_example (and extra) "
        "must compute with Value operations only"
    )


def test_a_line_whose_source_is_not_at_hand_is_named_by_its_place_alone() -> None:
    """Code typed into an interpreter or made by exec has no file to quote a line from."""
    namespace = {"W": W}
    exec(
        compile("def typed(x, y):\n    return W * x[0] * W.data\n", "<typed in>", "exec"), namespace
    )
    message = refused(namespace["typed"])
    assert message == f"{READS} `.data` of node v2 (a leaf) at <typed in>:2 in typed. {REPLAY}"


def alternating(first: Callable[..., Value], second: Callable[..., Value]) -> Callable[..., Value]:
    """A per_example that builds ``first``'s graph on one call, ``second``'s on the next."""
    calls = itertools.count()
    return lambda x, y: (first if next(calls) % 2 == 0 else second)(x, y)


@pytest.mark.parametrize(
    ("first", "second", "where"),
    [
        (lambda x, y: W * y, lambda x, y: W * 2.0, "v0 on: label against constant"),
        (lambda x, y: W * x[0], lambda x, y: x[0] * W, "v0 on: input against parameter"),
        (
            lambda x, y: W + x[0],
            lambda x, y: W * x[0],
            "v2 on: operation '+' against operation '*'",
        ),
        (
            lambda x, y: (W * x[0]).relu(),
            lambda x, y: W * x[0],
            "v3 on: operation 'relu' against no node",
        ),
        (lambda x, y: W * x[0].detach(), lambda x, y: W * x[0], "v0 on: detached against input"),
    ],
    ids=["label", "parameter", "operation", "no node", "detached"],
)
def test_refused_graphs_that_differ_naming_the_first_node_that_differs(
    first, second, where
) -> None:
    assert refused(alternating(first, second)) == (
        f"per_example builds different graphs for examples 0 and 1 (from node {where}), so one "
        "example's graph cannot stand for all. Does it use random numbers (dropout), or state "
        "that changes from one call to the next?"
    )


def no_grad_exp(v: Value) -> Value:
    with no_grad():
        return v.exp()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: engine.compile(None, [W]),
            TypeError,
            "engine.compile needs per_example, a function (x, y) -> loss Value, got NoneType",
        ),
        (
            lambda: engine.compile(lambda x, y: W, W),
            TypeError,
            "engine.compile needs params, a list of the Values to differentiate "
            "(model.parameters()), got Value",
        ),
        (
            lambda: engine.compile(lambda x, y: W, [W, 1.0]),
            TypeError,
            "params[1] must be a Value, got float: 1.0",
        ),
        (
            lambda: engine.compile(lambda x, y: W, [W * 2]),
            ValueError,
            "params[0] is the result of an operation ('*'), not a leaf; gradients are filled "
            "for leaves: pass the leaves it is computed from",
        ),
        (
            lambda: engine.compile(lambda x, y: W, [W], reduce="max"),
            ValueError,
            "reduce must be 'mean' or 'sum', got 'max'",
        ),
        (
            lambda: engine.compile(lambda x, y: W, [W], extra=1.0),
            TypeError,
            "extra must be a function of no arguments that returns a Value (say, an L2 "
            "penalty), or None; got float",
        ),
    ],
)
def test_bad_arguments_are_clear_errors(call, error, message) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


def test_bad_batches_are_the_eager_errors() -> None:
    step = engine.compile(lambda x, y: (W * x[0] - y) ** 2, [W])
    with pytest.raises(ValueError, match=r"^step\(X, Y\): the batch is empty$"):
        step([], [])
    with pytest.raises(ValueError, match=r"^step\(X, Y\): 2 examples in X but 1 labels in Y$"):
        step([[1.0], [2.0]], [1.0])
    with pytest.raises(TypeError, match="Value expects a real number"):
        step([["a"]], [1.0])
    step([[1.0], [2.0]], [1.0, 2.0])
    message = (
        "example 1 has 2 inputs, but the step was traced with 1; every example needs the same "
        "number of inputs"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        step([[1.0], [2.0, 3.0]], [1.0, 2.0])


@pytest.mark.parametrize(
    ("X", "Y", "message"),
    [
        ("ab", [1.0, 2.0], "step(X, Y) needs X, a list of examples, and Y, a list of labels"),
        ([[1.0], "ab"], [1.0, 2.0], "example 1 must be a list of numbers, got str"),
        ([[1.0], 3.0], [1.0, 2.0], "example 1 must be a list of numbers, got float"),
        ([[1.0]], ["a"], "a label must be a number or a list of numbers, got str"),
        ([[1.0]], [None], "a label must be a number or a list of numbers, got NoneType"),
    ],
    ids=[
        "X a string",
        "an example a string",
        "an example a number",
        "a label a string",
        "a label None",
    ],
)
def test_a_batch_of_the_wrong_types_is_a_clear_type_error(X, Y, message) -> None:
    with pytest.raises(TypeError) as caught:
        engine.compile(lambda x, y: W * x[0], [W])(X, Y)
    assert str(caught.value) == message


def test_a_label_of_the_wrong_shape_is_a_clear_error_naming_it() -> None:
    one_hot = engine.compile(lambda x, t: W * x[0] * t[0] + t[1], [W])
    one_hot([[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]])
    for bad in (1.0, [1.0], None):
        message = f"label 1 must be a list of 2 numbers, got {bad!r}"
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            one_hot([[1.0], [2.0]], [[1.0, 0.0], bad])
    with pytest.raises(ValueError, match=r"^label 0 must be a list of 2 numbers, got 1\.0$"):
        one_hot([[1.0], [2.0]], [1.0, 2.0])  # every label a number
    one_number = engine.compile(lambda x, y: W * x[0] - y, [W])
    one_number([[1.0]], [1.0])
    with pytest.raises(
        ValueError, match="^label 1 is a list, but the step was traced with one number$"
    ):
        one_number([[1.0], [2.0]], [1.0, [2.0]])


@pytest.mark.parametrize(
    ("per_example", "error", "eager_message"),
    [
        (lambda x, y: (W * x[0]).log(), ValueError, r"log of a non-positive number: log\(0.0\)"),
        (lambda x, y: W / x[0], ZeroDivisionError, r"division by zero: Value"),
        (lambda x, y: (W * x[0] - 1) ** 0.5, ValueError, "negative base to a non-integer"),
    ],
)
def test_an_error_in_the_compiled_code_is_the_eager_error_naming_the_example(
    per_example, error, eager_message
) -> None:
    step = engine.compile(per_example, [W])
    W.grad = 0.25
    step([[4.0], [8.0]], [0.0, 0.0])  # traced and compiled on good numbers
    after_a_good_step = W.grad
    assert after_a_good_step != 0.25
    with pytest.raises(error, match=eager_message + r".*\(in example 2 of the batch\)"):
        step([[4.0], [8.0], [0.0]], [0.0, 0.0, 0.0])
    assert W.grad == after_a_good_step  # a failed step adds nothing


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValueError("bad input"), ("bad input (in example 0 of the batch, while tracing it)",)),
        (LookupError(), ("(in example 0 of the batch, while tracing it)",)),
        (KeyError(7), (7,)),  # not a message: left as it is
    ],
    ids=["a message", "no message", "a key"],
)
def test_an_error_of_per_example_while_tracing_names_the_example(error, message) -> None:
    def failing(x: list[Value], y: Value) -> Value:
        raise error

    with pytest.raises(type(error)) as caught:
        engine.compile(failing, [W])([[1.0]], [0.0])
    assert caught.value.args == message


def test_an_error_while_tracing_a_new_labels_program_names_that_example() -> None:
    per_example = lambda x, y: W * x[0] / (int(y.data) - 2)  # noqa: E731 (label 2: / 0)
    step = engine.compile(per_example, [W])
    good = step([[1.0], [2.0]], [1, 3])
    with pytest.raises(ZeroDivisionError) as caught:
        step([[1.0], [2.0], [3.0]], [1, 3, 2])
    assert step([[1.0], [2.0]], [1, 3]) == good  # the step is left as it was, and still runs
    assert step.source.count("key ==") == 2
    assert str(caught.value) == (
        "division by zero: Value(data=1.5, grad=0.0) / Value(data=0.0, grad=0.0) "
        "(in example 2 of the batch, while tracing it)"
    )


def test_an_error_in_the_compiled_extra_term_is_the_eager_error() -> None:
    scale = Value(2.0)
    step = engine.compile(lambda x, y: scale * x[0], [scale], extra=lambda: scale.log())
    step([[1.0]], [0.0])  # traced and compiled on a good number
    scale.data = 0.0
    with pytest.raises(ValueError) as caught:
        step([[1.0]], [0.0])
    assert str(caught.value) == (  # the eager message whole: no example to name
        "log of a non-positive number: log(0.0) is undefined; log needs an input > 0"
    )


def test_a_rule_that_differs_from_its_operation_is_caught_before_any_step(monkeypatch) -> None:
    monkeypatch.setitem(engine.templates.RULES, Value.__add__, engine.templates.subtract)
    step = engine.compile(lambda x, y: W * x[0] + y, [W])
    with pytest.raises(CompileError) as caught:
        step([[1.0]], [2.0])
    assert str(caught.value) == (
        "the compiled code does not reproduce the eager engine on the traced example (a rule "
        "of engine.templates differs from its operation): this is a bug in chainrule, please "
        "report it"
    )


def test_an_error_only_the_compiled_code_raises_is_reported_as_a_bug() -> None:
    step = engine.compile(lambda x, y: W * x[0], [W])
    step([[1.0]], [2.0])

    def broken(*args: object) -> None:
        raise ZeroDivisionError("float division by zero")

    step._function = broken
    with pytest.raises(RuntimeError) as caught:
        step([[1.0]], [2.0])
    assert str(caught.value) == (
        "the compiled step raised ZeroDivisionError: float division by zero on example None, "
        "where the eager engine does not: this is a bug in chainrule, please report it"
    )


# -- the source ---------------------------------------------------------------------------


def demo_step(label: str = "") -> tuple[engine.CompiledStep, list, list]:
    """A small ReLU MLP with the hinge loss, compiled and run once; its score labelled ``label``."""
    model = MLP(2, [4, 1], seed=11)
    X, y = make_moons(8, seed=5)
    y = to_signed_labels(y)

    def per_example(x: list[Value], t: Value) -> Value:
        score = model(x)
        score.label = label
        return (1 - t * score).relu()

    step = engine.compile(per_example, model.parameters())
    step(X, y)
    return step, X, y


EDGE = re.compile(r"^(g\w+) \+= (?:(.+) \* )?(g\w+) +# (\S+): d(\w+)/d(\w+) = (.+)$")


def gradient_of(name: str) -> str:
    return "g" + name[1:] if name.startswith("v") else "g" + name


def test_source_reads_like_the_chain_rule_and_numbers_nodes_as_draw_does() -> None:
    step, X, y = demo_step()
    forward, backward = step.source.split("# backward:")
    assert "# forward:" in forward
    edges = [line.strip() for line in backward.splitlines() if " += " in line]
    # 4 hidden neurons' w·x+b (3 edges each) and relu, the output's w·x+b (9), *, - and relu
    assert len(edges) == 4 * 3 + 4 + 9 + 1 + 1 + 1
    for line in edges:  # g_input += local * g_node  # op: dnode/dinput = formula
        target, _, upstream, op, node, wrt, _ = EDGE.match(line).groups()
        assert upstream == gradient_of(node) and target == gradient_of(wrt), line
        assert op in ("relu", "w·x+b", "*", "-")
    assert "relu: dv" in step.source and "= 1 if v" in step.source
    graph = topological_order(step.graph(X[0], y[0]))
    numbered = 0
    for line in forward.splitlines():
        match = re.match(r"\s+(v\d+) = .*  # (\S+)", line)
        if match:
            assert graph[int(match[1][1:])].op == match[2]  # v7 in the code is node 7 drawn
            numbered += 1
    assert numbered == 4 * 2 + 1 + 3
    assert linecache.getlines(step.filename) == step.source.splitlines(True)


def test_a_large_steps_example_numbers_come_first_among_its_local_variables() -> None:
    """337 parameters and their gradients would push an example's numbers past local 256.

    CPython reads the first 256 local variables with one instruction and the
    rest with two (EXTENDED_ARG), so the numbers an example computes, read
    hundreds of times per example, are named before the parameters.
    """
    model = MLP(2, [16, 16, 1], seed=1)
    X, y = make_moons(4, seed=5)

    def hinge_term(x: list[Value], t: Value) -> Value:
        return (1 - t * model(x)).relu()

    step = engine.compile(hinge_term, model.parameters())
    step(X, to_signed_labels(y))
    names = step._function.__code__.co_varnames
    first = names[:256]
    example = [n for n in names if re.fullmatch(r"v\d+|x\d+", n)]
    assert len(example) > 60 and all(n in first for n in example)
    assert {"example", "x", "y", "losses", "outputs", "careful"} <= set(first)  # the loop's
    assert "p336" not in first  # the parameters that do not fit come after
    small, _, _ = demo_step()  # a small step is written as before: no line naming them first
    assert "numbers local variables" not in small.source


def test_a_large_step_with_list_labels_names_the_loops_variables_and_labels_first() -> None:
    model = MLP(2, [16, 16, 3], seed=1)  # 355 parameters
    X, labels = make_moons(4, seed=5)
    Y = [[float(t), 1.0 - t, 0.5] for t in labels]
    step = engine.compile(lambda x, t: mse([model(x)], [t]), model.parameters())
    step(X, Y)
    lines = step.source.splitlines()
    first = lines.index("def compiled_step(params, grads, X, Y, keys, seed):") + 1
    assert lines[first : first + 2] == [
        "    # (Python numbers local variables in the order they first appear, and reads the",
        "    # first 256 quickest: one example's numbers are named first, before each is set.)",
    ]
    assert lines[first + 2].startswith(
        "    example = x = y = losses = outputs = careful = x0 = x1 = y0 = y1 = y2 = v9 = "
    )
    names = step._function.__code__.co_varnames
    loop = ("example", "x", "y", "losses", "outputs", "careful")
    assert names[6:17] == (*loop, "x0", "x1", "y0", "y1", "y2")


def test_a_large_step_with_a_program_per_class_names_its_key_and_detached_numbers_first() -> None:
    model = MLP(2, [16, 16, 3], seed=1)  # cross_entropy: a program per class, a detached max
    X, labels = make_moons(4, seed=5)
    step = engine.compile(lambda x, y: cross_entropy(model(x), int(y.data)), model.parameters())
    step(X, [float(t) for t in labels])
    lines = step.source.splitlines()
    assert lines[1] == (
        "# An example has 2 inputs (x0, ...), a label y (one program per label value: the code "
        "reads it);"
    )
    first = lines.index("def compiled_step(params, grads, X, Y, keys, seed):") + 1
    assert lines[first + 2].startswith("    example = x = y = key = losses = outputs = x0 = x1 = ")
    detached = {line.split(" = ")[0].strip() for line in lines if "# detach:" in line}
    assert detached and detached <= set(step._function.__code__.co_varnames[:256])


@pytest.mark.parametrize(
    ("hidden", "naming_line"),
    [((6, 9), True), ((6, 8), False)],
    ids=["91 parameters: names first", "83 parameters: first anyway"],
)
def test_an_examples_numbers_are_among_the_first_256_local_variables(
    hidden: tuple[int, int], naming_line: bool
) -> None:
    """Past 256 local variables the example's numbers are named first; a step whose numbers
    come within the first 256 anyway (83 parameters: 278 variables in all) needs no such line."""
    model = MLP(2, [*hidden, 1], seed=1)
    X, y = make_moons(4, seed=5)
    step = engine.compile(lambda x, t: (1 - t * model(x)).relu(), model.parameters())
    step(X, to_signed_labels(y))
    names = step._function.__code__.co_varnames
    example = [n for n in names if re.fullmatch(r"v\d+|x\d+", n)]
    assert len(names) > 256 and all(n in names[:256] for n in example)
    assert ("Python numbers local variables" in step.source) == naming_line


def test_a_statement_is_one_line_up_to_80_characters_and_wrapped_after() -> None:
    terms = ["b7", "p10 * v50", "p11 * v51", "p12 * v52", "p13 * v53", "p14 * v54"]
    assert _wrapped("v99", [*terms, "p15 * v55"]) == [  # 80 characters
        "v99 = b7 + p10 * v50 + p11 * v51 + p12 * v52 + p13 * v53 + p14 * v54 + p15 * v55"
    ]
    assert _wrapped("v99", [*terms, "p15 * v155"]) == [  # 81: in parentheses, continued
        "v99 = (b7 + p10 * v50 + p11 * v51 + p12 * v52 + p13 * v53 + p14 * v54",
        "    + p15 * v155)",
    ]
    assert _wrapped("v99", [*terms, "p1 * v55", "p16 * v56"]) == [  # a line fills up to 80
        "v99 = (b7 + p10 * v50 + p11 * v51 + p12 * v52 + p13 * v53 + p14 * v54 + p1 * v55",
        "    + p16 * v56)",
    ]
    assert _wrapped("v99", [*terms, "p1 * v155", "p16 * v56"]) == [  # 81: the term goes on
        "v99 = (b7 + p10 * v50 + p11 * v51 + p12 * v52 + p13 * v53 + p14 * v54",
        "    + p1 * v155 + p16 * v56)",
    ]


def test_an_op_name_gives_its_parameter_or_a_clear_error() -> None:
    assert parameter("leaky_relu(0.2)", "leaky_relu", 0.01) == 0.2
    assert parameter("elu", "elu", 1.0) == 1.0  # the default: no parameter written
    with pytest.raises(ValueError) as caught:  # e.g. a node whose _op was renamed by hand
        parameter("elu(0.5)", "leaky_relu", 0.01)
    assert str(caught.value) == "op name 'elu(0.5)' is not 'leaky_relu' with a parameter"


def test_a_quotient_and_a_negative_number_read_as_written() -> None:
    """The comments state d(a/b)/db = -(a/b)/b, and a negative number is in parentheses."""
    w, b = Value(2.0), Value(0.5)
    step = engine.compile(lambda x, y: (b / w * x[0] * -2.0 + y).relu(), [w, b])
    step([[1.0], [3.0]], [0.5, 1.0])
    lines = [line.strip() for line in step.source.splitlines()]
    assert "gp0 += d5_1 * g5                              # /: dv5/dp0 = -(p1/p0)/p0" in lines
    assert "gp1 += d5_0 * g5                              # /: dv5/dp1 = 1/p0" in lines
    assert "v7 = v6 * (-2.0)                              # *" in lines
    assert "g6 += (-2.0) * g7                             # *: dv7/dv6 = (-2.0)" in lines


def test_no_variable_of_the_generated_code_hides_a_helper_it_calls() -> None:
    model = MLP(2, [40, 1], seed=3)  # a long finiteness check, in pieces
    params = model.parameters()
    step = engine.compile(
        lambda x, y: mse(model(x), y), params, extra=lambda: sum_values([p * p for p in params])
    )
    step(points(3, 2, 1), [0.5, 0.0, 1.0])
    namespace = dict(NAMESPACE)
    exec(compile(step.source, step.filename, "exec"), namespace)
    local_names = set(namespace["compiled_step"].__code__.co_varnames)
    assert "magnitude" in local_names and "total((" in step.source
    assert not local_names & set(NAMESPACE)


def test_the_heading_names_per_example_or_says_per_example_for_a_lambda() -> None:
    def hinge_term(x: list[Value], t: Value) -> Value:
        return (1 - t * W * x[0]).relu()

    lambda_ = lambda x, t: W * x[0]  # noqa: E731
    for function, name in (
        (hinge_term, "hinge_term"),
        (lambda_, "per_example"),  # "<lambda>" is no name
        (functools.partial(hinge_term), "per_example"),  # no __name__ at all
    ):
        step = engine.compile(function, [W])
        step([[1.0]], [1.0])
        assert step.source.startswith(f"# engine.compile of {name}: its forward and backward")


def test_a_step_shows_what_it_compiles() -> None:
    def hinge_term(x: list[Value], t: Value) -> Value:
        return (1 - t * W * x[0]).relu()

    step = engine.compile(hinge_term, [W, Value(1.0)], reduce="sum", extra=lambda: W * W)
    assert repr(step) == (
        "CompiledStep(hinge_term, 2 params, reduce='sum', extra=yes, not traced yet)"
    )
    step([[1.0], [2.0]], [1.0, -1.0])
    assert repr(step) == "CompiledStep(hinge_term, 2 params, reduce='sum', extra=yes, 1 program(s))"
    nameless = engine.compile(functools.partial(hinge_term), [W])
    assert repr(nameless) == (
        "CompiledStep(per_example, 1 params, reduce='mean', extra=no, not traced yet)"
    )


def test_the_extra_terms_numbers_are_named_e_and_its_gradients_ge() -> None:
    step = engine.compile(lambda x, y: W * x[0], [W], extra=lambda: (W * W).tanh())
    step([[1.0]], [0.0])
    lines = [line.split("#")[0].strip() for line in step.source.splitlines()]
    assert {"e1 = p0 * p0", "e2 = tanh(e1)", "de2 = 1.0 - e2 * e2", "ge1 += de2 * ge2"} <= set(
        lines
    )


def test_source_is_the_same_text_every_time() -> None:
    assert demo_step()[0].source == demo_step()[0].source


def test_the_parameters_labels_are_named_beside_their_names_in_the_source() -> None:
    weight, bias, scale = Value(0.5, label="weight"), Value(0.1, label="bias"), Value(2.0)
    step = engine.compile(
        lambda x, y: (weight * x[0] + bias - y) ** 2 * scale, [weight, bias, scale]
    )
    step([[1.0]], [0.0])
    lines = step.source.splitlines()
    at = lines.index("    (p0, p1, p2) = params")
    assert lines[at + 1] == "    # p0 'weight', p1 'bias'"  # an unlabelled parameter: no name


@pytest.mark.parametrize(
    ("op", "never_negative"),
    [
        (abs, True),
        (Value.exp, True),
        (Value.relu, True),
        (Value.sigmoid, True),
        (Value.softplus, True),
        (Value.hard_sigmoid, True),
        (Value.step, True),
        (Value.tanh, False),
        (Value.sin, False),
    ],
    ids=lambda item: getattr(item, "__name__", str(item)),
)
def test_a_value_never_negative_enters_the_finiteness_check_as_it_is_else_squared(
    op, never_negative: bool
) -> None:
    """``w * op(x)``: the product's local derivative toward w is op's value v1. The check that
    it is not huge reads ``v1 < 1e300`` where v1 is never below 0, else ``v1 * v1 < 1e300``."""
    w = Value(0.5)
    step = engine.compile(lambda x, y: w * op(x[0]), [w])
    step([[1.0]], [0.0])
    term = "v1" if never_negative else "v1 * v1"
    assert f"            if not {term} < 1e300:\n" in step.source


def test_up_to_a_dozen_labelled_parameters_are_named_in_the_source() -> None:
    weights = [Value(0.1 * i, label=f"w{i}") for i in range(12)]
    step = engine.compile(lambda x, y: sum((w * x[0] for w in weights), Value(0.0)) - y, weights)
    step([[1.0]], [0.0])
    names = ", ".join(f"p{i} 'w{i}'" for i in range(12))
    assert f"    # {names}" in step.source.splitlines()


def test_the_compile_modules_export_what_they_name() -> None:
    import engine.codegen
    import engine.compiler
    import engine.templates
    import engine.tracing

    modules = [engine.codegen, engine.compiler, engine.templates, engine.tracing]
    for module in modules:
        assert all(hasattr(module, name) for name in getattr(module, "__all__", []))
    assert engine.compiler.__all__ == ["CompileError", "CompiledStep", "compile"]


def test_an_example_wider_than_the_traced_one_is_a_clear_error() -> None:
    w = Value(0.5)
    step = engine.compile(lambda x, y: w * x[0] * x[1], [w])
    step([[1.0, 2.0]], [0.0])
    with pytest.raises(ValueError) as caught:
        step([[1.0, 2.0, 3.0]], [0.0])
    assert str(caught.value) == (
        "example 0 has 3 inputs, but the step was traced with 2; every example needs the same "
        "number of inputs"
    )


def test_a_label_is_never_code_only_an_escaped_comment() -> None:
    hostile = "s\n__import__('os').system('exit 3')  # \"\"\" '''"
    step, X, y = demo_step(label=hostile)
    labelled = [line.strip() for line in step.source.splitlines() if "exit 3" in line]
    # the score's line and its bound's: the label's newline is escaped
    assert [line.split(" = ")[0] for line in labelled] == ["bv27", "v27"]
    for line in labelled:
        code, comment = line.split("  # ", 1)
        assert "exit" not in code and comment.startswith("w·x+b 's\\n__import__")


@pytest.mark.parametrize(
    ("length", "shown"), [(38, "'" + "a" * 38 + "'"), (39, "'" + "a" * 39 + "...")]
)
def test_a_label_is_shown_up_to_40_characters_then_cut(length: int, shown: str) -> None:
    step, X, y = demo_step(label="a" * length)  # ascii() adds its quotes: 40 and 41 characters
    lines = step.source.splitlines()
    (line,) = [line for line in lines if "# w·x+b 'aaa" in line and line.lstrip().startswith("v")]
    assert line.endswith(f"# w·x+b {shown}")


@pytest.mark.parametrize(
    "read",
    [
        lambda x: [v.data for v in x][0],
        lambda x: next(v.data for v in x),
        lambda x: min({v.data for v in x}),
        lambda x: {i: v.data for i, v in enumerate(x)}[0],
    ],
    ids=["list", "generator", "set", "dict"],
)
def test_a_number_read_in_a_comprehension_is_named_at_the_line_around_it(read) -> None:
    def per_example(x: list[Value], y: Value) -> Value:
        scale = read(x)
        return W * x[0] * scale

    expected = f"{READS} `.data` of node v… (a leaf labelled 'x0') at tests/test_compile.py:… in "
    assert whole(expected + "<lambda>: `…`. " + REPLAY).fullmatch(refused(per_example))


def test_an_exponent_of_another_number_type_is_written_as_the_float_used() -> None:
    class Loud(float):
        def __repr__(self) -> str:
            return "2\nimport os"

        __str__ = __repr__

    w = Value(1.5)
    step = engine.compile(lambda x, y: (w * x[0]) ** Loud(2.0), [w])
    assert_same_as_eager(lambda x, y: (w * x[0]) ** Loud(2.0), [w], [[1.0], [2.0]], [0.0, 0.0])
    step([[1.0]], [0.0])
    assert "import os" not in step.source
    assert re.search(r"= float_power\(v\d+, 2\.0\) +# \*\*2\.0\n", step.source)


def test_source_before_the_first_trace_is_a_clear_error() -> None:
    step = engine.compile(lambda x, y: W * x[0], [W])
    with pytest.raises(RuntimeError) as caught:
        step.source  # noqa: B018
    assert str(caught.value) == (
        "nothing is compiled yet: the first step(X, Y) (or step.trace(X, Y)) traces an example "
        "and writes the source"
    )
    step.trace([[1.0]], [0.0])
    assert "def compiled_step" in step.source


def test_graph_is_one_examples_eager_graph() -> None:
    step, X, y = demo_step()
    root = step.graph(X[3], y[3])
    assert root.op == "relu"
    assert {"x0", "x1", "y"} <= {v.label for v in topological_order(root)}
    for p in step.params:
        p.grad = 0.0
    assert bits(step([X[3]], [y[3]])) == bits(root.data)  # a batch of one: its loss


# -- no garbage collection ---------------------------------------------------------------------


def test_a_compiled_step_makes_no_work_for_the_garbage_collector() -> None:
    model = MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    X, y = make_moons(100, noise=0.1, seed=1)
    y = [float(t) for t in to_signed_labels(y)]
    step = engine.compile(lambda x, t: (1 - t * model(x)).relu(), params, extra=l2(params))
    step(X, y)
    collections = []

    def note(phase: str, info: dict) -> None:
        collections.append(phase)

    gc.collect()
    gc.callbacks.append(note)
    try:
        for _ in range(3):
            step(X, y)
    finally:
        gc.callbacks.remove(note)
    assert collections == []
