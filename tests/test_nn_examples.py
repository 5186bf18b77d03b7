"""The worked examples (shared/WORKED_EXAMPLES.md) reproduced through the nn library."""

from __future__ import annotations

import itertools
import math
import random

import pytest

import nn
from engine import Value
from nn.modules import MLP, Layer, Neuron, Sequential


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


# -- example 1: a ReLU network, forward and backward -------------------------------------


def example_1_model() -> MLP:
    model = MLP(2, [2, 2, 1], activation="relu", output_activation="relu", seed=0)
    weights = [[(2, 4), (4, -5)], [(-1, 1), (2, 2)], [(3, 7)]]
    for layer, layer_weights in zip(model.layers, weights, strict=True):
        for neuron, (w1, w2) in zip(layer.neurons, layer_weights, strict=True):
            neuron.w[0].data, neuron.w[1].data = float(w1), float(w2)
            neuron.b.data = 0.0
    return model


def test_example_1_forward_is_364_exactly() -> None:
    model = example_1_model()
    hidden_1 = model.layers[0]([3.0, 5.0])
    assert [h.data for h in hidden_1] == [26.0, 0.0]  # max(-13, 0) is 0, not -13
    hidden_2 = model.layers[1](hidden_1)
    assert [h.data for h in hidden_2] == [0.0, 52.0]
    assert model([3.0, 5.0]).data == 364.0


def test_example_1_backward_gives_every_listed_gradient() -> None:
    model = example_1_model()
    x1, x2 = Value(3.0), Value(5.0)
    out = model([x1, x2])
    out.backward()
    assert out.data == 364.0
    expected = {  # (layer, neuron): (d/dw1, d/dw2, d/db)
        (2, 0): (0.0, 52.0, 1.0),
        (1, 0): (0.0, 0.0, 0.0),  # dead ReLU
        (1, 1): (182.0, 0.0, 7.0),
        (0, 0): (42.0, 70.0, 14.0),
        (0, 1): (0.0, 0.0, 0.0),  # dead ReLU
    }
    for (layer, index), (dw1, dw2, db) in expected.items():
        neuron = model.layers[layer].neurons[index]
        assert (neuron.w[0].grad, neuron.w[1].grad, neuron.b.grad) == (dw1, dw2, db)
    assert (x1.grad, x2.grad) == (28.0, 56.0)


# -- example 2: a perceptron ------------------------------------------------------------------


def test_example_2_perceptron_sums_and_averages() -> None:
    neuron = Neuron(2, activation="linear", seed=0)
    neuron.w[0].data, neuron.w[1].data = 1.0, 1.0
    assert neuron([2.0, 3.0]).data == 5.0
    neuron.w[0].data, neuron.w[1].data = 0.5, 0.5
    out = neuron([2.0, 3.0])
    assert out.data == 2.5
    out.backward()
    assert (neuron.w[0].grad, neuron.w[1].grad) == (2.0, 3.0)  # each weight's input


# -- example 3: softmax, squared error, cross-entropy ---------------------------------------------

SOFTMAX_34_32_25 = [0.8807013466267556, 0.11918996619259818, 0.00010868718064608277]
SQUARED_ERRORS = [0.7756348619501807, 0.7758263156557964, 1.1812903236794228e-08]


@pytest.mark.parametrize("logits", [[34.0, 32.0, 25.0], [1000.0, 998.0, 991.0]])
def test_example_3_softmax_is_exact_and_stable(logits: list[float]) -> None:
    probs = nn.softmax(logits)
    assert all(close(p.data, e) for p, e in zip(probs, SOFTMAX_34_32_25, strict=True))
    assert round(probs[1].data, 2) == 0.12  # the apple neuron


def test_example_3_squared_errors_and_cross_entropy() -> None:
    probs = nn.softmax([34.0, 32.0, 25.0])
    apple = [0.0, 1.0, 0.0]
    per_output = [(p - t) ** 2 for p, t in zip(probs, apple, strict=True)]
    assert all(close(e.data, x) for e, x in zip(per_output, SQUARED_ERRORS, strict=True))
    assert close(nn.sse(probs, apple).data, 1.5514611894188806)
    assert close(nn.cross_entropy([34.0, 32.0, 25.0], 1).data, 2.1270367041304983)
    assert close(nn.cross_entropy([1000.0, 998.0, 991.0], 1).data, 2.1270367041304983)


def test_example_3_through_a_softmax_output_layer() -> None:
    layer = Layer(3, 3, activation="softmax", seed=0)
    for j, neuron in enumerate(layer.neurons):  # identity weights: logits = inputs
        for i, w in enumerate(neuron.w):
            w.data = 1.0 if i == j else 0.0
    probs = layer([34.0, 32.0, 25.0])
    assert all(close(p.data, e) for p, e in zip(probs, SOFTMAX_34_32_25, strict=True))


# -- example 4: the delta rule on a sigmoid network ------------------------------------------------


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_example_4_engine_gradients_equal_the_delta_rule(seed: int) -> None:
    rng = random.Random(100 + seed)
    model = MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", seed=seed)
    for p in model.parameters():
        p.data = rng.uniform(-1.5, 1.5)  # nonzero thetas (biases) too
    x = [rng.uniform(-2, 2) for _ in range(3)]
    t = [rng.choice([0.0, 1.0]), rng.uniform(0, 1)]
    hidden, output = model.layers

    # the delta rule, by hand, in plain floats: W[i][j] is the weight from i into j
    w_ij = [[hidden.neurons[j].w[i].data for j in range(4)] for i in range(3)]
    theta_j = [n.b.data for n in hidden.neurons]
    w_jk = [[output.neurons[k].w[j].data for k in range(2)] for j in range(4)]
    theta_k = [n.b.data for n in output.neurons]
    o_j = [_sigmoid(sum(x[i] * w_ij[i][j] for i in range(3)) + theta_j[j]) for j in range(4)]
    o_k = [_sigmoid(sum(o_j[j] * w_jk[j][k] for j in range(4)) + theta_k[k]) for k in range(2)]
    delta_k = [o_k[k] * (1 - o_k[k]) * (o_k[k] - t[k]) for k in range(2)]
    delta_j = [
        o_j[j] * (1 - o_j[j]) * sum(delta_k[k] * w_jk[j][k] for k in range(2)) for j in range(4)
    ]

    # the engine: E = 1/2 sum_k (O_k - t_k)^2
    outputs = model(x)
    error = 0.5 * nn.sse(outputs, t)
    error.backward()
    assert close(error.data, 0.5 * sum((o - tk) ** 2 for o, tk in zip(o_k, t, strict=True)))
    for k in range(2):
        assert close(outputs[k].data, o_k[k])
        assert close(output.neurons[k].b.grad, delta_k[k])
        for j in range(4):
            assert close(output.neurons[k].w[j].grad, delta_k[k] * o_j[j])
    for j in range(4):
        assert close(hidden.neurons[j].b.grad, delta_j[j])
        for i in range(3):
            assert close(hidden.neurons[j].w[i].grad, delta_j[j] * x[i])

    # one update W <- W - eta dE/dW equals the hand update
    eta = 0.5
    nn.SGD(model.parameters(), lr=eta).step()
    for k in range(2):
        assert close(output.neurons[k].b.data, theta_k[k] - eta * delta_k[k])
        for j in range(4):
            new = w_jk[j][k] - eta * delta_k[k] * o_j[j]
            assert close(output.neurons[k].w[j].data, new)
    for j in range(4):
        assert close(hidden.neurons[j].b.data, theta_j[j] - eta * delta_j[j])
        for i in range(3):
            assert close(hidden.neurons[j].w[i].data, w_ij[i][j] - eta * delta_j[j] * x[i])


# -- example 6: small networks that compute products ----------------------------------------------


def test_example_6_one_step_neuron_multiplies_three_bits() -> None:
    neuron = Neuron(3, activation="step", seed=0)
    for w in neuron.w:
        w.data = 1.0
    neuron.b.data = -2.5
    for bits in itertools.product([0, 1], repeat=3):
        assert neuron(list(bits)).data == bits[0] * bits[1] * bits[2]


def product_network(u: float) -> Sequential:
    """Four softplus neurons and a linear readout computing x*y (error ~ u^2)."""
    hidden = Layer(2, 4, activation="softplus", seed=0)
    for neuron, (a, b) in zip(hidden.neurons, [(u, u), (-u, -u), (u, -u), (-u, u)], strict=True):
        neuron.w[0].data, neuron.w[1].data = a, b
    readout = Neuron(4, activation="linear", seed=0)
    scale = 4 * u * u * 0.25  # 4 u^2 s''(0), softplus''(0) = 1/4
    for w, sign in zip(readout.w, [1, 1, -1, -1], strict=True):
        w.data = sign / scale
    return Sequential(hidden, readout)


def test_example_6_four_softplus_neurons_multiply_with_error_like_u_squared() -> None:
    x, y = 0.7, -1.3
    errors = [abs(product_network(u)([x, y]).data - x * y) for u in (0.2, 0.1, 0.05)]
    assert errors[2] < 1e-3
    # halving u divides the error by about 4
    assert 3.5 < errors[0] / errors[1] < 4.5
    assert 3.5 < errors[1] / errors[2] < 4.5
