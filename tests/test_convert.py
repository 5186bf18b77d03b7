"""to_torch: the same network in PyTorch, with the same outputs and gradients."""

from __future__ import annotations

import math
import random
import re
import sys

import pytest

from engine import Value, sum_values
from nn.activations import ACTIVATIONS
from nn.convert import to_torch, torch_modules
from nn.modules import MLP, Layer, Maxout, MaxoutUnit, Neuron, Sequential


@pytest.fixture(scope="module")
def torch():
    """PyTorch, imported inside the tests (a test-only dependency)."""
    import torch

    return torch


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def random_inputs(n: int, width: int, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(width)] for _ in range(n)]


def outputs(model, x: list[float]) -> list[float]:
    out = model(x)
    return [out.data] if isinstance(out, Value) else [v.data for v in out]


def assert_same_outputs(model, net, width: int, n: int = 20) -> None:
    import torch

    for x in random_inputs(n, width):
        expected = outputs(model, x)
        got = net(torch.tensor(x, dtype=torch.float64)).tolist()
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert close(a, b), (x, got, expected)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_hidden_activation_outputs_match(activation):
    model = MLP(3, [5, 4, 2], activation=activation, seed=1)
    net = to_torch(model)
    assert_same_outputs(model, net, 3)


@pytest.mark.parametrize("output_activation", ["linear", "sigmoid", "softmax", "tanh"])
def test_output_activation_outputs_match(output_activation):
    model = MLP(2, [6, 3], activation="relu", output_activation=output_activation, seed=2)
    assert_same_outputs(model, to_torch(model), 2)


def test_structure_and_dtype(torch):
    model = MLP(2, [16, 16, 1], seed=0)
    net = to_torch(model)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert sum(p.numel() for p in net.parameters()) == len(model.parameters())
    first = model.layers[0]
    assert net[0].weight[3, 1].item() == first.neurons[3].w[1].data
    assert net[0].bias[3].item() == first.neurons[3].b.data


def test_named_activation_modules(torch):
    mapping = {
        "leaky_relu": torch.nn.LeakyReLU,
        "elu": torch.nn.ELU,
        "hard_sigmoid": torch.nn.Hardsigmoid,
        "softplus": torch.nn.Softplus,
        "silu": torch.nn.SiLU,
        "step": torch_modules()["Step"],
        "sign": torch_modules()["SignStep"],
        "dsilu": torch_modules()["DSiLU"],
    }
    for name, cls in mapping.items():
        net = to_torch(Layer(2, 2, activation=name, seed=0))
        assert isinstance(net[1], cls), name
    softmax = to_torch(Layer(2, 3, activation="softmax", seed=0))[1]
    assert isinstance(softmax, torch.nn.Softmax) and softmax.dim == -1
    assert len(to_torch(Layer(2, 2, activation="linear", seed=0))) == 1


def test_step_and_sign_values_at_zero_and_zero_gradient(torch):
    z = torch.tensor([-1.5, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    step = torch_modules()["Step"]()(z)
    sign = torch_modules()["SignStep"]()(z)
    assert step.tolist() == [Value(v).step().data for v in (-1.5, 0.0, 2.0)] == [0.0, 1.0, 1.0]
    assert sign.tolist() == [Value(v).sign().data for v in (-1.5, 0.0, 2.0)] == [-1.0, 1.0, 1.0]
    (step.sum() + sign.sum()).backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_gradients_match_chainrule(torch):
    model = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", seed=3)
    net = to_torch(model)
    x = [0.3, -1.2, 0.8]
    xs = [Value(v) for v in x]
    out = model(xs)
    sum_values(out).backward()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    net(xt).sum().backward()
    for a, b in zip(xt.grad.tolist(), [v.grad for v in xs], strict=True):
        assert close(a, b)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears, strict=True):
        for j, neuron in enumerate(layer.neurons):
            assert close(linear.bias.grad[j].item(), neuron.b.grad)
            for i, w in enumerate(neuron.w):
                assert close(linear.weight.grad[j, i].item(), w.grad)


def test_maxout_stack_matches():
    model = Sequential(
        Maxout(2, 4, pieces=3, seed=0),
        Layer(4, 3, activation="softmax", seed=1),
    )
    net = to_torch(model)
    assert type(net[0]).__name__ == "MaxoutLayer"
    assert_same_outputs(model, net, 2)


def test_a_stack_inside_a_stack_is_flattened():
    model = Sequential(
        MLP(2, [3], activation="sigmoid", output_activation="sigmoid", seed=4),
        Sequential(Maxout(3, 2, seed=5), Layer(2, 2, activation="elu", seed=6)),
    )
    net = to_torch(model)
    names = [type(module).__name__ for module in net]
    assert names == ["Linear", "Sigmoid", "MaxoutLayer", "Linear", "ELU"]
    assert_same_outputs(model, net, 2)


def test_single_neuron_layer_and_maxout_unit():
    neuron = Neuron(3, activation="elu", seed=4)
    assert_same_outputs(neuron, to_torch(neuron), 3)
    layer = Layer(3, 2, activation="silu", seed=5)
    assert_same_outputs(layer, to_torch(layer), 3)
    unit = MaxoutUnit(2, pieces=2, seed=6)
    assert_same_outputs(unit, to_torch(unit), 2)


def test_copy_is_independent(torch):
    model = MLP(2, [2, 1], seed=0)
    net = to_torch(model)
    before = net[0].weight[0, 0].item()
    model.layers[0].neurons[0].w[0].data += 1.0
    assert net[0].weight[0, 0].item() == before


def test_custom_activation_is_a_clear_value_error():
    def cube(z: Value) -> Value:
        return z * z * z

    with pytest.raises(ValueError, match="cube"):
        to_torch(MLP(2, [3, 1], activation=cube, seed=0))


def test_unknown_module_is_a_type_error():
    class Doubler:
        pass

    with pytest.raises(TypeError, match="Doubler"):
        to_torch(Doubler())


def test_missing_torch_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match="pip install torch"):
        to_torch(MLP(2, [1], seed=0))


def test_weights_and_biases_are_copied_in_full_double_precision(torch):
    layer = Layer(2, 2, activation="linear", seed=0)
    layer.neurons[0].b.data, layer.neurons[1].b.data = 0.1, -1 / 3  # not float32 numbers
    layer.neurons[0].w[1].data = 0.7
    linear = to_torch(layer)[0]
    assert linear.bias.tolist() == [0.1, -1 / 3]
    assert linear.weight.tolist()[0][1] == 0.7
    assert linear.weight.dtype == linear.bias.dtype == torch.float64


def test_errors_say_which_layer_of_which_stack() -> None:
    import functools

    leaky = functools.partial(Value.leaky_relu, slope=0.2)  # a callable without __name__
    with pytest.raises(
        ValueError,
        match=r"^layer 1 \(Sequential\), layer 0 \(Layer\): the activation "
        + re.escape(repr(repr(leaky)))
        + r" has no PyTorch equivalent here; to_torch translates the named activations 'linear', ",
    ):
        to_torch(Sequential(Layer(2, 2, seed=0), Sequential(Layer(2, 1, activation=leaky, seed=1))))
    with pytest.raises(ValueError, match=r"^layer 0 \(Layer\): the activation '<lambda>' has no"):
        to_torch(MLP(2, [2, 1], activation=lambda z: z, seed=0))
    ragged_maxout = Maxout(2, 2, pieces=2, seed=0)
    ragged_maxout.units[1].neurons[0].w.append(Value(0.5))
    with pytest.raises(
        ValueError,
        match=r"^layer 0 \(Maxout\): the neurons of a layer need the same number of inputs$",
    ):
        to_torch(ragged_maxout)
    ragged = Layer(2, 2, seed=0)
    ragged.neurons[1].w.append(Value(0.5))
    with pytest.raises(
        ValueError,
        match=r"^layer 0 \(Layer\): the neurons of a layer need the same number of inputs$",
    ):
        to_torch(ragged)
    model = MLP(2, [2, 1], seed=0)
    outer = Sequential(model)
    model.layers[1] = "layer"  # not a module any more
    with pytest.raises(
        TypeError,
        match=r"^layer 0 \(MLP\), layer 1 \(str\): to_torch cannot translate a str; it knows "
        r"Layer, Neuron, Maxout and MaxoutUnit \(and Sequential/MLP stacks of them\)$",
    ):
        to_torch(outer)
