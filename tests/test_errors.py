"""Bad inputs fail early, with the right exception and a message that names the problem."""

from __future__ import annotations

import fractions
import math

import numpy as np
import pytest

from engine import Value, maximum, sum_values, weighted_sum

# -- what a Value may hold ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        ("abc", "str"),
        (None, "NoneType"),
        ([1], "list"),
        ({}, "dict"),
        (object(), "object"),
        (1 + 2j, "complex"),
    ],
)
def test_value_rejects_non_numbers(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"Value expects a real number .*got {type_name}"):
        Value(data)


def test_value_rejects_a_value() -> None:
    with pytest.raises(TypeError, match=r"Value expects a number, got a Value .*value\.data"):
        Value(Value(1.0))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (np.float64(1.25), 1.25),
        (np.float32(0.5), 0.5),
        (np.int64(-7), -7.0),
        (fractions.Fraction(3, 4), 0.75),
        (True, 1.0),
        (False, 0.0),
        (3, 3.0),
    ],
)
def test_value_accepts_real_numbers_as_floats(data: object, expected: float) -> None:
    v = Value(data)
    assert v.data == expected
    assert type(v.data) is float


def test_numpy_and_fraction_operands() -> None:
    v = Value(2.0)
    assert (v * np.float64(3.0)).data == 6.0
    assert (v + fractions.Fraction(1, 2)).data == 2.5
    assert (v ** np.int64(3)).data == 8.0
    assert type((v * np.float32(0.5)).data) is float


# -- unsupported operands -------------------------------------------------------------


def test_add_a_string() -> None:
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+: 'Value' and 'str'"):
        Value(1.0) + "a"


def test_string_times_value() -> None:
    with pytest.raises(TypeError, match=r"'Value'"):
        "a" * Value(2.0)


def test_power_with_a_string() -> None:
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*\* or pow\(\)"):
        Value(2.0) ** "x"


@pytest.mark.parametrize("other", [None, [1.0], "1"])
def test_other_operators_refuse_non_numbers(other: object) -> None:
    v = Value(1.0)
    for operation in (
        lambda: v - other,
        lambda: other - v,
        lambda: v * other,
        lambda: v / other,
        lambda: other / v,
        lambda: other + v,
        lambda: other**v,
    ):
        with pytest.raises(TypeError):
            operation()


def test_n_ary_functions_name_themselves() -> None:
    with pytest.raises(TypeError, match=r"maximum expects a real number .*str"):
        maximum(Value(1.0), "2")
    with pytest.raises(TypeError, match=r"sum_values expects a real number .*NoneType"):
        sum_values([Value(1.0), None])
    with pytest.raises(TypeError, match=r"weighted_sum expects a real number .*str"):
        weighted_sum([Value(1.0)], ["x"])
    with pytest.raises(ValueError, match=r"maximum needs at least one value"):
        maximum()
    with pytest.raises(ValueError, match=r"2 weights but 1 inputs"):
        weighted_sum([Value(1.0), Value(2.0)], [3.0])


# -- division by zero ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "divide",
    [
        lambda: Value(1.0) / 0,
        lambda: 1 / Value(0.0),
        lambda: Value(1.0) / Value(0.0),
        lambda: Value(1.0) / -0.0,
    ],
    ids=["v/0", "1/Value(0)", "v/Value(0)", "v/-0.0"],
)
def test_division_by_zero(divide) -> None:
    with pytest.raises(ZeroDivisionError, match=r"division by zero"):
        divide()


# -- domains ----------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive(x: float) -> None:
    with pytest.raises(ValueError, match=rf"log\({x!r}\) is undefined.*> 0"):
        Value(x).log()


def test_negative_base_to_a_fractional_power() -> None:
    with pytest.raises(
        ValueError, match=r"negative base to a non-integer exponent: \(-8.0\) \*\* 0.5"
    ):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match=r"\(-8.0\) \*\* 0.5 is not a real number"):
        (-8) ** Value(0.5)  # a number base, a Value exponent


def test_negative_base_to_an_integer_power_is_fine() -> None:
    v = Value(-2.0)
    y = v**3
    y.backward()
    assert (y.data, v.grad) == (-8.0, 12.0)


def test_zero_to_a_negative_power() -> None:
    with pytest.raises(ZeroDivisionError, match=r"0 \*\* -1.0"):
        Value(0) ** -1


def test_negative_base_to_a_value_power() -> None:
    with pytest.raises(ValueError, match=r"\(-2.0\) \*\* 1.5"):
        Value(-2.0) ** Value(1.5)
    # even an integer Value exponent: d/db a^b = a^b ln a needs a > 0
    with pytest.raises(ValueError, match=r"positive base.*use a number exponent"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError, match=r"positive base"):
        (-2) ** Value(2.0)


def test_zero_base_to_a_value_power() -> None:
    b = Value(2.0)
    a = Value(0.0)
    y = a**b
    y.backward()
    assert (y.data, a.grad, b.grad) == (0.0, 0.0, 0.0)


def test_power_overflow_is_inf_not_an_error() -> None:
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(-10.0) ** 400).data == math.inf  # an even power of a negative base
    assert (Value(0.1) ** -401).data == math.inf  # a small positive base to an odd power
    assert (2 ** Value(5000.0)).data == math.inf


def test_errors_leave_no_half_built_graph() -> None:
    a = Value(0.0)
    with pytest.raises(ValueError):
        a.log()
    assert a.grad == 0.0 and a.inputs == ()


# -- numbers too large for a float, things that are not lists, bad parameters ----------


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(10**400),
        lambda: Value(2.0) * 10**400,
        lambda: 10**400 + Value(2.0),
        lambda: Value(2.0) ** 10**400,
        lambda: maximum(Value(1.0), 10**400),
        lambda: Value(fractions.Fraction(10**400, 3)),
    ],
)
def test_an_int_too_large_for_a_float_is_a_value_error(make) -> None:
    with pytest.raises(ValueError, match=r"too large for a float"):
        make()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: maximum(None), "maximum"),
        (lambda: sum_values(5), "sum_values"),
        (lambda: sum_values(Value(1.0)), "sum_values"),
        (lambda: weighted_sum(Value(1.0), [1.0]), "weighted_sum weights"),
        (lambda: weighted_sum([Value(1.0)], 1.0), "weighted_sum inputs"),
    ],
)
def test_a_non_iterable_where_a_list_belongs_names_the_function(call, name: str) -> None:
    with pytest.raises(TypeError, match=rf"^{name} expects a list \(or other iterable\), got"):
        call()


@pytest.mark.parametrize("x", [-1.0, 1.0])  # both branches check the parameter
def test_activation_parameters_must_be_numbers(x: float) -> None:
    with pytest.raises(TypeError, match=r"leaky_relu slope expects a real number .*str"):
        Value(x).leaky_relu("0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"elu alpha expects a real number .*NoneType"):
        Value(x).elu(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"leaky_relu slope expects a number, got a Value"):
        Value(x).leaky_relu(Value(0.1))  # type: ignore[arg-type]
    assert Value(-2.0).leaky_relu(1).local_grads == (1.0,)  # an int is fine


def test_graph_functions_refuse_a_non_value_root() -> None:
    from engine import backpropagate, central_difference, topological_order

    with pytest.raises(TypeError, match=r"expected a Value, got float"):
        topological_order(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected a Value, got int"):
        backpropagate(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"index must be an int from 0 to 1, got 2"):
        central_difference(lambda a, b: a * b, [1.0, 2.0], 2)
    with pytest.raises(ValueError, match=r"index must be an int from 0 to 1, got True"):
        central_difference(lambda a, b: a * b, [1.0, 2.0], True)
    with pytest.raises(ValueError, match=r"index must be an int from 0 to 1, got 1.0"):
        central_difference(lambda a, b: a * b, [1.0, 2.0], 1.0)  # a float index, even a whole one
    with pytest.raises(TypeError, match=r"central_difference point expects a number, got a Value"):
        central_difference(lambda a: a, [Value(1.0)], 0)
    with pytest.raises(ValueError, match=r"eps must be a positive number, got 0.0"):
        central_difference(lambda a: a, [1.0], 0, eps=0.0)


def test_custom_op_name_must_be_a_string() -> None:
    from engine import custom_op

    with pytest.raises(TypeError, match=r"custom_op: op must be a name \(a str\), got int"):
        custom_op(1.0, [Value(1.0)], [1.0], op=5)  # type: ignore[arg-type]


# -- numpy integers wherever an int count, size or seed is taken -----------------------


def test_numpy_integers_are_ints_everywhere() -> None:
    import nn
    from engine import central_difference, draw

    i32, i64 = np.int32, np.int64
    X, y = nn.make_moons(i64(12), seed=i64(3))
    assert (X, y) == nn.make_moons(12, seed=3)
    for make in (nn.make_circles, nn.make_xor, nn.make_fruit):
        assert make(i32(6), seed=i64(1)) == make(6, seed=1)
    assert nn.make_spiral(i64(3), classes=i64(2), seed=i64(0)) == nn.make_spiral(3, 2, seed=0)
    assert nn.make_blobs(i64(6), centers=i64(2), seed=i64(0)) == nn.make_blobs(6, 2, seed=0)
    split = nn.train_val_split(X, y, seed=i64(0))
    assert split == nn.train_val_split(X, y, seed=0)
    assert nn.MLP(2, [3, 1], seed=i64(5)).state_dict() == nn.MLP(2, [3, 1], seed=5).state_dict()
    out = Value(2.0) * Value(3.0)
    assert (
        draw(out, max_nodes=i64(10), depth=i32(1), precision=i64(3)).source
        == draw(out, max_nodes=10, depth=1, precision=3).source
    )
    assert central_difference(lambda a, b: a * b, [2.0, 3.0], i64(1)) == pytest.approx(2.0)
    model = nn.MLP(2, [2, 1], seed=0)
    assert (
        nn.draw_network(model, precision=i64(2)).source
        == nn.draw_network(model, precision=2).source
    )
