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
