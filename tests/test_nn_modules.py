"""Neurons, layers and networks: structure, names, init, errors, and gradients vs PyTorch."""

from __future__ import annotations

import math
import random

import pytest

import nn
from engine import Value, gradcheck, no_grad, sum_values
from nn.activations import ACTIVATIONS, get_activation
from nn.modules import MLP, Layer, Maxout, MaxoutUnit, Module, Neuron, Sequential, init_limit

# -- structure and names -------------------------------------------------------------


def test_named_parameters_follow_micrograd_paths() -> None:
    model = MLP(2, [3, 2], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.1.b"
    assert len(names) == 3 * 3 + 2 * 4 == model.num_parameters()
    # each name is the attribute path to the very same Value
    for name, value in model.named_parameters():
        target: object = model
        for part in name.split("."):
            target = target[int(part)] if part.isdigit() else getattr(target, part)
        assert target is value
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_neuron_and_maxout_names() -> None:
    assert [n for n, _ in Neuron(2, seed=0).named_parameters()] == ["w.0", "w.1", "b"]
    names = [n for n, _ in Maxout(2, 3, pieces=2, seed=0).named_parameters()]
    assert names[:3] == ["units.0.neurons.0.w.0", "units.0.neurons.0.w.1", "units.0.neurons.0.b"]
    assert names[-1] == "units.2.neurons.1.b"
    assert len(names) == 3 * 2 * 3


def test_repr_is_readable() -> None:
    assert repr(Neuron(3, activation="tanh", seed=0)) == "Neuron(3, activation='tanh')"
    assert repr(Layer(3, 4, seed=0)) == "Layer(3, 4, activation='relu')"

    def cube(z: Value) -> Value:
        return z**3

    assert repr(Layer(3, 4, activation=cube, seed=0)) == "Layer(3, 4, activation='cube')"
    assert repr(MLP(2, [16, 16, 1], seed=0)) == (
        "MLP(\n"
        "  (0): Layer(2, 16, activation='relu')\n"
        "  (1): Layer(16, 16, activation='relu')\n"
        "  (2): Layer(16, 1, activation='linear')\n"
        ")"
    )
    nested = Sequential(MLP(2, [3], seed=0), Maxout(3, 2, pieces=3, seed=1))
    assert repr(nested) == (
        "Sequential(\n"
        "  (0): MLP(\n"
        "    (0): Layer(2, 3, activation='linear')\n"
        "  )\n"
        "  (1): Maxout(3, 2, pieces=3)\n"
        ")"
    )


def test_output_is_a_value_for_one_output_else_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(v, Value) for v in out)
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert isinstance(Neuron(2, seed=0)([1.0, 2.0]), Value)
    # a one-input model takes a bare number too
    model = MLP(1, [2, 1], seed=0)
    assert model(0.5).data == model([0.5]).data


def test_inputs_may_be_numbers_or_values_and_get_gradients() -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    x = [Value(0.3), Value(-0.7)]
    model(x).backward()
    assert any(xi.grad != 0.0 for xi in x)
    assert model([0.3, -0.7]).data == model(x).data
    assert model((0.3, -0.7)).data == model(x).data


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_zero_grad_clears_nan_and_inf_gradients() -> None:
    """A diverged step leaves nan or inf gradients; zero_grad must reset them (0 * nan is nan)."""
    model = MLP(2, [2, 1], seed=0)
    params = model.parameters()
    for p, bad in zip(params, [math.nan, math.inf, -math.inf] * len(params)):
        p.grad = bad
    model.zero_grad()
    assert [p.grad for p in params] == [0.0] * len(params)


def test_no_grad_forward_records_nothing() -> None:
    model = MLP(2, [3, 1], seed=0)
    with no_grad():
        y = model([1.0, 2.0])
    assert y.inputs == ()
    assert y.data == model([1.0, 2.0]).data


def test_neuron_forward_is_one_weighted_sum_node_then_activation() -> None:
    neuron = Neuron(3, activation="tanh", seed=0)
    y = neuron([1.0, 2.0, 3.0])
    assert y.op == "tanh"
    (z,) = y.inputs
    assert z.op == "w·x+b"
    assert z.inputs[:3] == tuple(neuron.w) and z.inputs[-1] is neuron.b


# -- initialisation -------------------------------------------------------------------


def test_init_is_reproducible_with_random_seed_seed_and_rng() -> None:
    random.seed(123)
    a = MLP(3, [5, 2])
    random.seed(123)
    b = MLP(3, [5, 2])
    assert a.state_dict() == b.state_dict()
    assert MLP(3, [5, 2], seed=7).state_dict() == MLP(3, [5, 2], seed=7).state_dict()
    assert MLP(3, [5, 2], rng=random.Random(7)).state_dict() == MLP(3, [5, 2], seed=7).state_dict()
    assert MLP(3, [5, 2], seed=7).state_dict() != MLP(3, [5, 2], seed=8).state_dict()


def test_explicit_seed_leaves_the_global_random_state_alone() -> None:
    random.seed(5)
    expected = random.random()
    random.seed(5)
    MLP(3, [4, 4, 1], seed=1)
    assert random.random() == expected


def test_default_init_is_uniform_minus_one_one_with_zero_biases() -> None:
    model = MLP(4, [30, 30, 1], seed=0)
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            assert p.data == 0.0
        else:
            assert -1.0 <= p.data <= 1.0
    weights = [p.data for n, p in model.named_parameters() if ".w." in n]
    assert min(weights) < -0.9 and max(weights) > 0.9  # really spread over [-1, 1]


@pytest.mark.parametrize("init", ["xavier", "glorot", "he"])
def test_scaled_inits_respect_their_limits(init: str) -> None:
    layer = Layer(50, 20, init=init, seed=0)
    limit = math.sqrt(6 / 70) if init in ("xavier", "glorot") else math.sqrt(6 / 50)
    assert init_limit(init, 50, 20) == limit
    # one output unless told: a single neuron's fan-out
    assert init_limit(init, 5) == (math.sqrt(1.0) if init != "he" else math.sqrt(6 / 5))
    weights = [p.data for n, p in layer.named_parameters() if ".w." in n]
    assert all(-limit <= w <= limit for w in weights)
    assert max(abs(w) for w in weights) > 0.9 * limit


def test_same_initial_weights_as_micrograd_under_the_same_seed() -> None:
    """micrograd code ports unchanged: same structure, same draws from Python's random."""
    import micrograd.nn as micrograd_nn

    random.seed(42)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(42)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    for x in ([0.5, -1.5], [2.0, 1.0], [-0.3, 0.8]):
        theirs_out = theirs(x)
        ours_out = ours(x)
        assert math.isclose(ours_out.data, theirs_out.data, rel_tol=1e-12, abs_tol=1e-12)
        theirs.zero_grad()
        ours.zero_grad()
        theirs_out.backward()
        ours_out.backward()
        for mine, other in zip(ours.parameters(), theirs.parameters(), strict=True):
            assert math.isclose(mine.grad, other.grad, rel_tol=1e-12, abs_tol=1e-12)


# -- errors ------------------------------------------------------------------------------


def test_wrong_input_length_names_expected_and_got() -> None:
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Layer expects 4 inputs, got 1"):
        Layer(4, 2, seed=0)([1.0])
    with pytest.raises(ValueError, match="Neuron expects 2 inputs, got 0"):
        Neuron(2, seed=0)([])
    with pytest.raises(TypeError, match="list of 2 inputs"):
        MLP(2, [1], seed=0)("ab")


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        Layer(0, 3)
    with pytest.raises(TypeError, match="positive int"):
        Neuron(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, [])
    with pytest.raises(ValueError, match="unknown init 'gaussian'"):
        Layer(2, 2, init="gaussian")
    with pytest.raises(ValueError, match="either rng= or seed="):
        Layer(2, 2, rng=random.Random(0), seed=0)
    with pytest.raises(ValueError, match="layer 0 has 3 outputs but layer 1 expects 4 inputs"):
        Sequential(Layer(2, 3, seed=0), Layer(4, 1, seed=0))
    with pytest.raises(TypeError, match="must be a Module"):
        Sequential(Layer(2, 3, seed=0), "relu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential()


def test_activation_lookup_errors() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'relu6'; valid names: .*'tanh'"):
        get_activation("relu6")
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(2, [3, 1], activation="Relu")
    with pytest.raises(ValueError, match="whole layer"):
        Neuron(2, activation="softmax")
    with pytest.raises(TypeError, match="activation must be a name"):
        get_activation(3)  # type: ignore[arg-type]
    assert get_activation("relu") is Value.relu
    assert nn.ACTIVATIONS is ACTIVATIONS


# -- forward and backward vs PyTorch -----------------------------------------------------

TORCH_ACTIVATIONS = {
    "linear": lambda t, z: z,
    "relu": lambda t, z: t.relu(z),
    "leaky_relu": lambda t, z: t.nn.functional.leaky_relu(z, 0.01),
    "elu": lambda t, z: t.nn.functional.elu(z),
    "sigmoid": lambda t, z: t.sigmoid(z),
    "tanh": lambda t, z: t.tanh(z),
    "softplus": lambda t, z: t.nn.functional.softplus(z),
    "silu": lambda t, z: t.nn.functional.silu(z),
    # torch's own hardsigmoid backward uses 1/6 rounded to float32 even in float64,
    # so write PyTorch's definition out: min(1, max(0, z/6 + 1/2))
    "hard_sigmoid": lambda t, z: t.clamp(z / 6 + 0.5, 0.0, 1.0),
    "step": lambda t, z: (z >= 0).to(z.dtype) + 0 * z,
    "sign": lambda t, z: t.where(z < 0, -1.0, 1.0).to(z.dtype) + 0 * z,
    "softmax": lambda t, z: t.softmax(z, dim=0),
}


def _torch_forward(torch, model: MLP, x: list[float]):
    """The same MLP in torch float64, built from our weights; returns (output, weights, input)."""
    inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    h = inputs
    tensors = []
    for layer in model.layers:
        w = torch.tensor(
            [[wi.data for wi in n.w] for n in layer.neurons],
            dtype=torch.float64,
            requires_grad=True,
        )
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        tensors.append((w, b))
        h = TORCH_ACTIVATIONS[layer.activation](torch, w @ h + b)
    return h, tensors, inputs


@pytest.mark.parametrize(
    ("activation", "output_activation"),
    [
        ("relu", "linear"),
        ("tanh", "sigmoid"),
        ("sigmoid", "softmax"),
        ("leaky_relu", "tanh"),
        ("elu", "softplus"),
        ("silu", "hard_sigmoid"),
        ("softplus", "linear"),
        ("hard_sigmoid", "linear"),
        ("step", "linear"),
        ("sign", "relu"),
    ],
)
def test_mlp_forward_and_backward_match_torch_float64(
    activation: str, output_activation: str
) -> None:
    import torch

    model = MLP(3, [5, 4, 3], activation, output_activation, init="xavier", seed=11)
    for layer in model.layers:  # nonzero biases, so they matter
        for j, n in enumerate(layer.neurons):
            n.b.data = 0.1 * (j - 1)
    x = [0.7, -1.3, 2.1]
    coefficients = [1.5, -0.5, 2.0]  # a loss that weighs each output differently

    xs = [Value(v) for v in x]
    outputs = model(xs)
    loss = sum_values([c * o for c, o in zip(coefficients, outputs, strict=True)])
    loss.backward()

    out, tensors, inputs = _torch_forward(torch, model, x)
    (torch.tensor(coefficients, dtype=torch.float64) * out).sum().backward()

    for mine, theirs in zip(outputs, out.tolist(), strict=True):
        assert math.isclose(mine.data, theirs, rel_tol=1e-12, abs_tol=1e-15)
    for layer, (w, b) in zip(model.layers, tensors, strict=True):
        for n, w_grad, b_grad in zip(layer.neurons, w.grad.tolist(), b.grad.tolist(), strict=True):
            assert math.isclose(n.b.grad, b_grad, rel_tol=1e-12, abs_tol=1e-15)
            for wi, g in zip(n.w, w_grad, strict=True):
                assert math.isclose(wi.grad, g, rel_tol=1e-12, abs_tol=1e-15)
    for xi, g in zip(xs, inputs.grad.tolist(), strict=True):
        assert math.isclose(xi.grad, g, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_named_activation_is_the_value_method(name: str) -> None:
    layer = Layer(2, 3, activation=name, seed=4)
    x = [0.4, -0.9]
    for neuron, out in zip(layer.neurons, layer(x), strict=True):
        z = sum(w.data * xi for w, xi in zip(neuron.w, x, strict=True)) + neuron.b.data
        expected = z if name == "linear" else getattr(Value(z), name)().data
        assert math.isclose(out.data, expected, rel_tol=1e-15, abs_tol=1e-300)


def test_callable_activation_is_used() -> None:
    layer = Layer(2, 2, activation=lambda z: z * z, seed=0)
    n = layer.neurons[0]
    z = n.w[0].data * 1.0 + n.w[1].data * 2.0
    assert math.isclose(layer([1.0, 2.0])[0].data, z * z, rel_tol=1e-15)


def test_softmax_layer_is_linear_neurons_then_softmax() -> None:
    layer = Layer(3, 4, activation="softmax", seed=2)
    x = [1.0, -2.0, 0.5]
    probs = layer(x)
    assert all(n.activation == "linear" for n in layer.neurons)
    expected = nn.softmax([n(x) for n in layer.neurons])
    assert [p.data for p in probs] == [e.data for e in expected]
    assert math.isclose(sum(p.data for p in probs), 1.0, rel_tol=1e-15)


def test_maxout_takes_the_largest_piece_and_routes_gradient_to_it() -> None:
    unit = MaxoutUnit(2, pieces=3, seed=0)
    for k, n in enumerate(unit.neurons):
        n.w[0].data, n.w[1].data, n.b.data = float(k), -float(k), 0.5 * k
    y = unit([2.0, 1.0])  # pieces: 0, 1 + 0.5, 2 + 1.0 -> the last wins
    assert y.data == 3.0
    assert [out.data for out in unit.forward([2.0, 1.0])] == [3.0]  # forward: always a list
    y.backward()
    assert [n.w[0].grad for n in unit.neurons] == [0.0, 0.0, 2.0]
    assert [n.b.grad for n in unit.neurons] == [0.0, 0.0, 1.0]


def test_micrograds_nonlin_refusals_name_the_class() -> None:
    with pytest.raises(ValueError) as refused:
        Layer(2, 3, activation="tanh", nonlin=False)
    assert str(refused.value) == (
        "Layer: give either activation= or micrograd's nonlin= (True is 'relu', False is "
        "'linear'), not both; got activation='tanh', nonlin=False"
    )
    with pytest.raises(TypeError) as refused:
        Neuron(2, nonlin=1)  # type: ignore[arg-type]
    assert str(refused.value) == "Neuron: nonlin must be True or False (micrograd's keyword), got 1"


def test_a_neuron_alone_draws_its_weights_for_one_output() -> None:
    def weights(**kwargs) -> list[float]:
        return [w.data for w in Neuron(4, init="xavier", seed=0, **kwargs).w]

    assert weights() == weights(fan_out=1) != weights(fan_out=2)


def test_maxout_sizes_are_checked_with_the_class_named() -> None:
    for make, name in ((lambda: MaxoutUnit(0), "MaxoutUnit"), (lambda: Maxout(0, 1), "Maxout")):
        with pytest.raises(ValueError) as refused:
            make()
        assert str(refused.value) == f"{name} nin must be a positive int, got 0"
    with pytest.raises(ValueError) as refused:
        Maxout(2, 3, pieces=0)
    assert str(refused.value) == "Maxout pieces must be a positive int, got 0"
    with pytest.raises(TypeError) as refused:
        Maxout(2, 3, pieces=2.0)  # type: ignore[arg-type]
    assert str(refused.value) == "Maxout pieces must be a positive int, got float: 2.0"


def test_a_maxout_layer_draws_its_weights_from_the_rng_it_is_given() -> None:
    def weights(**kwargs) -> dict[str, float]:
        return Maxout(2, 3, **kwargs).state_dict()

    assert weights(rng=random.Random(7)) == weights(seed=7) != weights(seed=8)


def test_a_name_that_is_not_a_string_is_shown_as_it_is() -> None:
    with pytest.raises(ValueError) as refused:
        Neuron(1, seed=0).load_state_dict({"w.0": 0.5, "b": 0.0, 7: 0.0})
    assert str(refused.value) == "parameters do not match this Neuron: unexpected 1 (7)"


def test_short_repr_reads_sixty_characters_of_a_string() -> None:
    from nn.modules import short_repr

    # the 61st character, a quote, is not read: repr keeps its single quotes
    assert short_repr("x" * 60 + "'") == "'" + "x" * 56 + "..."


def test_sequential_takes_its_layers_or_one_list_of_them() -> None:
    a, b = Layer(2, 3, seed=0), Layer(3, 1, seed=1)
    assert Sequential([a, b]).layers == Sequential(a, b).layers == [a, b]
    with pytest.raises(TypeError) as refused:
        Sequential([a], b)  # a list among the layers
    assert (
        str(refused.value) == "Sequential layer 0 must be a Module (Layer, Maxout, ...), got list"
    )


def test_maxout_then_softmax_stack_passes_gradcheck() -> None:
    model = Sequential(Maxout(2, 3, pieces=2, seed=5), Layer(3, 2, activation="softmax", seed=6))

    def first_probability(x0: Value, x1: Value) -> Value:
        return model([x0, x1])[0]

    assert gradcheck(first_probability, [0.37, -0.81])
    assert model.nin == 2 and model.nout == 2


def test_state_dict_round_trip_and_mismatch() -> None:
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    state = a.state_dict()
    del state["layers.1.neurons.0.b"]
    state["layers.9.neurons.0.b"] = 0.0
    with pytest.raises(ValueError, match=r"missing 1 \(layers.1.neurons.0.b\).*unexpected 1"):
        b.load_state_dict(state)
    bad = a.state_dict()
    bad["layers.0.neurons.0.w.0"] = "0.5"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="must be a number"):
        b.load_state_dict(bad)


class Scaler(nn.Module):
    """A user-defined module: y_i = a * x_i with one learned scale."""

    def __init__(self, n: int) -> None:
        self.nin = self.nout = n
        self.a = Value(2.0)

    def forward(self, x):
        return [self.a * xi for xi in x]

    def get_config(self):
        return {"n": self.nin}


def test_user_modules_get_names_a_default_repr_and_stack() -> None:
    model = Sequential(Layer(2, 3, seed=0), Scaler(3))
    assert [n for n, _ in model.named_parameters()][-1] == "layers.1.a"
    assert repr(Scaler(3)) == "Scaler(1 parameter)"
    out = model([1.0, 2.0])
    assert len(out) == 3
    assert nn.modules.MODULE_CLASSES["Scaler"] is Scaler


def test_numpy_inputs_are_accepted() -> None:
    import numpy as np

    model = MLP(2, [3, 1], seed=0)
    assert model(np.array([0.5, -1.0])).data == model([0.5, -1.0]).data
    assert MLP(1, [1], seed=0)(np.float64(2.0)).data == MLP(1, [1], seed=0)(2.0).data


def test_changing_an_activation_takes_effect() -> None:
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].activation = "tanh"
    n = model.layers[0].neurons[0]
    z = n.w[0].data * 1.0 + n.w[1].data * 2.0
    assert n([1.0, 2.0]).data == math.tanh(z)
    model.activation = "sigmoid"  # every hidden layer
    assert model.layers[0].activation == "sigmoid"
    assert all(n.activation == "sigmoid" for n in model.layers[0].neurons)
    model.output_activation = "softmax"
    assert model.layers[-1].activation == "softmax"
    assert model.layers[-1].neurons[0].activation == "linear"
    assert model.get_config()["output_activation"] == "softmax"
    with pytest.raises(ValueError, match="unknown activation"):
        model.layers[0].activation = "sigmod"
    with pytest.raises(TypeError, match="needs nin and nout"):
        Sequential(Layer(2, 2, seed=0), nn.modules.Module())
    half = nn.modules.Module()
    half.nin = 2  # a number of inputs but none of outputs is not enough either
    with pytest.raises(TypeError, match="needs nin and nout"):
        Sequential(Layer(2, 2, seed=0), half)


def test_a_weight_replaced_by_a_number_is_a_clear_type_error():
    """Layers skip per-neuron checks for speed; a plain-number weight still gets a clear error."""
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].w[0] = 2.0
    with pytest.raises(TypeError, match=r"w must be a list of Values.*float.*\.data = 2\.0"):
        model([1.0, 2.0])
    model.layers[0].neurons[1].w[0] = Value(2.0)
    model.layers[1].neurons[0].b = 0
    with pytest.raises(TypeError, match=r"b a Value, found int"):
        model([1.0, 2.0])


def test_numpy_integers_work_as_sizes() -> None:
    import numpy as np

    model = MLP(np.int64(2), np.array([3, 1]), seed=0)
    assert model.get_config()["nouts"] == [3, 1] and type(model.nin) is int
    assert model.state_dict() == MLP(2, [3, 1], seed=0).state_dict()
    assert Maxout(np.int32(2), np.int64(3), pieces=np.int64(2), seed=0).num_parameters() == 18
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, np.array([], dtype=int))
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, "16")  # type: ignore[arg-type]


def test_a_batch_passed_as_one_example_is_a_clear_type_error() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"one example at a time.*nn\.predict\(model, X\)"):
        model([[1.0, 2.0], [3.0, 4.0]])  # two examples, not two inputs
    with pytest.raises(TypeError, match="inputs must be numbers or Values, got NoneType"):
        Neuron(2, seed=0)([None, 1.0])


#: micrograd's demo notebook (demo.ipynb), its code as written there; only 3 steps (not 100),
#: on 20 points, to stay fast.
MICROGRAD_DEMO = """
np.random.seed(1337)
random.seed(1337)
model = MLP(2, [16, 16, 1]) # 2-layer neural network

def loss(batch_size=None):
    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]
    # forward the model to get scores
    scores = list(map(model, inputs))
    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

for k in range(3):
    # forward
    total_loss, acc = loss()
    # backward
    model.zero_grad()
    total_loss.backward()
    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    history.append((total_loss.data, acc))
    assert model.layers[0].neurons[0].w[0] is model.parameters()[0]
    assert model.layers[-1].neurons[0].b is model.parameters()[-1]
"""


def test_micrograds_demo_code_runs_unchanged_and_takes_the_same_steps() -> None:
    """The issue's promise: micrograd code ports unchanged (numpy data, map(Value, ...), sum)."""
    import numpy as np
    from micrograd import engine as mg_engine
    from micrograd import nn as mg_nn

    X, y = nn.make_moons(20, noise=0.1, seed=1)
    X, y = np.array(X), np.array(y) * 2 - 1  # the demo's sklearn arrays, labels -1/+1
    runs = {}
    for library, (value_class, mlp_class) in {
        "micrograd": (mg_engine.Value, mg_nn.MLP),
        "chainrule": (Value, MLP),
    }.items():
        namespace = {"np": np, "random": random, "X": X, "y": y, "history": []}
        namespace.update(Value=value_class, MLP=mlp_class)
        exec(MICROGRAD_DEMO, namespace)
        runs[library] = namespace["history"]
    ours, theirs = runs["chainrule"], runs["micrograd"]
    assert [acc for _, acc in ours] == [acc for _, acc in theirs]
    for (mine, _), (other, _) in zip(ours, theirs, strict=True):
        assert math.isclose(mine, other, rel_tol=1e-9)
    assert ours[-1][0] < ours[0][0]


# -- shared parameters and modules: each listed once, under its first name --------------


def test_tied_weights_are_listed_once_under_their_first_name() -> None:
    encoder, decoder = Layer(3, 2, seed=0), Layer(2, 3, seed=1)
    for i, neuron in enumerate(decoder.neurons):
        neuron.w = [encoder.neurons[j].w[i] for j in range(2)]  # the transpose: tied
    model = Sequential(encoder, decoder)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == 2 * (3 + 1) + 3
    assert "layers.0.neurons.1.w.2" in names and "layers.1.neurons.2.w.1" not in names
    assert [id(p) for p in model.parameters()] == list(dict.fromkeys(map(id, model.parameters())))
    assert model.num_parameters() == 11
    assert set(model.state_dict()) == set(names)


def test_a_module_used_twice_is_one_set_of_parameters() -> None:
    layer = Layer(2, 2, seed=0)
    model = Sequential(layer, layer)  # the same layer applied twice, as in PyTorch
    assert model.parameters() == layer.parameters()
    assert [name for name, _ in model.named_parameters()][0] == "layers.0.neurons.0.w.0"


class Child(Module):
    def __init__(self, parent: Module) -> None:
        self.parent = parent  # a reference back up the tree
        self.w = Value(1.0)


class Parent(Module):
    def __init__(self) -> None:
        self.child = Child(self)
        self.b = Value(0.0)
        self.items: list = [self.b]
        self.items.append(self.items)  # a list that contains itself


def test_a_module_that_refers_back_to_its_parent_does_not_loop() -> None:
    parent = Parent()
    assert parent.named_parameters() == [("child.w", parent.child.w), ("b", parent.b)]
    assert parent.child.named_parameters() == [("parent.b", parent.b), ("w", parent.child.w)]
    parent.zero_grad()
    assert parent.num_parameters() == 2


def test_a_module_class_defined_at_run_time_is_registered_and_a_redefinition_replaces_it(
    monkeypatch,
) -> None:
    """A notebook cell that defines (and later redefines) a Module makes it loadable by name."""
    monkeypatch.setattr(nn.modules, "MODULE_CLASSES", dict(nn.modules.MODULE_CLASSES))

    class Doubler(nn.Module):
        pass

    assert nn.modules.MODULE_CLASSES["Doubler"] is Doubler

    class Doubler(nn.Module):  # noqa: F811 - the cell run again
        pass

    assert nn.modules.MODULE_CLASSES["Doubler"] is Doubler


def test_default_repr_counts_parameters_in_words() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            self.w = [Value(1.0), Value(2.0)]

    class Empty(nn.Module):
        pass

    assert repr(Two()) == "Two(2 parameters)"
    assert repr(Empty()) == "Empty(0 parameters)"
    assert repr(Scaler(3)) == "Scaler(1 parameter)"


def test_load_state_dict_lists_at_most_five_names() -> None:
    model = nn.Layer(2, 2, seed=0)  # 6 parameters
    state = model.state_dict()
    five = dict(list(state.items())[1:])  # 5 present, 1 missing
    with pytest.raises(
        ValueError, match=r"^parameters do not match this Layer: missing 1 \(neurons\.0\.w\.0\)$"
    ):
        model.load_state_dict(five)
    with pytest.raises(
        ValueError,
        match=r"missing 5 \(neurons\.0\.w\.0, neurons\.0\.w\.1, neurons\.0\.b, "
        r"neurons\.1\.w\.0, neurons\.1\.w\.1\)$",
    ):
        model.load_state_dict({"neurons.1.b": 0.0})
    with pytest.raises(
        ValueError, match=r"missing 6 \(neurons\.0\.w\.0, .*, neurons\.1\.w\.1\.\.\.\)$"
    ):
        model.load_state_dict({})
    extra = {**state, **{f"x{i}": 0.0 for i in range(5)}}
    with pytest.raises(ValueError, match=r"unexpected 5 \(x0, x1, x2, x3, x4\)$"):
        model.load_state_dict(extra)
    extra["x5"] = 0.0
    with pytest.raises(ValueError, match=r"unexpected 6 \(x0, x1, x2, x3, x4\.\.\.\)$"):
        model.load_state_dict(extra)
    both = (
        r"^parameters do not match this Layer: missing 1 \(neurons\.0\.w\.0\); unexpected 1 \(x\)"
    )
    with pytest.raises(ValueError, match=both):
        model.load_state_dict({**five, "x": 1.0})


def test_maxout_input_errors_name_the_module() -> None:
    with pytest.raises(ValueError, match=r"^Maxout expects 2 inputs, got 1$"):
        Maxout(2, 3, seed=0)([1.0])
    with pytest.raises(ValueError, match=r"^MaxoutUnit expects 2 inputs, got 3$"):
        MaxoutUnit(2, seed=0)([1.0, 2.0, 3.0])


def test_module_specs_need_both_entries_and_a_class_name() -> None:
    from nn.modules import module_from_spec

    for spec in ({"class": "Layer"}, {"config": {"nin": 1, "nout": 1}}):
        with pytest.raises(ValueError, match=r"^a module spec needs 'class' and 'config' entries"):
            module_from_spec(spec)
    with pytest.raises(ValueError, match=r"^unknown module class \['Layer'\]; known: "):
        module_from_spec({"class": ["Layer"], "config": {}})


def test_from_config_draws_the_same_weights_every_time() -> None:
    """A model rebuilt from its config starts from the same weights each time (nn.load then
    overwrites them): loading is reproducible and leaves the global random state alone."""
    config = MLP(2, [3, 1], seed=5).get_config()
    first, second = MLP.from_config(config), MLP.from_config(config)
    assert first.state_dict() == second.state_dict()
    layer_config = Layer(2, 3, seed=5).get_config()
    assert (
        Layer.from_config(layer_config).state_dict() == Layer.from_config(layer_config).state_dict()
    )


def test_activation_names_for_display() -> None:
    import functools

    from nn.activations import activation_name

    leaky = functools.partial(Value.leaky_relu, slope=0.2)
    assert activation_name("tanh") == "tanh"
    assert activation_name(Value.relu) == "relu"
    assert activation_name(leaky) == repr(leaky)  # no __name__: its repr
    assert repr(Neuron(1, activation=leaky, seed=0)) == f"Neuron(1, activation={repr(leaky)!r})"


def test_maxout_layers_draw_reproducible_weights_scaled_by_their_fan_out() -> None:
    """Maxout and MaxoutUnit pass their seed and their layer's size down to every piece."""
    assert Maxout(3, 4, seed=1).state_dict() == Maxout(3, 4, seed=1).state_dict()
    assert MaxoutUnit(3, seed=1).state_dict() == MaxoutUnit(3, seed=1).state_dict()
    layer = Maxout(4, 8, pieces=3, init="xavier", seed=0)
    limit = math.sqrt(6 / (4 + 8))  # Glorot: fan_in 4, fan_out 8
    weights = [w.data for w in layer.parameters() if w.data != 0.0]
    assert len(weights) == 4 * 8 * 3 and max(map(abs, weights)) <= limit
    assert max(map(abs, weights)) > 0.9 * limit  # the whole range is used
    alone = MaxoutUnit(4, pieces=25, init="xavier", seed=0)  # alone, a unit has one output
    weights = [w.data for piece in alone.neurons for w in piece.w]
    assert 1.0 < max(map(abs, weights)) <= math.sqrt(6 / (4 + 1))  # above sqrt(6 / (4 + 2))
    unit = MaxoutUnit(4, pieces=3, init="he", seed=0, fan_out=8)
    assert unit.get_config() == {"nin": 4, "pieces": 3, "init": "he"}
    assert Maxout(2, 1).units[0].num_pieces == 2  # the documented default
    assert Maxout(2, 1, init="he").get_config()["init"] == "he"


def test_parameters_of_a_module_found_after_an_attribute_that_is_a_number() -> None:
    class Scaled(nn.modules.Module):
        def __init__(self) -> None:
            self.scale = 2.0  # not a parameter: listed before the layer, and passed over
            self.name = "scaled"
            self.layer = Layer(2, 1, seed=0)

    model = Scaled()
    assert model.parameters() == model.layer.parameters()
    assert [name for name, _ in model.named_parameters()][0] == "layer.neurons.0.w.0"


def test_a_weight_replaced_by_a_number_is_refused_with_how_to_set_one() -> None:
    layer = Layer(2, 1, seed=0)
    layer.neurons[0].w[0], layer.neurons[0].b = 2.0, 1  # type: ignore[assignment, call-overload]
    with pytest.raises(TypeError) as refused:
        layer([1.0, 2.0])
    assert str(refused.value) == (
        "a Neuron's w must be a list of Values and b a Value, found float, int; "
        "to set a weight by hand, set its data: neuron.w[0].data = 2.0"
    )


def test_an_mlp_draws_its_weights_with_the_init_it_is_given() -> None:
    def weights(init: str) -> dict[str, float]:
        return MLP(4, [3, 1], init=init, seed=0).state_dict()

    assert weights("he") != weights("uniform") == MLP(4, [3, 1], seed=0).state_dict()


def test_an_attribute_whose_name_starts_with_an_underscore_is_not_a_parameter() -> None:
    class Scaled(Module):
        def __init__(self) -> None:
            self.k = Value(2.0)
            self._last = Value(0.0)  # a private cache, not learned

        def __call__(self, x):
            return self.k * x

    assert [name for name, _ in Scaled().named_parameters()] == ["k"]
