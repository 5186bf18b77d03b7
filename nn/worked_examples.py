r"""``chainrule examples``: every worked example of the source texts, recomputed.

Each example is a function returning its ``Check``s: the number a text
gives beside the number the engine computes. ``run_examples`` prints them
side by side and counts the mismatches. The examples and their numbers are
listed in the project's WORKED_EXAMPLES.md.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from engine import Value, maximum, sum_values, weighted_sum


class Check:
    """One number of a worked example: the text's value beside the engine's.

    ``tolerance`` is ``None`` for "equal as Python floats" (exact arithmetic)
    and a relative tolerance otherwise (``1e-12``: 12 significant digits).
    """

    def __init__(
        self, what: str, text: float, engine: float, tolerance: float | None = 1e-12
    ) -> None:
        self.what = what
        self.text = float(text)
        self.engine = float(engine)
        self.tolerance = tolerance

    @property
    def matches(self) -> bool:
        """True when the engine reproduces the text's number."""
        if self.tolerance is None:
            return self.text == self.engine
        return math.isclose(self.text, self.engine, rel_tol=self.tolerance)


# Example 1 (WORKED_EXAMPLES.md §1): inputs, weights per layer, and the table's numbers.
RELU_INPUTS = (3.0, 5.0)
RELU_WEIGHTS = (
    ((2.0, 4.0), (4.0, -5.0)),  # hidden 1: neuron 1, neuron 2
    ((-1.0, 1.0), (2.0, 2.0)),  # hidden 2
    ((3.0, 7.0),),  # output
)
RELU_WEIGHTED_SUMS = ((26.0, -13.0), (-26.0, 52.0), (364.0,))
RELU_OUTPUTS = ((26.0, 0.0), (0.0, 52.0), (364.0,))
RELU_WEIGHT_GRADS = (((42.0, 70.0), (0.0, 0.0)), ((0.0, 0.0), (182.0, 0.0)), ((0.0, 52.0),))
RELU_BIAS_GRADS = ((14.0, 0.0), (0.0, 7.0), (1.0,))
RELU_INPUT_GRADS = (28.0, 56.0)

# Example 2 (§2): a perceptron with no activation.
PERCEPTRON_INPUTS = (2.0, 3.0)
PERCEPTRON_CASES = (((1.0, 1.0), 5.0), ((0.5, 0.5), 2.5))

# Example 3 (§3): the fruit classifier's raw outputs, target apple.
FRUIT_SCORES = (34.0, 32.0, 25.0)
FRUIT_NAMES = ("orange", "apple", "banana")
FRUIT_TARGET = (0.0, 1.0, 0.0)
FRUIT_SOFTMAX = (0.8807013466267556, 0.11918996619259818, 0.00010868718064608277)
FRUIT_SQUARED_ERRORS = (0.7756348619501807, 0.7758263156557964, 1.1812903236794228e-08)
FRUIT_SQUARED_ERROR_SUM = 1.5514611894188806
FRUIT_CROSS_ENTROPY = 2.1270367041304983
FRUIT_LARGE_SCORES = (1000.0, 998.0, 991.0)

# Example 4 (§4): a small I -> J -> K sigmoid network (2 -> 2 -> 2) and one target.
DELTA_INPUTS = (0.05, 0.10)
DELTA_HIDDEN_WEIGHTS = ((0.15, 0.20), (0.25, 0.30))  # W_ij, one row per hidden node j
DELTA_HIDDEN_BIASES = (0.35, 0.35)
DELTA_OUTPUT_WEIGHTS = ((0.40, 0.45), (0.50, 0.55))  # W_jk, one row per output node k
DELTA_OUTPUT_BIASES = (0.60, 0.60)
DELTA_TARGETS = (0.01, 0.99)
DELTA_LEARNING_RATE = 0.5

# Example 5 (§5): the points where each activation is checked.
ACTIVATION_POINTS = (-4.0, -1.0, 0.5, 2.0)

# Example 6 (§6): the step neuron that multiplies three bits, and the four-neuron product.
STEP_WEIGHTS = (1.0, 1.0, 1.0)
STEP_BIAS = -2.5
PRODUCT_X, PRODUCT_Y = 1.5, -2.0
SOFTPLUS_SECOND_DERIVATIVE_AT_0 = 0.25
PRODUCT_SCALES = (0.1, 0.01)


def _sigmoid(x: float) -> float:
    """The text's $1 / (1 + e^{-x})$, in plain floats."""
    return 1.0 / (1.0 + math.exp(-x))


def _example_relu_network() -> list[Check]:
    """§1: the ReLU network's table, then d(output)/d(every parameter and input)."""
    x = [Value(v) for v in RELU_INPUTS]
    checks = []
    layer_names = ("hidden 1", "hidden 2", "output")  # pragma: no mutate (renamed below)
    params = []  # (name, weights, bias) per neuron, in layer order
    activations: list[Value] = x
    for layer_index, layer in enumerate(RELU_WEIGHTS):
        outputs = []
        for neuron_index, weights in enumerate(layer):
            w = [Value(v) for v in weights]
            b = Value(0.0)
            z = weighted_sum(w, activations, b)
            a = z.relu()
            name = f"{layer_names[layer_index]}, neuron {neuron_index + 1}"
            if layer_index == len(RELU_WEIGHTS) - 1:
                name = "output"
            checks.append(
                Check(f"{name}: w·x+b", RELU_WEIGHTED_SUMS[layer_index][neuron_index], z.data, None)
            )
            checks.append(
                Check(f"{name}: relu", RELU_OUTPUTS[layer_index][neuron_index], a.data, None)
            )
            params.append((name, layer_index, neuron_index, w, b))
            outputs.append(a)
        activations = outputs
    output = activations[0]
    output.backward()
    for name, layer_index, neuron_index, w, b in params:
        for i, weight in enumerate(w):
            text = RELU_WEIGHT_GRADS[layer_index][neuron_index][i]
            checks.append(Check(f"{name}: d/dw{i + 1}", text, weight.grad, None))
        checks.append(
            Check(f"{name}: d/db", RELU_BIAS_GRADS[layer_index][neuron_index], b.grad, None)
        )
    for i, leaf in enumerate(x):
        checks.append(Check(f"d/dx{i + 1}", RELU_INPUT_GRADS[i], leaf.grad, None))
    return checks


def _example_perceptron() -> list[Check]:
    """§2: output = w·x, and d(output)/dw_i = x_i."""
    checks = []
    for weights, text_output in PERCEPTRON_CASES:
        w = [Value(v) for v in weights]
        output = weighted_sum(w, PERCEPTRON_INPUTS)
        output.backward()
        label = f"weights {weights[0]:g}, {weights[1]:g}"
        checks.append(Check(f"{label}: output", text_output, output.data, None))
        for i, weight in enumerate(w):
            checks.append(
                Check(f"{label}: d/dw{i + 1} = x{i + 1}", PERCEPTRON_INPUTS[i], weight.grad, None)
            )
    return checks


def _example_softmax() -> list[Check]:
    """§3: softmax of the fruit scores, squared errors and cross-entropy for target apple."""
    from nn.losses import cross_entropy
    from nn.softmax import softmax

    checks = []
    probabilities = softmax(FRUIT_SCORES)
    for name, text, p in zip(FRUIT_NAMES, FRUIT_SOFTMAX, probabilities):
        checks.append(Check(f"softmax, {name}", text, p.data))
    rounded, what = round(probabilities[1].data, 2), "apple, rounded to 2 digits"
    checks.append(Check(what, 0.12, rounded, None))  # pragma: no mutate (2 digits: exact)
    errors = [(p - t) ** 2 for p, t in zip(probabilities, FRUIT_TARGET)]
    for name, text, error in zip(FRUIT_NAMES, FRUIT_SQUARED_ERRORS, errors):
        checks.append(Check(f"squared error, {name}", text, error.data))
    checks.append(Check("squared error, sum", FRUIT_SQUARED_ERROR_SUM, sum_values(errors).data))
    apple = FRUIT_NAMES.index("apple")
    checks.append(
        Check(
            "cross-entropy -ln p(apple)",
            FRUIT_CROSS_ENTROPY,
            cross_entropy(FRUIT_SCORES, apple).data,
        )
    )
    for name, text, p in zip(FRUIT_NAMES, FRUIT_SOFTMAX, softmax(FRUIT_LARGE_SCORES)):
        checks.append(Check(f"softmax([1000, 998, 991]), {name}", text, p.data))
    return checks


def _example_delta_rule() -> list[Check]:
    r"""§4: the delta rule by hand (plain floats) beside ``backward()`` on the same network.

    Hand: $\delta_k = O_k(1 - O_k)(O_k - t_k)$, $\delta_j = O_j(1 - O_j)\sum_k \delta_k W_{jk}$,
    $\partial E/\partial W = \delta \cdot O_{\text{in}}$, $\partial E/\partial\theta = \delta$,
    then one update $W \leftarrow W - \eta\,\partial E/\partial W$.
    """
    x, t, eta = DELTA_INPUTS, DELTA_TARGETS, DELTA_LEARNING_RATE
    # -- by hand ---------------------------------------------------------------
    hidden = [
        _sigmoid(sum(w * xi for w, xi in zip(row, x)) + theta)
        for row, theta in zip(DELTA_HIDDEN_WEIGHTS, DELTA_HIDDEN_BIASES)
    ]
    out = [
        _sigmoid(sum(w * h for w, h in zip(row, hidden)) + theta)
        for row, theta in zip(DELTA_OUTPUT_WEIGHTS, DELTA_OUTPUT_BIASES)
    ]
    hand_error = 0.5 * sum((o - tk) ** 2 for o, tk in zip(out, t))
    delta_k = [o * (1 - o) * (o - tk) for o, tk in zip(out, t)]
    delta_j = [
        h * (1 - h) * sum(delta_k[k] * DELTA_OUTPUT_WEIGHTS[k][j] for k in range(len(out)))
        for j, h in enumerate(hidden)
    ]
    # -- by the engine ---------------------------------------------------------
    w_ij = [[Value(v) for v in row] for row in DELTA_HIDDEN_WEIGHTS]
    theta_j = [Value(v) for v in DELTA_HIDDEN_BIASES]
    w_jk = [[Value(v) for v in row] for row in DELTA_OUTPUT_WEIGHTS]
    theta_k = [Value(v) for v in DELTA_OUTPUT_BIASES]
    o_j = [weighted_sum(row, x, theta).sigmoid() for row, theta in zip(w_ij, theta_j)]
    o_k = [weighted_sum(row, o_j, theta).sigmoid() for row, theta in zip(w_jk, theta_k)]
    error = 0.5 * sum_values([(o - tk) ** 2 for o, tk in zip(o_k, t)])
    error.backward()

    checks = [Check("error E = 1/2 sum (O_k - t_k)^2", hand_error, error.data)]
    for k, row in enumerate(w_jk):
        for j, weight in enumerate(row):
            hand = delta_k[k] * hidden[j]
            checks.append(Check(f"dE/dW_j{j + 1}k{k + 1} = delta_k O_j", hand, weight.grad))
        checks.append(Check(f"dE/dtheta_k{k + 1} = delta_k", delta_k[k], theta_k[k].grad))
    for j, row in enumerate(w_ij):
        for i, weight in enumerate(row):
            hand = delta_j[j] * x[i]
            checks.append(Check(f"dE/dW_i{i + 1}j{j + 1} = delta_j O_i", hand, weight.grad))
        checks.append(Check(f"dE/dtheta_j{j + 1} = delta_j", delta_j[j], theta_j[j].grad))
    # one gradient-descent step, W <- W - eta dE/dW: by hand, and by nn.SGD
    from nn.optim import SGD

    SGD([*(w for row in w_jk + w_ij for w in row), *theta_j, *theta_k], lr=eta).step()
    for k, row in enumerate(w_jk):
        for j, weight in enumerate(row):
            hand = DELTA_OUTPUT_WEIGHTS[k][j] - eta * delta_k[k] * hidden[j]
            checks.append(Check(f"updated W_j{j + 1}k{k + 1}", hand, weight.data))
    for j, row in enumerate(w_ij):
        for i, weight in enumerate(row):
            hand = DELTA_HIDDEN_WEIGHTS[j][i] - eta * delta_j[j] * x[i]
            checks.append(Check(f"updated W_i{i + 1}j{j + 1}", hand, weight.data))
    return checks


def _maxout(x: Value) -> Value:
    """A maxout unit of two pieces: $\\max(1.0 x + 0.0, -0.5 x + 1.0)$."""
    return maximum(1.0 * x + 0.0, -0.5 * x + 1.0)  # pragma: no mutate (x - 0.0 is x + 0.0)


# (name, engine function, the text's formula f(x), the text's derivative f'(x))
_ACTIVATION_TABLE: tuple[
    tuple[str, Callable[[Value], Value], Callable[[float], float], Callable[[float], float]], ...
] = (
    ("sigmoid", Value.sigmoid, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    ("tanh", Value.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    ("relu", Value.relu, lambda x: max(0.0, x), lambda x: 1.0 if x > 0 else 0.0),
    (
        "leaky_relu",
        Value.leaky_relu,
        lambda x: max(0.01 * x, x),
        lambda x: 1.0 if x > 0 else 0.01,
    ),
    (
        "elu",
        Value.elu,
        lambda x: x if x > 0 else 1.0 * (math.exp(x) - 1),
        lambda x: 1.0 if x > 0 else 1.0 * math.exp(x),
    ),
    (
        "maxout",
        _maxout,
        lambda x: max(1.0 * x + 0.0, -0.5 * x + 1.0),
        lambda x: 1.0 if x > -0.5 * x + 1.0 else -0.5,
    ),
    ("step", Value.step, lambda x: 0.0 if x < 0 else 1.0, lambda x: 0.0),
    ("sign", Value.sign, lambda x: -1.0 if x < 0 else 1.0, lambda x: 0.0),
    (
        "hard_sigmoid",
        Value.hard_sigmoid,
        lambda x: min(1.0, max(0.0, x / 6 + 1 / 2)),
        lambda x: 1 / 6 if -3 < x < 3 else 0.0,
    ),
    ("softplus", Value.softplus, lambda x: math.log(1 + math.exp(x)), _sigmoid),
    (
        "silu",
        Value.silu,
        lambda x: x * _sigmoid(x),
        lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
    ),
    (
        "dsilu",
        Value.dsilu,
        lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (2 + x * (1 - 2 * _sigmoid(x))),
    ),
)

# Large |x|: the limits the texts' formulas tend to, which a stable engine must reach.
_ACTIVATION_LIMITS: tuple[tuple[str, Callable[[Value], Value], float, float], ...] = (
    ("sigmoid", Value.sigmoid, -1000.0, 0.0),
    ("sigmoid", Value.sigmoid, 1000.0, 1.0),
    ("tanh", Value.tanh, -1000.0, -1.0),
    ("softplus", Value.softplus, -1000.0, 0.0),
    ("softplus", Value.softplus, 1000.0, 1000.0),
    ("silu", Value.silu, -1000.0, 0.0),
    ("elu", Value.elu, -1000.0, -1.0),
)


def _example_activations() -> list[Check]:
    """§5: every activation's value and derivative: the text's formula beside the engine's."""
    checks = []
    for name, function, formula, derivative in _ACTIVATION_TABLE:
        for point in ACTIVATION_POINTS:
            x = Value(point)
            y = function(x)
            y.backward()
            checks.append(Check(f"{name}({point:g})", formula(point), y.data))
            checks.append(Check(f"{name}'({point:g})", derivative(point), x.grad))
    for name, function, point, limit in _ACTIVATION_LIMITS:
        checks.append(Check(f"{name}({point:g}) (stable)", limit, function(Value(point)).data))
    return checks


def _softplus_product(x: float, y: float, u: float) -> Value:
    """§6: $xy \\approx [s(u(x+y)) + s(-u(x+y)) - s(u(x-y)) - s(-u(x-y))] / (4u^2 s''(0))$."""
    plus, minus = Value(u * (x + y)), Value(u * (x - y))
    four_neurons = plus.softplus() + (-plus).softplus() - minus.softplus() - (-minus).softplus()
    return four_neurons / (4 * u * u * SOFTPLUS_SECOND_DERIVATIVE_AT_0)


def _example_products() -> list[Check]:
    """§6: a step neuron multiplies three bits; four softplus neurons multiply two numbers."""
    checks = []
    for b1 in (0.0, 1.0):
        for b2 in (0.0, 1.0):
            for b3 in (0.0, 1.0):
                weights = [Value(w) for w in STEP_WEIGHTS]
                output = weighted_sum(weights, (b1, b2, b3), STEP_BIAS).step()
                what = f"step neuron, bits {b1:g}{b2:g}{b3:g}"
                checks.append(Check(what, b1 * b2 * b3, output.data, None))
    x, y = PRODUCT_X, PRODUCT_Y
    errors = []
    for u in PRODUCT_SCALES:
        approximation = _softplus_product(x, y, u).data
        errors.append(approximation - x * y)
        checks.append(Check(f"x*y = {x:g}*{y:g}, four neurons, u={u:g}", x * y, approximation, u))
    shrink = PRODUCT_SCALES[0] / PRODUCT_SCALES[1]
    checks.append(
        Check(
            f"error shrinks like u^2: ratio for u/{shrink:g}",
            shrink**2,
            errors[0] / errors[1],
            0.05,
        )
    )
    return checks


EXAMPLES: tuple[tuple[str, Callable[[], list[Check]]], ...] = (
    ("1. A ReLU network, forward and backward (inputs 3, 5)", _example_relu_network),
    ("2. A perceptron (inputs 2, 3)", _example_perceptron),
    ("3. Softmax, squared error and cross-entropy (fruit scores 34, 32, 25)", _example_softmax),
    (
        "4. The delta rule on a 2-2-2 sigmoid network: hand formulas vs backward()",
        _example_delta_rule,
    ),
    ("5. Activation functions: the texts' formulas vs the engine", _example_activations),
    ("6. Networks that compute products", _example_products),
)
"""Every worked example of WORKED_EXAMPLES.md: a title and a function returning its checks."""


def _marks(stream: object) -> tuple[str, str]:
    """✓ and ✗, or plain ``ok``/``MISMATCH`` where the terminal cannot print them."""
    encoding = getattr(stream, "encoding", None) or "ascii"  # pragma: no mutate (any codec)
    try:
        "✓✗".encode(encoding)  # pragma: no mutate (with X around them: a codec for both)
    except (UnicodeEncodeError, LookupError):
        return "ok", "MISMATCH"
    return "✓", "✗"


def run_examples(out: object = None) -> int:
    """Print every worked example's checks; return the number of mismatches."""
    out = sys.stdout if out is None else out
    good, bad = _marks(out)
    mismatches = 0
    total = 0
    for title, example in EXAMPLES:
        print(title, file=out)
        print(f"   {'':<46} {'text':>24} {'engine':>24}", file=out)
        for check in example():
            total += 1
            mark = good if check.matches else bad
            mismatches += not check.matches
            print(f"   {check.what:<46} {check.text!r:>24} {check.engine!r:>24}  {mark}", file=out)
        print(file=out)
    if mismatches:
        print(f"{mismatches} of {total} numbers do not match {bad}", file=out)
    else:
        print(f"all {total} numbers match {good}", file=out)
    return mismatches
