"""Error messages and reports, whole: a learner reads them to find the problem and the fix.

Each message below names the operation, the bad value and what to do instead; a change in
any of them should be a decision, so they are compared in full.
"""

from __future__ import annotations

import re

import pytest

from engine import GradcheckError, Value, custom_op, draw, gradcheck
from nn.activations import valid_names


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


X = Value(1.0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: custom_op(1.0, X, [1.0]),
            TypeError,
            "custom_op 'custom': inputs and local_grads must be lists (one entry per input), "
            "e.g. custom_op(y, [x], [dy_dx])",
        ),
        (
            lambda: custom_op(1.0, 5, [1.0], op="cube"),
            TypeError,
            "custom_op 'cube' inputs expects a list (or other iterable), got int: 5",
        ),
        (
            lambda: custom_op(1.0, [X], 5j, op="cube"),
            TypeError,
            "custom_op 'cube' local_grads expects a list (or other iterable), got complex: 5j",
        ),
        (
            lambda: custom_op(1.0, [2.0], [1.0]),
            TypeError,
            "custom_op 'custom': inputs must be Values, got float: 2.0; wrap a number with "
            "Value(...) or leave it out (a constant needs no gradient)",
        ),
        (
            lambda: custom_op(1.0, [X], [1.0, 2.0]),
            ValueError,
            "custom_op 'custom': 1 inputs but 2 local_grads; give one local derivative per input",
        ),
        (
            lambda: custom_op(1.0, [X], [1.0], op=3),
            TypeError,
            "custom_op: op must be a name (a str), got int: 3",
        ),
    ],
)
def test_custom_op_errors(call, error, message) -> None:
    with pytest.raises(error, match=exactly(message)):
        call()


def test_gradcheck_report() -> None:
    def half_wrong(a: Value, b: Value) -> Value:  # d/db should be 2, not 0
        return custom_op(3 * a.data + 2 * b.data, [a, b], [3.0, 0.0], op="half wrong")

    with pytest.raises(GradcheckError) as info:
        gradcheck(half_wrong, [2.0, 3.0], eps=0.5)  # exact central differences here
    assert str(info.value) == (
        "backward() disagrees with central differences:\n"
        "input         value        analytic         numeric   difference\n"
        "    0             2               3               3            0\n"
        "    1             3               0               2            2  <-- mismatch"
    )


def test_draw_too_large_message_lists_every_way_out() -> None:
    x = Value(1.0)
    root = x
    for _ in range(3):
        root = root * x + 1.0
    with pytest.raises(ValueError) as info:
        draw(root, max_nodes=2)
    assert str(info.value) == (
        "the graph has 10 Value nodes to draw, more than max_nodes=2; a picture that large "
        "is slow to lay out and hard to read. Ways out:\n"
        "  - draw(root, collapse=True) draws each neuron (w·x+b and its activation) as one "
        "node (10 nodes here)\n"
        "  - draw(some_inner_value) draws the graph below one intermediate Value\n"
        "  - draw(root, depth=3) draws only the Values within 3 operations of root\n"
        "  - draw(root, max_nodes=None) draws everything anyway (dot may take a long time)"
    )
    with pytest.raises(ValueError) as collapsed:
        draw(root, max_nodes=2, collapse=True)
    assert "collapse=True" not in str(collapsed.value)  # already collapsed: not offered again


def test_activation_names_are_listed_for_errors() -> None:
    assert valid_names() == (
        "'linear', 'relu', 'leaky_relu', 'elu', 'sigmoid', 'tanh', 'softplus', 'silu', "
        "'dsilu', 'hard_sigmoid', 'step', 'sign', 'softmax'"
    )
