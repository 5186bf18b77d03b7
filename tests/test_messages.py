# ruff: noqa: E501 (messages are compared whole, on one line each)
"""Error messages and reports, whole: a learner reads them to find the problem and the fix.

Each message below names the operation, the bad value and what to do instead; a change in
any of them should be a decision, so they are compared in full.
"""

from __future__ import annotations

import math
import random
import re

import pytest

import engine
import nn
from engine import GradcheckError, Value, custom_op, draw, gradcheck
from engine.gradcheck import central_difference
from nn.activations import get_activation, valid_names
from nn.modules import Module, module_from_spec
from nn.serialize import from_dict
from nn.softmax import log_softmax, softmax


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
        "node (more than 2 nodes here)\n"
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


# -- every error, whole -------------------------------------------------------------------
# (call, error type, message): the call is Python source, evaluated with the names below.

NAMES = {
    "math": math,
    "random": random,
    "x": Value(1.0),
    **{name: getattr(engine, name) for name in engine.__all__},
    **{name: getattr(nn, name) for name in nn.__all__},
    "central_difference": central_difference,
    "Module": Module,
    "module_from_spec": module_from_spec,
    "from_dict": from_dict,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "get_activation": get_activation,
}

ENGINE_ERRORS = [
    ("topological_order(2.0)", TypeError, "expected a Value, got float: 2.0"),
    ('Value("abc")', TypeError, "Value expects a real number (int or float), got str: 'abc'"),
    (
        "Value(x)",
        TypeError,
        "Value expects a number, got a Value (Value(data=1.0, grad=0.0)); pass value.data for its number, or use the Value itself in an expression",
    ),
    ("Value(10**400)", ValueError, "Value: the int is too large for a float (above about 1.8e308)"),
    (
        "Value(1.0) / 0",
        ZeroDivisionError,
        "division by zero: Value(data=1.0, grad=0.0) / Value(data=0.0, grad=0.0)",
    ),
    (
        "Value(-1.0) ** 0.5",
        ValueError,
        "power of a negative base to a non-integer exponent: (-1.0) ** 0.5 is not a real number",
    ),
    (
        "Value(0.0) ** -1",
        ZeroDivisionError,
        "division by zero: 0 ** -1.0 (zero to a negative power)",
    ),
    (
        "Value(1.0) ** (10**400)",
        ValueError,
        "**: the int is too large for a float (above about 1.8e308)",
    ),
    (
        "Value(-2.0) ** Value(2.0)",
        ValueError,
        "power with a Value exponent needs a positive base: (-2.0) ** Value has no derivative toward the exponent (a^b ln a); use a number exponent",
    ),
    (
        "Value(0.0).log()",
        ValueError,
        "log of a non-positive number: log(0.0) is undefined; log needs an input > 0",
    ),
    (
        "Value(-2.0).log()",
        ValueError,
        "log of a non-positive number: log(-2.0) is undefined; log needs an input > 0",
    ),
    (
        "Value(-2.0) ** Value(0.5)",
        ValueError,
        "power of a negative base to a non-integer exponent: (-2.0) ** 0.5 is not a real number",
    ),
    (
        'Value(1.0).leaky_relu("a")',
        TypeError,
        "leaky_relu slope expects a real number (int or float), got str: 'a'",
    ),
    (
        "Value(1.0).elu(None)",
        TypeError,
        "elu alpha expects a real number (int or float), got NoneType: None",
    ),
    ("maximum()", ValueError, "maximum needs at least one value"),
    ("maximum([])", ValueError, "maximum needs at least one value"),
    ('maximum(x, "a")', TypeError, "maximum expects a real number (int or float), got str: 'a'"),
    ("sum_values(5)", TypeError, "sum_values expects a list (or other iterable), got int: 5"),
    (
        'sum_values([x, "a"])',
        TypeError,
        "sum_values expects a real number (int or float), got str: 'a'",
    ),
    (
        "weighted_sum([x], [1.0, 2.0])",
        ValueError,
        "weighted_sum: 1 weights but 2 inputs; a neuron needs one weight per input",
    ),
    (
        'weighted_sum([x], ["a"])',
        TypeError,
        "weighted_sum expects a real number (int or float), got str: 'a'",
    ),
    (
        "weighted_sums([[x], [x]], [1.0], [0.0])",
        ValueError,
        "weighted_sums: 2 rows of weights but 1 biases; each neuron needs one bias",
    ),
    (
        "weighted_sums(5, [1.0], [0.0])",
        TypeError,
        "weighted_sums weights expects a list (or other iterable), got int: 5",
    ),
    (
        "weighted_sums([[x, x]], [x], [x], validate=False)",  # the length is checked anyway
        ValueError,
        "weighted_sums: 2 weights but 1 inputs; a neuron needs one weight per input",
    ),
    (
        "weighted_sums([5], [1.0], [0.0])",  # a row that is a number
        TypeError,
        "weighted_sums weights expects a list (or other iterable), got int: 5",
    ),
    (
        "weighted_sums([[x]], 5, [0.0])",
        TypeError,
        "weighted_sums inputs expects a list (or other iterable), got int: 5",
    ),
    (
        "weighted_sums([[x]], [1.0], 5)",
        TypeError,
        "weighted_sums biases expects a list (or other iterable), got int: 5",
    ),
    (
        'weighted_sums([["a"]], [1.0], [0.0])',
        TypeError,
        "weighted_sums expects a real number (int or float), got str: 'a'",
    ),
    (
        'weighted_sums([[x]], [1.0], ["b"])',
        TypeError,
        "weighted_sums expects a real number (int or float), got str: 'b'",
    ),
    (
        "central_difference(lambda a: a, [1.0], 0, eps=0)",
        ValueError,
        "central_difference: eps must be a positive number, got 0",
    ),
    (
        "central_difference(lambda a: a, [1.0], 1)",
        ValueError,
        "central_difference: index must be an int from 0 to 0, got 1",
    ),
    (
        "central_difference(lambda a: a, [1.0], True)",
        ValueError,
        "central_difference: index must be an int from 0 to 0, got True",
    ),
    (
        "central_difference(lambda a: 1.0, [1.0], 0)",
        TypeError,
        "gradcheck: f must return a Value, got float",
    ),
    (
        'central_difference(lambda a: a, ["a"], 0)',
        TypeError,
        "central_difference point expects a real number (int or float), got str: 'a'",
    ),
    ("gradcheck(lambda a: 2.0, [1.0])", TypeError, "gradcheck: f must return a Value, got float"),
    (
        'gradcheck(lambda a: a, ["z"])',
        TypeError,
        "gradcheck expects a real number (int or float), got str: 'z'",
    ),
    ("backward_steps(3.0).__next__()", TypeError, "backward_steps expects a Value, got float: 3.0"),
    ("draw(3.0)", TypeError, "draw expects a Value, got float: 3.0"),
    (
        'draw(x, rankdir="XY")',
        ValueError,
        "draw: rankdir must be 'LR', 'RL', 'TB' or 'BT', got 'XY'",
    ),
    ("draw(x, max_nodes=1.5)", TypeError, "draw: max_nodes must be an int or None, got 1.5"),
    ("draw(x, max_nodes=True)", TypeError, "draw: max_nodes must be an int or None, got True"),
    ("draw(x, max_nodes=0)", ValueError, "draw: max_nodes must be at least 1 (or None), got 0"),
    ("draw(x, depth=-1)", ValueError, "draw: depth must be an int >= 0 or None, got -1"),
    ("draw(x, depth=True)", ValueError, "draw: depth must be an int >= 0 or None, got True"),
    ("draw(x, precision=0)", ValueError, "draw: precision must be an int >= 1, got 0"),
    (
        "draw(x, highlight=3)",
        TypeError,
        "draw: highlight must be a BackwardStep (from backward_steps) or a Value, got int",
    ),
    (
        "draw(x, parameters=[3])",
        TypeError,
        "draw: parameters must be Values or (name, Value) pairs (e.g. model.named_parameters()), got int: 3",
    ),
    (
        "draw(x, highlight=Value(2.0))",
        ValueError,
        "draw: highlight is not part of the graph of root (use a step of backward_steps(root), or a Value root depends on)",
    ),
]

NN_ERRORS = [
    (
        'mse(5, "ab")',
        TypeError,
        "mse: targets must be a number, a Value or a list of them, got str: 'ab'",
    ),
    ("mse([], [1.0])", ValueError, "mse: predictions is empty; give at least one value"),
    (
        "mse([1.0, [2.0]], [1.0, [2.0]])",
        TypeError,
        "mse: predictions mixes numbers and lists; give a flat list or a list of lists",
    ),
    (
        "mse([[1.0], []], [[1.0], [2.0]])",
        TypeError,
        "mse: every row of predictions must be a non-empty list of numbers",
    ),
    (
        'mse([[1.0], ["a"]], [[1.0], [2.0]])',
        TypeError,
        "mse: every row of predictions must be a non-empty list of numbers",
    ),
    (
        "mse([1.0, 2.0], [1.0])",
        ValueError,
        "mse: predictions and targets differ in shape (2 vs 1); give one target per prediction",
    ),
    (
        "mse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0]])",
        ValueError,
        "mse: predictions and targets differ in shape ([2, 2] vs 2); give one target per prediction",
    ),
    (
        "mse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [1.0]])",
        ValueError,
        "mse: predictions and targets differ in shape ([2, 2] vs [2, 1]); give one target per prediction",
    ),
    (
        "binary_cross_entropy([0.5], [2.0])",
        ValueError,
        "binary_cross_entropy: targets must lie in [0, 1], got 2.0",
    ),
    (
        "binary_cross_entropy([0.5], [-0.5])",
        ValueError,
        "binary_cross_entropy: targets must lie in [0, 1], got -0.5",
    ),
    (
        "binary_cross_entropy([1.5], [1.0])",
        ValueError,
        "binary_cross_entropy: predictions must be probabilities in [0, 1], got 1.5; for raw scores use binary_cross_entropy_with_logits",
    ),
    (
        "binary_cross_entropy([-0.1], [1.0])",
        ValueError,
        "binary_cross_entropy: predictions must be probabilities in [0, 1], got -0.1; for raw scores use binary_cross_entropy_with_logits",
    ),
    (
        "binary_cross_entropy_with_logits([0.5], [2.0])",
        ValueError,
        "binary_cross_entropy_with_logits: targets must lie in [0, 1], got 2.0",
    ),
    (
        "cross_entropy([1.0, 2.0, 3.0], 3)",
        ValueError,
        "cross_entropy: target index 3 is out of range for 3 classes",
    ),
    (
        "cross_entropy([1.0, 2.0, 3.0], -1)",
        ValueError,
        "cross_entropy: target index -1 is out of range for 3 classes",
    ),
    (
        "cross_entropy([1.0, 2.0], 1.0)",
        TypeError,
        "cross_entropy: a target must be a class index (int), got float: 1.0",
    ),
    (
        "cross_entropy([1.0, 2.0], True)",
        TypeError,
        "cross_entropy: a target must be a class index (int), got bool: True",
    ),
    (
        "cross_entropy([[1.0, 2.0], [0.0, 1.0]], [1])",
        ValueError,
        "cross_entropy: 2 logit rows but 1 targets; give one class index per example",
    ),
    ("cross_entropy([], [])", ValueError, "cross_entropy: the batch is empty"),
    (
        "cross_entropy(2.0, 0)",
        TypeError,
        "cross_entropy: needs one score per class (a list of logits), got a single float; for one output (two classes) use binary_cross_entropy_with_logits",
    ),
    (
        "cross_entropy([], 0)",
        ValueError,
        "cross_entropy: the logits are empty; give one score per class",
    ),
    (
        "cross_entropy([[1.0], [2.0]], 0)",
        TypeError,
        "cross_entropy: logits must be a list of numbers for one target index (or a list of lists with a list of indices)",
    ),
    ("hinge([0.5], [0])", ValueError, "hinge: labels must be -1 or +1, got 0"),
    ("hinge([0.5], [Value(2.0)])", ValueError, "hinge: labels must be -1 or +1, got 2.0"),
    (
        "hinge([1.0, 2.0], [1])",
        ValueError,
        "hinge: predictions and targets differ in shape (2 vs 1); give one target per prediction",
    ),
    (
        "softmax(3.0)",
        TypeError,
        "softmax expects a list of scores (one per class), got a single float; wrap it in a list",
    ),
    ("softmax([])", ValueError, "softmax of an empty list is undefined; give at least one score"),
    (
        "softmax([1.0, '2'])",
        TypeError,
        "softmax expects a real number (int or float), got str: '2'",
    ),
    (
        "log_softmax([1.0, None])",
        TypeError,
        "log_softmax expects a real number (int or float), got NoneType: None",
    ),
    (
        "log_softmax([])",
        ValueError,
        "log_softmax of an empty list is undefined; give at least one score",
    ),
    (
        'get_activation("softmax")',
        ValueError,
        "'softmax' acts on a whole layer, not on one neuron; use it as a Layer's activation, e.g. Layer(nin, nout, activation='softmax')",
    ),
    (
        'get_activation("relu6")',
        ValueError,
        "unknown activation 'relu6'; valid names: 'linear', 'relu', 'leaky_relu', 'elu', 'sigmoid', 'tanh', 'softplus', 'silu', 'dsilu', 'hard_sigmoid', 'step', 'sign', 'softmax' (or pass a function Value -> Value; an activation of your own must be registered first: nn.register_activation('relu6', fn))",
    ),
    (
        "get_activation(5)",
        TypeError,
        "activation must be a name ('linear', 'relu', 'leaky_relu', 'elu', 'sigmoid', 'tanh', 'softplus', 'silu', 'dsilu', 'hard_sigmoid', 'step', 'sign', 'softmax') or a function Value -> Value, got int: 5",
    ),
    ("Neuron(0)", ValueError, "Neuron nin must be a positive int, got 0"),
    ("Neuron(2.5)", TypeError, "Neuron nin must be a positive int, got float: 2.5"),
    ("Neuron(True)", TypeError, "Neuron nin must be a positive int, got bool: True"),
    ("Layer(2, 0)", ValueError, "Layer nout must be a positive int, got 0"),
    ("Neuron(2, rng=random.Random(0), seed=1)", ValueError, "give either rng= or seed=, not both"),
    ("Neuron(2, rng=5)", TypeError, "rng must be a random.Random (or the random module), got int"),
    (
        'Neuron(2, init="bad")',
        ValueError,
        "unknown init 'bad'; valid names: 'uniform', 'xavier', 'glorot', 'he'",
    ),
    (
        'Neuron(2)("ab")',
        TypeError,
        "Neuron expects a list of 2 inputs (numbers or Values), got str: 'ab'",
    ),
    ("Neuron(2)([1.0])", ValueError, "Neuron expects 2 inputs, got 1"),
    ('Neuron(2)([1.0, "a"])', TypeError, "Neuron inputs must be numbers or Values, got str: 'a'"),
    (
        "Neuron(2)([1.0, [2.0]])",
        TypeError,
        "Neuron inputs must be numbers or Values, got list: [2.0]; a model takes one example at a time: for a list of examples use [model(x) for x in X] or nn.predict(model, X)",
    ),
    ("Neuron(2)(5)", ValueError, "Neuron expects 2 inputs, got 1"),
    ("Module()([1.0])", NotImplementedError, "Module must define forward(x)"),
    ("Module().get_config()", NotImplementedError, "Module must define get_config()"),
    ("MaxoutUnit(2, pieces=0)", ValueError, "MaxoutUnit pieces must be a positive int, got 0"),
    ("Maxout(2, 0)", ValueError, "Maxout nout must be a positive int, got 0"),
    ("Sequential()", ValueError, "Sequential needs at least one layer"),
    (
        "Sequential(5)",
        TypeError,
        "Sequential layer 0 must be a Module (Layer, Maxout, ...), got int",
    ),
    (
        "Sequential(Module())",
        TypeError,
        "Sequential layer 0 (Module) needs nin and nout attributes (its numbers of inputs and outputs)",
    ),
    (
        "Sequential(Layer(2, 3), Layer(2, 1))",
        ValueError,
        "layer 0 has 3 outputs but layer 1 expects 2 inputs",
    ),
    (
        "MLP(2, [])",
        ValueError,
        "MLP nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got []",
    ),
    (
        "MLP(2, 5)",
        ValueError,
        "MLP nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got 5",
    ),
    (
        'MLP(2, "ab")',
        ValueError,
        "MLP nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got 'ab'",
    ),
    ("MLP(0, [1])", ValueError, "MLP nin must be a positive int, got 0"),
    ("MLP(2, [1, 0])", ValueError, "MLP layer size must be a positive int, got 0"),
    (
        'MLP(2, [2, 1], activation="nope")',
        ValueError,
        "unknown activation 'nope'; valid names: 'linear', 'relu', 'leaky_relu', 'elu', 'sigmoid', 'tanh', 'softplus', 'silu', 'dsilu', 'hard_sigmoid', 'step', 'sign', 'softmax' (or pass a function Value -> Value; an activation of your own must be registered first: nn.register_activation('nope', fn))",
    ),
    ("module_from_spec(5)", ValueError, "a module spec needs 'class' and 'config' entries, got 5"),
    (
        'module_from_spec({"class": "Nope", "config": {}})',
        ValueError,
        "unknown module class 'Nope'; known: Layer, MLP, Maxout, MaxoutUnit, Neuron, Sequential",
    ),
    (
        'module_from_spec({"class": "Layer", "config": 5})',
        ValueError,
        "the config of a Layer must be a dict, got int",
    ),
    (
        'module_from_spec({"class": "Layer", "config": {"nin": 0, "nout": 1}})',
        ValueError,
        "cannot build Layer from config {'nin': 0, 'nout': 1}: Layer nin must be a positive int, got 0",
    ),
    (
        'module_from_spec({"class": 5, "config": {}})',
        ValueError,
        "unknown module class 5; known: Layer, MLP, Maxout, MaxoutUnit, Neuron, Sequential",
    ),
    (
        "Neuron(2, seed=0).load_state_dict({})",
        ValueError,
        "parameters do not match this Neuron: missing 3 (w.0, w.1, b)",
    ),
    (
        'Neuron(2, seed=0).load_state_dict({"w.0": 1.0, "w.1": 1.0, "b": 0.0, "c": 1.0})',
        ValueError,
        "parameters do not match this Neuron: unexpected 1 (c)",
    ),
    (
        'Neuron(2, seed=0).load_state_dict({"w.0": "1", "w.1": 1.0, "b": 0.0})',
        ValueError,
        "parameter 'w.0' must be a number, got str: '1'",
    ),
    (
        'Neuron(2, seed=0).load_state_dict({"w.0": True, "w.1": 1.0, "b": 0.0})',
        ValueError,
        "parameter 'w.0' must be a number, got bool: True",
    ),
    (
        'Neuron(2, seed=0).load_state_dict({"w.0": math.nan, "w.1": 1.0, "b": 0.0})',
        ValueError,
        "parameter 'w.0' must be a finite number, got nan",
    ),
    (
        "MLP(3, [8, 8], seed=0).load_state_dict({})",
        ValueError,
        "parameters do not match this MLP: missing 104 (layers.0.neurons.0.w.0, layers.0.neurons.0.w.1, layers.0.neurons.0.w.2, layers.0.neurons.0.b, layers.0.neurons.1.w.0...)",
    ),
    ("SGD([], lr=0.1)", ValueError, "the optimizer got an empty parameter list"),
    (
        "SGD(5, lr=0.1)",
        TypeError,
        "params must be a list of Values (e.g. model.parameters()), got int",
    ),
    (
        "SGD(x, lr=0.1)",
        TypeError,
        "params must be a list of Values (e.g. model.parameters()), got Value",
    ),
    ("SGD([x, 2.0], lr=0.1)", TypeError, "params[1] must be a Value, got float: 2.0"),
    (
        "SGD([x, x], lr=0.1)",
        ValueError,
        "params[1] appears twice in the parameter list; it would be updated twice",
    ),
    ("SGD([x], lr=-0.1)", ValueError, "lr must be >= 0.0, got -0.1"),
    ('SGD([x], lr="a")', TypeError, "lr must be a number, got str: 'a'"),
    ("SGD([x], lr=True)", TypeError, "lr must be a number, got bool: True"),
    ("SGD([x], lr=math.inf)", ValueError, "lr must be >= 0.0, got inf"),
    ("SGD([x], lr=0.1, momentum=-1)", ValueError, "momentum must be >= 0.0, got -1.0"),
    ("SGD([x], lr=0.1, weight_decay=-1)", ValueError, "weight_decay must be >= 0.0, got -1.0"),
    ("Adam([x], betas=(0.9,))", ValueError, "betas must be a pair (beta1, beta2), got (0.9,)"),
    ("Adam([x], betas=0.9)", ValueError, "betas must be a pair (beta1, beta2), got 0.9"),
    ("Adam([x], betas=(1.0, 0.9))", ValueError, "betas[0] must be in [0.0, 1.0), got 1.0"),
    ("Adam([x], betas=(0.9, -0.1))", ValueError, "betas[1] must be in [0.0, 1.0), got -0.1"),
    ("Adam([x], eps=-1)", ValueError, "eps must be >= 0.0, got -1.0"),
    ("Adam([x], weight_decay=-1)", ValueError, "weight_decay must be >= 0.0, got -1.0"),
    ("SGD([x], lr=lambda t: -1.0).step()", ValueError, "lr(0) must be >= 0.0, got -1.0"),
    ('SGD([x], lr=lambda t: "a").step()', TypeError, "lr(0) must be a number, got str: 'a'"),
    ('from_dict(5, "src")', ValueError, "src: not a chainrule model (expected a JSON object)"),
    (
        'from_dict({"format": "x"}, "src")',
        ValueError,
        "src: not a chainrule model: format is 'x', expected 'chainrule-model'",
    ),
    (
        'from_dict({"format": "chainrule-model", "version": 2}, "src")',
        ValueError,
        "src: unsupported chainrule-model version 2; this chainrule reads version 1",
    ),
    (
        'from_dict({"format": "chainrule-model", "version": 1}, "src")',
        ValueError,
        "src: the 'architecture' entry is missing",
    ),
    (
        'from_dict({"format": "chainrule-model", "version": 1, "architecture": {}}, "src")',
        ValueError,
        "src: the 'parameters' entry is missing",
    ),
    (
        'from_dict({"format": "chainrule-model", "version": 1, "architecture": {}, "parameters": 5}, "src")',
        ValueError,
        "src: 'parameters' must be an object of name: number",
    ),
    (
        'from_dict({"format": "chainrule-model", "version": 1, "architecture": {"class": "Neuron", "config": {"nin": 1}}, "parameters": {}}, "src")',
        ValueError,
        "src: parameters do not match this Neuron: missing 2 (w.0, b)",
    ),
    (
        "to_torch(Neuron(1, activation=lambda z: z))",
        ValueError,
        "layer 0 (Neuron): the activation '<lambda>' has no PyTorch equivalent here; to_torch translates the named activations 'linear', 'relu', 'leaky_relu', 'elu', 'sigmoid', 'tanh', 'softplus', 'silu', 'hard_sigmoid', 'dsilu', 'step', 'sign', 'softmax', and activations registered with nn.register_activation(name, fn, torch=...)",
    ),
    (
        "to_torch(5)",
        TypeError,
        "layer 0 (int): to_torch cannot translate a int; it knows Layer, Neuron, Maxout and MaxoutUnit (and Sequential/MLP stacks of them)",
    ),
    (
        "fit(lambda x: 2 * x[0], [[1.0]], [2.0])",
        TypeError,
        "fit: the model must have parameters() (the Values it learns), e.g. an MLP or a Module of your own; got function",
    ),
    (
        'fit(Neuron(1), "ab", [1])',
        TypeError,
        "fit: X and y must be lists (examples and their targets)",
    ),
    (
        "fit(Neuron(1), [[1.0]], 1.0)",
        TypeError,
        "fit: X and y must be lists (examples and their targets)",
    ),
    ("fit(Neuron(1), [[1.0]], [1, 2])", ValueError, "fit: 1 examples in X but 2 targets in y"),
    ("fit(Neuron(1), [], [])", ValueError, "fit: the dataset is empty"),
    (
        'fit(Neuron(1), [[1.0]], ["a"])',
        TypeError,
        "fit: targets must be numbers (class indices, 0/1 or -1/+1 labels, or values), got the string 'a'; turn class names into indices first, e.g. [names.index(label) for label in y]",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], epochs=0)",
        ValueError,
        "epochs must be a positive int, got 0",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], epochs=True)",
        ValueError,
        "epochs must be a positive int, got True",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], batch_size=0)",
        ValueError,
        "batch_size must be a positive int or None (full batch), got 0",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], batch_size=True)",
        ValueError,
        "batch_size must be a positive int or None (full batch), got True",
    ),
    (
        'fit(Neuron(1), [[1.0]], [1.0], loss="nope")',
        ValueError,
        "unknown loss 'nope'; valid names: 'mse', 'sse', 'rmse', 'mae', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy', 'hinge' (or pass a function (prediction, target) -> Value)",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], loss=5)",
        TypeError,
        "loss must be a name or a function (prediction, target) -> Value, got int: 5",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], regularization=5)",
        TypeError,
        "regularization must be a function model -> Value, e.g. lambda model: 1e-4 * sum(p * p for p in model.parameters())",
    ),
    (
        'fit(Neuron(1), [[1.0]], [0], loss="hinge")',
        ValueError,
        "the hinge loss needs labels -1 or +1, got 0; map 0/1 labels with nn.data.to_signed_labels(y) (2 * y - 1)",
    ),
    (
        'fit(Neuron(1), [[1.0]], [1.0], metrics=["f1"])',
        ValueError,
        "unknown metric 'f1'; the one metric is 'accuracy'",
    ),
    (
        'fit(Neuron(1), [[1.0]], [1.5], metrics=["accuracy"])',
        ValueError,
        "accuracy needs class labels as targets (0/1 or -1/+1 for one output, a class index for several); these targets look like regression values",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], validation_data=5)",
        TypeError,
        "validation_data must be a pair (X_val, y_val)",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], validation_data=([[1.0]], [1.0, 2.0]))",
        ValueError,
        "fit validation_data: 1 examples in X but 2 targets in y",
    ),
    (
        'fit(Neuron(1), [[1.0]], [1.0], optimizer="rmsprop")',
        ValueError,
        "unknown optimizer 'rmsprop'; valid names: 'sgd', 'adam' (or pass an optimizer object, e.g. SGD(model.parameters(), lr=0.1))",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], optimizer=SGD([x], lr=0.1), lr=0.1)",
        ValueError,
        "lr is given both to fit and to the optimizer object; set it on the optimizer only",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], optimizer=5)",
        TypeError,
        "optimizer must be 'sgd', 'adam' or an object with step() and zero_grad(), got int",
    ),
    (
        "fit(Neuron(1), [[1.0]], [1.0], optimizer=SGD([x], lr=0.1))",
        ValueError,
        "the optimizer holds none of this model's parameters; create it with optimizer = SGD(model.parameters(), lr=...)",
    ),
]


@pytest.mark.parametrize("call, error, message", ENGINE_ERRORS + NN_ERRORS)
def test_every_error_names_the_problem_and_the_fix(
    call: str, error: type, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    library_only = {  # other tests register Module classes of their own
        name: cls
        for name, cls in nn.modules.MODULE_CLASSES.items()
        if cls.__module__ == "nn.modules"
    }
    monkeypatch.setattr(nn.modules, "MODULE_CLASSES", library_only)
    with pytest.raises(error, match=exactly(message)):
        eval(call, dict(NAMES))


MORE_ERRORS = [
    (
        "register_activation(5, abs)",
        TypeError,
        "register_activation: name must be a non-empty str, got 5",
    ),
    (
        "register_activation('  ', abs)",
        TypeError,
        "register_activation: name must be a non-empty str, got '  '",
    ),
    (
        "register_activation('relu', abs)",
        ValueError,
        "register_activation: 'relu' is a built-in activation; choose another name for yours (e.g. 'relu_mine')",
    ),
    (
        "register_activation('mine', 5)",
        TypeError,
        "register_activation: fn must be a function Value -> Value, got int",
    ),
    (
        "register_activation('mine', abs, torch=5)",
        TypeError,
        "register_activation: torch= must be a function that returns a torch module, e.g. torch=lambda: torch.nn.GELU()",
    ),
    (
        "mse(1.0, [1.0, 2.0])",
        ValueError,
        "mse: predictions and targets differ in shape (1 vs 2); give one target per prediction",
    ),
    (
        "mse([[1.0], 'ab'], [[1.0], [2.0]])",
        TypeError,
        "mse: predictions mixes numbers and lists; give a flat list or a list of lists",
    ),
    (
        "binary_cross_entropy([1.0], [0.0])",
        ValueError,
        "binary_cross_entropy: probability 1.0 for target 0.0 gives an infinite loss; use binary_cross_entropy_with_logits on the score before the sigmoid (it is exact where the sigmoid saturates)",
    ),
]


@pytest.mark.parametrize("call, error, message", MORE_ERRORS)
def test_more_errors_whole(call: str, error: type, message: str) -> None:
    from nn.activations import register_activation

    with pytest.raises(error, match=exactly(message)):
        eval(call, {**NAMES, "register_activation": register_activation})


def test_saving_errors_name_the_model_the_parameter_and_the_fix(tmp_path) -> None:
    with pytest.raises(TypeError, match=exactly("save expects an nn Module, got int")):
        nn.save(5, tmp_path / "m.json")
    model = nn.Neuron(1, seed=0)
    model.w[0].data = math.nan
    with pytest.raises(ValueError) as caught:
        model.save(tmp_path / "m.json")
    assert str(caught.value) == (
        "cannot save this model: parameter w.0 is nan (JSON has no nan or inf, and such a "
        "model could not be used); train again with a lower learning rate"
    )
    with pytest.raises(IsADirectoryError) as caught:
        nn.Neuron(1, seed=0).save(tmp_path)
    assert str(caught.value) == (
        f"cannot save to {tmp_path}: it is a folder; give a file name inside it, "
        f"e.g. {tmp_path / 'model.json'}"
    )

    class Neuron(nn.Module):  # a class of the user's named like the library's
        def __init__(self) -> None:
            self.w = Value(1.0)

    with pytest.raises(ValueError) as caught:
        Neuron().save(tmp_path / "mine.json")
    assert str(caught.value) == (
        "cannot describe this model: loading it would build nn.modules.Neuron, another class "
        "of the same name; give your class another name (or, if you redefined it in a "
        "notebook, make the model again from the new definition)"
    )


def test_formulas_nested_too_deeply_are_refused() -> None:
    from nn.formula import FormulaError, evaluate_formula

    too_deep = (
        "the formula is too long or too deeply nested for Python's parser (it reads chains "
        "of up to about 2,500 operations, and parentheses up to 200 deep)"
    )
    for depth in (100_000,):  # deeper than Python's parser goes
        with pytest.raises(FormulaError, match=exactly(too_deep)):
            evaluate_formula("-" * depth + "a", {"a": 1.0})
    _, variables = evaluate_formula("a * b", {"a": 1.0, "b": 2.0})
    assert [v.label for v in variables.values()] == ["a", "b"]  # the names in pictures
