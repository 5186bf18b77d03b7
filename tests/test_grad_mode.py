"""no_grad / enable_grad nesting, gradcheck inside no_grad, custom_op argument shapes."""

import pytest

from engine import Value, custom_op, gradcheck, is_grad_enabled, no_grad
from engine.grad_mode import enable_grad


def test_enable_grad_records_inside_no_grad_and_restores():
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            b = a * 3
        assert not is_grad_enabled()
        c = a * 3
    assert is_grad_enabled()
    assert b.inputs[0] is a and c.inputs == ()


def test_gradcheck_works_inside_no_grad():
    with no_grad():
        assert gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7])


def test_custom_op_rejects_a_bare_value_instead_of_a_list():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"lists \(one entry per input\)"):
        custom_op(8.0, x, [12.0], op="cube")
    with pytest.raises(TypeError, match=r"lists \(one entry per input\)"):
        custom_op(8.0, [x], 12.0, op="cube")
