"""The backward pass on tiny hand-built graphs: reuse, fan-out, order, repeats, depth.

Every expected gradient here is worked out by hand with the chain rule,
so a failure points at the graph machinery rather than at an operation.
"""

from __future__ import annotations

import gc
import math
import sys
import weakref

import pytest
import torch

from engine import (
    GradcheckError,
    Value,
    backpropagate,
    custom_op,
    gradcheck,
    is_grad_enabled,
    no_grad,
    sum_values,
    topological_order,
)

# -- reuse and fan-out ----------------------------------------------------------


def test_square_by_reuse() -> None:
    a = Value(3.0)
    y = a * a  # d(a^2)/da = 2a: both inputs of the product are a
    y.backward()
    assert a.grad == 6.0


def test_double_by_reuse() -> None:
    a = Value(3.0)
    y = a + a
    y.backward()
    assert a.grad == 2.0


def test_node_used_by_many() -> None:
    a = Value(0.5)
    b = a * 2.0  # b = 2a, used three times below
    y = b + b * b + b.exp()
    y.backward()
    # dy/db = 1 + 2b + e^b; dy/da = 2 dy/db
    assert math.isclose(b.grad, 1.0 + 2.0 * 1.0 + math.exp(1.0), rel_tol=1e-15)
    assert math.isclose(a.grad, 2.0 * (1.0 + 2.0 + math.exp(1.0)), rel_tol=1e-15)


def test_diamond() -> None:
    a = Value(1.5)
    b = a * 2.0
    c = a + 1.0
    d = b * c  # d = 2a (a + 1): dd/da = 2(a + 1) + 2a
    d.backward()
    assert (b.grad, c.grad) == (2.5, 3.0)
    assert a.grad == 2.0 * 2.5 + 3.0


def test_double_diamond_with_shared_middle() -> None:
    x = Value(0.3)
    m = x.tanh()
    p, q = m * 3.0, m.sigmoid()
    y = p * q + m  # m reached three ways
    y.backward()
    t = math.tanh(0.3)
    s = 1.0 / (1.0 + math.exp(-t))
    dy_dm = 3.0 * s + 3.0 * t * s * (1.0 - s) + 1.0
    assert math.isclose(m.grad, dy_dm, rel_tol=1e-14)
    assert math.isclose(x.grad, dy_dm * (1.0 - t * t), rel_tol=1e-14)


def test_fan_out_to_many_users() -> None:
    a = Value(2.0)
    users = [a * k for k in range(1, 101)]  # a used by 100 nodes
    y = sum_values(users)
    y.backward()
    assert a.grad == sum(range(1, 101))
    assert all(u.grad == 1.0 for u in users)


def test_constant_leaves_get_gradients_too() -> None:
    a = Value(2.0)
    y = a * 5
    y.backward()
    (left, constant) = y.inputs
    assert left is a and a.grad == 5.0
    assert constant.grad == 2.0  # a number becomes a leaf like any other


def test_matches_torch_on_a_reused_graph() -> None:
    def f(a, b):
        c = a * b
        d = c + a
        e = (d * c).tanh() + c / b
        return e * a + d

    a, b = Value(0.7), Value(-1.3)
    f(a, b).backward()
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    f(ta, tb).backward()
    assert math.isclose(a.grad, ta.grad.item(), rel_tol=1e-12)
    assert math.isclose(b.grad, tb.grad.item(), rel_tol=1e-12)


# -- topological order ------------------------------------------------------------


def assert_topological(order: list[Value], root: Value) -> None:
    """Each node once, every input before its user, the root last."""
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    assert order[-1] is root
    for node in order:
        for child in node.inputs:
            assert id(child) in position, "an input is missing"
            assert position[id(child)] < position[id(node)], "an input comes after its user"


def test_order_when_an_input_is_also_reached_another_way() -> None:
    # R = f(B, A) with A = g(B): B is R's direct input and A's input. A
    # search that emits B when first seen from R (before A is done) would be
    # fine here; one that emits A before B is not. B must precede A.
    b = Value(2.0, label="B")
    a = b.exp()
    r = b * a
    order = topological_order(r)
    assert order == [b, a, r]
    r.backward()
    assert a.grad == 2.0
    assert b.grad == math.exp(2.0) + 2.0 * math.exp(2.0)  # dR/dB = A + B e^B
    # the same with the inputs swapped, R = f(A, B): a reversed pre-order
    # search passes one of the two orders and fails the other
    r2 = a * b
    assert topological_order(r2) == [b, a, r2]
    b.grad = 0.0
    r2.backward()
    assert b.grad == math.exp(2.0) + 2.0 * math.exp(2.0)


def test_order_with_the_long_way_round() -> None:
    b = Value(0.5)
    a = ((b * 2.0).tanh() + 1.0).exp()  # B reaches R directly and via four nodes
    r = a * b
    order = topological_order(r)
    assert_topological(order, r)
    assert len(order) == 8  # b, 2.0, *, tanh, 1.0, +, exp, r: nothing twice
    r.backward()
    t = math.tanh(1.0)
    expected = a.data + 0.5 * a.data * (1.0 - t * t) * 2.0
    assert math.isclose(b.grad, expected, rel_tol=1e-14)


def test_order_of_a_wide_and_deep_graph() -> None:
    leaves = [Value(float(i)) for i in range(5)]
    layer = leaves
    for depth in range(6):
        layer = [layer[i] * layer[(i + depth + 1) % 5] + layer[i] for i in range(5)]
        layer = [node.tanh() for node in layer]
    root = sum_values(layer + leaves)
    assert_topological(topological_order(root), root)


def test_order_of_a_leaf() -> None:
    a = Value(1.0)
    assert topological_order(a) == [a]


# -- repeated backward, seeding ------------------------------------------------------


def test_root_is_seeded_with_one() -> None:
    a = Value(4.0)
    y = a.log()
    y.backward()
    assert y.grad == 1.0
    assert a.grad == 0.25


def test_second_backward_keeps_interior_and_accumulates_leaves() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    y = d * d
    y.backward()
    first = (y.grad, d.grad, c.grad, a.grad, b.grad)
    assert first == (1.0, 2.0 * d.data, 2.0 * d.data, 2.0 * d.data * (b.data + 1.0), -16.0)
    y.backward()
    # interior gradients are recomputed, not doubled
    assert (y.grad, d.grad, c.grad) == first[:3]
    # leaf gradients accumulate, as in PyTorch
    assert (a.grad, b.grad) == (2 * first[3], 2 * first[4])


def test_leaf_accumulation_matches_torch() -> None:
    ta = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-3.0, dtype=torch.float64, requires_grad=True)
    ty = (ta * tb + ta) ** 2
    ty.backward(retain_graph=True)
    ty.backward()
    a, b = Value(2.0), Value(-3.0)
    y = (a * b + a) ** 2
    y.backward()
    y.backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())


def test_zeroing_leaf_grads_between_calls() -> None:
    a = Value(3.0)
    y = a * a
    y.backward()
    a.grad = 0.0
    y.backward()
    assert a.grad == 6.0


def test_backward_on_a_leaf_accumulates_like_torch() -> None:
    a = Value(5.0)
    a.backward()
    assert a.grad == 1.0
    a.backward()
    assert a.grad == 2.0
    t = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    t.backward()
    t.backward()
    assert t.grad.item() == 2.0


def test_backward_of_an_interior_node_then_the_root() -> None:
    a = Value(2.0)
    b = a * 3.0
    y = b * b
    b.backward()  # leaf a gets db/da = 3
    assert a.grad == 3.0
    y.backward()  # b's gradient is recomputed, a accumulates dy/da = 2b * 3 = 36
    assert b.grad == 12.0
    assert a.grad == 3.0 + 36.0


def test_backpropagate_is_backward() -> None:
    a = Value(2.0)
    y = a.exp() * a
    backpropagate(y)
    assert a.grad == math.exp(2.0) + 2.0 * math.exp(2.0)


# -- depth -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_nodes_deep() -> None:
    depth = 1_000_000
    limit = sys.getrecursionlimit()
    x0 = Value(1.0)
    c = Value(1.0000001)  # one shared leaf: used by every node of the chain
    x = x0
    # The chain has no reference cycles; the cyclic garbage collector would
    # only rescan its growing millions of objects again and again.
    gc.disable()
    try:
        for _ in range(depth):
            x = x * c
        x.backward()
    finally:
        gc.enable()
    assert sys.getrecursionlimit() == limit
    # dx/dx0 = c^depth, multiplied up one node at a time in the same order
    # as the forward pass, so the float results agree exactly
    expected = 1.0
    for _ in range(depth):
        expected *= 1.0000001
    assert x.data == expected
    assert x0.grad == expected
    # dx/dc = depth * c^(depth - 1): a million contributions summed into c
    assert math.isclose(c.grad, depth * expected / 1.0000001, rel_tol=1e-9)
    del x  # freeing a million-deep chain must not overflow the C stack either


# -- no_grad -----------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    a = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        b = (a * 3 + 1).tanh()
    assert is_grad_enabled()
    assert b.inputs == () and b.local_grads == () and b.op == ""
    assert b.data == math.tanh(7.0)
    b.backward()
    assert a.grad == 0.0  # nothing connects b to a


def test_no_grad_nests_and_restores() -> None:
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert (Value(1.0) + 1).op == "+"


def test_no_grad_restores_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()
    a = Value(2.0)
    assert (a * a).inputs == (a, a)


# -- custom_op ---------------------------------------------------------------------------


def cube(x: Value) -> Value:
    """$x^3$ as a new operation; derivative $3x^2$."""
    return custom_op(x.data**3, [x], [3 * x.data**2], op="cube")


def test_custom_op_forward_and_backward() -> None:
    x = Value(2.0)
    y = cube(x) * x  # x^4
    y.backward()
    assert y.data == 16.0
    assert x.grad == 32.0
    node = y.inputs[0]
    assert (node.op, node.inputs, node.local_grads) == ("cube", (x,), (12.0,))


def test_custom_op_with_several_inputs_and_numpy_grads() -> None:
    import numpy as np

    a, b = Value(3.0), Value(4.0)
    norm = math.hypot(a.data, b.data)
    r = custom_op(norm, (a, b), np.array([a.data / norm, b.data / norm]), op="hypot")
    r.backward()
    assert r.data == 5.0
    assert (a.grad, b.grad) == (0.6, 0.8)
    assert all(type(g) is float for g in r.local_grads)


def test_custom_op_under_no_grad_is_a_leaf() -> None:
    x = Value(2.0)
    with no_grad():
        y = cube(x)
    assert y.inputs == () and y.data == 8.0


def test_custom_op_rejects_a_number_input() -> None:
    with pytest.raises(TypeError, match=r"custom_op 'cube': inputs must be Values, got float"):
        custom_op(8.0, [2.0], [12.0], op="cube")


def test_custom_op_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match=r"2 inputs but 1 local_grads"):
        custom_op(1.0, [Value(1.0), Value(2.0)], [1.0])


def test_custom_op_rejects_bad_data_and_grads() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"custom_op 'custom' data expects a real number"):
        custom_op("1.0", [x], [1.0])
    with pytest.raises(TypeError, match=r"local_grads expects a real number.*str"):
        custom_op(1.0, [x], ["1.0"])
    with pytest.raises(TypeError, match=r"got a Value"):
        custom_op(x, [x], [1.0])  # data must be a number, not the Value


# -- gradcheck ---------------------------------------------------------------------------


def test_gradcheck_passes_a_good_function() -> None:
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, [0.3, 1.7]) is True
    assert gradcheck(cube, [Value(-1.2)]) is True


def test_gradcheck_reports_a_wrong_derivative() -> None:
    def wrong_cube(x: Value) -> Value:
        return custom_op(x.data**3, [x], [2 * x.data**2], op="wrong cube")  # should be 3x^2

    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_cube, [2.0])
    message = str(info.value)
    assert "analytic" in message and "numeric" in message
    assert "mismatch" in message
    row = message.splitlines()[-1].split()
    assert float(row[2]) == 8.0  # analytic: 2 * 2^2
    assert math.isclose(float(row[3]), 12.0, rel_tol=1e-6)  # numeric: 3 * 2^2
    assert isinstance(info.value, AssertionError)  # fails a test like an assert


def test_gradcheck_marks_only_the_bad_input() -> None:
    def half_wrong(a: Value, b: Value) -> Value:
        return custom_op(a.data * b.data, [a, b], [b.data, 0.0], op="half wrong")

    with pytest.raises(GradcheckError) as info:
        gradcheck(half_wrong, [2.0, 3.0])
    lines = str(info.value).splitlines()
    assert "mismatch" not in lines[-2]
    assert "mismatch" in lines[-1]


def test_gradcheck_fails_when_only_the_first_input_is_wrong() -> None:
    """The verdict covers every input, not just the last one checked."""

    def first_wrong(a: Value, b: Value) -> Value:
        return custom_op(a.data * b.data, [a, b], [0.0, a.data], op="first wrong")

    with pytest.raises(GradcheckError) as info:
        gradcheck(first_wrong, [2.0, 3.0])
    lines = str(info.value).splitlines()
    assert "mismatch" in lines[-2]  # input 0: analytic 0, numeric 3
    assert "mismatch" not in lines[-1]


def test_gradcheck_default_tolerances_are_tight() -> None:
    """A derivative off by one part in a thousand, or by 1e-3 where it should be 0, fails.

    The defaults are ``rtol=1e-4`` and ``atol=1e-5``: a grader must not pass a
    derivative that is almost right.
    """

    def slightly_wrong(x: Value) -> Value:
        return custom_op(x.data**2, [x], [2 * x.data * 1.001], op="slightly wrong")

    def off_at_zero(x: Value) -> Value:  # d/dx x^2 at 0 is 0, not 1e-3
        return custom_op(x.data**2, [x], [2 * x.data + 1e-3], op="off at zero")

    with pytest.raises(GradcheckError):
        gradcheck(slightly_wrong, [10.0])
    with pytest.raises(GradcheckError):
        gradcheck(off_at_zero, [0.0])
    assert gradcheck(slightly_wrong, [10.0], rtol=1e-2)  # looser on request
    assert gradcheck(off_at_zero, [0.0], atol=1e-2)


def test_gradcheck_needs_a_value_result() -> None:
    with pytest.raises(TypeError, match=r"f must return a Value, got float"):
        gradcheck(lambda a: 1.0, [1.0])


# -- memory ------------------------------------------------------------------------------


def test_graph_is_freed_by_reference_counting() -> None:
    gc.collect()
    gc.disable()  # only reference counting may free the graph
    try:
        a = Value(1.5)
        b = a * 2.0
        c = (b + a).tanh()
        root = c * b
        root.backward()
        interior = weakref.ref(b)
        top = weakref.ref(c)
        del b, c
        assert interior() is not None  # still held by root
        del root
        assert interior() is None and top() is None
        assert a.grad != 0.0  # the leaf lives on with its gradient
    finally:
        gc.enable()


# -- backward(gradient): the seed, as torch.Tensor.backward(gradient) -------------------


def test_backward_seeds_the_root_with_gradient_like_torch() -> None:
    import numpy as np

    for seed in (2.5, -1, np.float32(0.5), np.int64(3)):
        x = Value(1.5)
        y = (x * x).tanh()
        y.backward(seed)
        t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
        (t * t).tanh().backward(gradient=torch.tensor(float(seed), dtype=torch.float64))
        assert y.grad == float(seed)
        assert x.grad == pytest.approx(t.grad.item(), rel=1e-15)
    x = Value(2.0)
    (x * 3).backward(gradient=0.0)  # a zero seed is a valid (if idle) pass
    assert x.grad == 0.0


NOT_A_NUMBER = "backward: gradient (the seed dL/droot) must be a real number, got "
NOT_FINITE = "; a nan or inf seed would make every gradient nan or inf"


@pytest.mark.parametrize(
    ("seed", "error", "message"),
    [
        ("1", TypeError, NOT_A_NUMBER + "str: '1'"),
        (None, TypeError, NOT_A_NUMBER + "NoneType: None"),
        (True, TypeError, NOT_A_NUMBER + "bool: True"),
        (
            Value(2.0),
            TypeError,
            NOT_A_NUMBER + "Value: Value(data=2.0, grad=0.0); pass its number, gradient=value.data",
        ),
        (math.nan, ValueError, "backward: gradient must be a finite number, got nan" + NOT_FINITE),
        (
            -math.inf,
            ValueError,
            "backward: gradient must be a finite number, got -inf" + NOT_FINITE,
        ),
        (10**400, ValueError, "backward: gradient is too large for a float (above about 1.8e308)"),
    ],
)
def test_backward_gradient_must_be_a_finite_real_number(seed, error, message) -> None:
    x = Value(2.0)
    y = x * 3
    with pytest.raises(error) as refused:
        y.backward(seed)
    assert str(refused.value) == message
    assert x.grad == 0.0 and y.grad == 0.0  # refused before anything changed


def test_gradcheck_uses_the_step_it_is_given() -> None:
    """With eps = 0.5 the central difference of x^3 at 1 is 3.25, not 3: a visible mismatch."""

    def cube_at(x: Value) -> Value:
        return x * x * x

    assert gradcheck(cube_at, [1.0])
    with pytest.raises(GradcheckError):
        gradcheck(cube_at, [1.0], eps=0.5)


def test_gradcheck_tolerance_is_inclusive() -> None:
    """A difference of exactly ``atol`` (the numeric derivative being 0) still passes."""

    def flat_but_claims_a_slope(x: Value) -> Value:
        return custom_op(5.0, [x], [1e-5], op="flat")

    assert gradcheck(flat_but_claims_a_slope, [1.0]) is True
    with pytest.raises(GradcheckError):
        gradcheck(flat_but_claims_a_slope, [1.0], atol=0.9e-5)
