"""How a Value behaves in plain Python: comparisons, conversions, constants.

Decisions (README, "Values in plain Python"): <, <=, >, >= compare .data and give a
bool (as PyTorch does for a one-element tensor); == stays identity, so Values stay
dict keys and set members; float(), int(), math functions and round() refuse with a
TypeError that says what to write; bool(v) is v.data != 0; f"{v:.3f}" formats .data.
"""

from __future__ import annotations

import math
import sys

import pytest

from engine import Constant, Value, maximum


def test_comparisons_use_data_and_return_bools() -> None:
    a, b = Value(2.0), Value(-1.0)
    assert (a > b) is True and (a < b) is False
    assert (a >= Value(2.0)) is True and (a <= Value(2.0)) is True
    assert (b < 0) is True and (0 > b) is True and (2.0 <= a) is True  # numbers on either side
    assert (Value(math.nan) < 1) is False
    with pytest.raises(TypeError):
        a < "3"  # noqa: B015


def test_max_sorted_and_if_work_and_gradients_still_flow() -> None:
    a, b, c = Value(2.0), Value(-1.0), Value(5.0)
    assert max(a, b) is a and min(a, b) is b
    assert sorted([a, b, c]) == [b, a, c]  # the same objects: == is identity
    loss = max(a, b) * 3
    loss.backward()
    assert a.grad == 3.0 and b.grad == 0.0
    steps = 0
    loss = Value(1.0)
    while loss > 0.01:  # a training loop's stopping test
        loss = loss * 0.5
        steps += 1
    assert steps == 7


def test_equality_stays_identity_so_values_are_keys() -> None:
    a, b = Value(2.0), Value(2.0)
    assert a == a and a != b and not (a == 2.0)
    assert len({a, b}) == 2 and {a: "first", b: "second"}[b] == "second"
    assert Value.__eq__ is object.__eq__ and Value.__hash__ is object.__hash__


def test_conversions_to_numbers_refuse_and_say_what_to_write() -> None:
    v = Value(1.0)
    for convert in (float, int, math.erf, math.exp, math.sqrt):
        with pytest.raises(TypeError, match=r"inside a custom_op") as caught:
            convert(v)
        assert "v.data" in str(caught.value) and "no gradient would flow" in str(caught.value)
    with pytest.raises(TypeError, match=r"round\(v.data, 3\)"):
        round(v, 2)


def test_bool_and_format_follow_the_number() -> None:
    assert bool(Value(0.5)) and not bool(Value(0.0))
    assert f"{Value(2.0 / 3.0):.3f}" == "0.667"
    assert f"{Value(1.5)}" == "Value(data=1.5, grad=0.0)" == str(Value(1.5))


def test_numbers_that_meet_values_become_constants() -> None:
    x = Value(3.0)
    for y in (x * 2, 2 * x, x + 1, 1 - x, x / 4, 2**x, maximum(x, 1.0)):
        constants = [node for node in y.inputs if isinstance(node, Constant)]
        assert len(constants) == 1 and isinstance(constants[0], Value)
    assert not isinstance(x, Constant) and type(x * x) is Value
    assert sys.getsizeof(Constant(1.0)) == sys.getsizeof(Value(1.0))  # no memory of its own
    y = x * 2
    y.backward()
    assert x.grad == 2.0 and y.inputs[1].grad == 3.0  # a constant is still an ordinary leaf


def test_nn_marks_its_number_inputs_and_targets_as_constants() -> None:
    import nn

    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.mse(model([1.0, -2.0]), 3.0)
    from engine import topological_order

    constants = [node.data for node in topological_order(loss) if isinstance(node, Constant)]
    assert 1.0 in constants and -2.0 in constants and 3.0 in constants
    assert not any(isinstance(p, Constant) for p in model.parameters())


def test_comparisons_at_equality_and_with_what_cannot_be_compared() -> None:
    a = Value(2.0)
    assert (a < 2.0, a > 2.0, a <= 2.0, a >= 2.0) == (False, False, True, True)
    assert (a < Value(2.0), a > Value(2.0)) == (False, False)
    for compare in (a.__lt__, a.__le__, a.__gt__, a.__ge__):
        assert compare("3") is NotImplemented  # so Python tries the other side, then refuses
    with pytest.raises(TypeError, match="'<=' not supported between instances of 'Value' and"):
        a <= "3"  # noqa: B015


def test_round_refuses_with_the_whole_explanation() -> None:
    with pytest.raises(TypeError) as refused:
        round(Value(1.25))
    assert str(refused.value) == (
        "round() of a Value is refused: a rounded number has derivative 0 everywhere, so no "
        'gradient would flow. To show a number, use round(v.data, 3) or f"{v:.3f}" (a Value '
        "formats as its number)"
    )


def test_a_non_default_parameter_is_named_once_and_shared_by_its_nodes(monkeypatch) -> None:
    import engine.value as value_module

    # the names kept are the process's: start from none kept, whatever ran before
    monkeypatch.setattr(value_module, "_LEAKY_RELU_NAMES", {})
    monkeypatch.setattr(value_module, "_ELU_NAMES", {})
    x, y = Value(1.0), Value(-1.0)
    assert x.leaky_relu(0.123).op == "leaky_relu(0.123)" == y.leaky_relu(0.123).op
    assert x.leaky_relu(0.123).op is y.leaky_relu(0.123).op  # one string for a layer's nodes
    assert x.elu(0.456).op == "elu(0.456)" and x.elu(0.456).op is y.elu(0.456).op
    # 0.0 and -0.0 are equal keys but two slopes: neither is kept, each keeps its own name
    assert [Value(-1.0).leaky_relu(s).op for s in (0.0, -0.0)] == [
        "leaky_relu(0.0)",
        "leaky_relu(-0.0)",
    ]
    assert [Value(-1.0).elu(s).op for s in (0.0, -0.0)] == ["elu(0.0)", "elu(-0.0)"]
    for i in range(300):  # at most 256 names are kept
        x.leaky_relu(1.0 + i / 1000)
    assert len(value_module._LEAKY_RELU_NAMES) == 256
    assert x.leaky_relu(9.5).op == "leaky_relu(9.5)"  # named all the same


def test_hard_sigmoid_of_nan_is_still_a_hard_sigmoid_node() -> None:
    assert Value(math.nan).hard_sigmoid().op == "hard_sigmoid"


def test_the_slope_of_a_power_at_zero() -> None:
    """d(a^n)/da = n a^(n-1) at a = 0: inf for 0 < n < 1, n = 1 gives 1, n > 1 gives 0."""
    slopes = {}
    for n in (0.5, 1, 1.5, 2):
        a = Value(0.0)
        (a**n).backward()
        slopes[n] = a.grad
    assert slopes == {0.5: math.inf, 1: 1.0, 1.5: 0.0, 2: 0.0}


def test_zero_to_the_power_zero_has_exponent_slope_zero() -> None:
    """d(a^b)/db = a^b ln a, taken as 0 at a = 0 (as PyTorch), also where a^b = 1."""
    for b in (0.0, 2.0):
        base, exponent = Value(0.0), Value(b)
        (base**exponent).backward()
        assert exponent.grad == 0.0
