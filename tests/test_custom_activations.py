"""nn.register_activation, checked custom activations, and model pictures that name parameters."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

import nn
from engine import Value, custom_op, draw, no_grad


def gelu(z: Value) -> Value:
    cdf = 0.5 * (1.0 + math.erf(z.data / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * z.data**2) / math.sqrt(2.0 * math.pi)
    return custom_op(z.data * cdf, [z], [cdf + z.data * pdf], op="gelu")


@pytest.fixture
def registered() -> Iterator[None]:
    nn.register_activation("gelu", gelu)
    yield
    nn.unregister_activation("gelu")


def test_a_registered_activation_works_by_name(registered: None) -> None:
    model = nn.MLP(2, [3, 1], activation="gelu", seed=0)
    assert repr(model.layers[0]) == "Layer(2, 3, activation='gelu')"
    x = [0.5, -1.5]
    hidden = [gelu(z) for z in nn.Layer(2, 3, activation="linear", seed=0)(x)]
    assert [h.data for h in model.layers[0](x)] == [h.data for h in hidden]
    out = model(x)
    out.backward()
    assert any(p.grad != 0 for p in model.layers[0].parameters())


def test_save_and_load_keep_a_registered_activation(registered: None, tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], activation="gelu", seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    copy = nn.load(path)
    assert copy([1.0, 2.0]).data == model([1.0, 2.0]).data
    nn.unregister_activation("gelu")
    try:
        with pytest.raises(ValueError, match=r"nn.register_activation\('gelu', fn\)"):
            nn.load(path)
    finally:
        nn.register_activation("gelu", gelu)


def test_to_torch_needs_a_torch_module_and_then_matches(registered: None) -> None:
    model = nn.MLP(2, [3, 1], activation="gelu", seed=0)
    with pytest.raises(ValueError, match=r"registered without a torch module.*torch=lambda"):
        nn.to_torch(model)
    nn.register_activation("gelu", gelu, torch=lambda: torch.nn.GELU())
    net = nn.to_torch(model)
    assert isinstance(net[1], torch.nn.GELU)
    x = [0.5, -1.5]
    assert net(torch.tensor(x, dtype=torch.float64)).item() == pytest.approx(
        model(x).data, rel=1e-12
    )
    nn.register_activation("gelu", gelu, torch=lambda: "not a module")
    with pytest.raises(TypeError, match="not a torch.nn.Module"):
        nn.to_torch(model)


def test_registering_is_checked() -> None:
    with pytest.raises(ValueError, match="'relu' is a built-in activation"):
        nn.register_activation("relu", gelu)
    with pytest.raises(TypeError, match="function Value -> Value"):
        nn.register_activation("mine", 3)
    with pytest.raises(TypeError, match="torch= must be a function"):
        nn.register_activation("mine", gelu, torch="GELU")
    with pytest.raises(KeyError, match="no activation 'mine'"):
        nn.unregister_activation("mine")
    assert "mine" not in nn.ACTIVATIONS


def test_saving_a_function_says_to_register_it(registered: None, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="register it with nn.register_activation"):
        nn.MLP(2, [2, 1], activation=lambda z: z.tanh(), seed=0).save(tmp_path / "m.json")
    with pytest.raises(ValueError, match="build the model with activation='gelu'"):
        nn.MLP(2, [2, 1], activation=gelu, seed=0).save(tmp_path / "m.json")


@pytest.mark.parametrize(
    ("activation", "message"),
    [
        (lambda z: z.data, r"'<lambda>' returned a float \(.*\), not a Value"),
        (lambda z: None, r"'<lambda>' returned a NoneType"),
        (lambda z: Value(math.erf(z.data)), r"'<lambda>' returned a new Value with no inputs"),
    ],
)
def test_an_activation_that_cuts_the_graph_is_an_error_on_first_call(activation, message) -> None:
    layer = nn.Layer(2, 2, activation=activation, seed=0)
    with pytest.raises(TypeError, match=message):
        layer([1.0, 2.0])


def test_a_registered_activation_returning_a_float_is_named() -> None:
    nn.register_activation("broken", lambda z: math.tanh(z.data))
    try:
        with pytest.raises(TypeError, match=r"the activation 'broken' returned a float"):
            nn.MLP(2, [2, 1], activation="broken", seed=0)([1.0, 2.0])
    finally:
        nn.unregister_activation("broken")


def test_inference_under_no_grad_is_not_mistaken_for_a_cut_graph() -> None:
    model = nn.MLP(2, [2, 1], activation=lambda z: z.tanh(), seed=0)
    with no_grad():
        assert isinstance(model([1.0, 2.0]), Value)


# -- pictures of models ---------------------------------------------------------------------


def test_pictures_name_parameters_and_draw_constants_without_gradient() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([1.0, -2.0]) - 1.0) ** 2
    loss.backward()
    source = draw(loss, parameters=model).source
    for name, _ in model.named_parameters():
        assert f"<B>{name}</B>" in source
    assert source == draw(loss, parameters=model.named_parameters()).source
    assert source == draw(loss, parameters=dict(model.named_parameters())).source
    constant = 'BGCOLOR="#f3f4f6"><TR><TD>-2</TD></TR></TABLE>'  # just the number: no grad
    assert constant in source and 'tooltip="constant -2.0"' in source
    plain = draw(loss, parameters=model.parameters()).source
    assert "layers.0" not in plain and "#fde68a" in plain  # Values alone: coloured, unnamed
    with pytest.raises(TypeError, match=r"\(name, Value\) pairs"):
        draw(loss, parameters=[("w", 3.0)])


def test_a_label_wins_over_a_parameter_name() -> None:
    model = nn.Neuron(1, activation="linear", seed=0)
    model.w[0].label = "weight"
    source = draw(model([2.0]), parameters=model).source
    assert "<B>weight</B>" in source and "w.0" not in source and "<B>b</B>" in source


def test_saving_a_checked_activation_still_names_its_registration(
    registered: None, tmp_path: Path
) -> None:
    """``get_activation("gelu")`` hands back gelu wrapped in its checks: still gelu to save."""
    checked = nn.get_activation("gelu")
    assert checked is not gelu and checked.__wrapped__ is gelu
    with pytest.raises(ValueError, match="build the model with activation='gelu'"):
        nn.MLP(2, [2, 1], activation=checked, seed=0).save(tmp_path / "m.json")


def test_to_torch_converts_a_registered_activation_inside_a_neuron_and_a_stack(
    registered: None,
) -> None:
    nn.register_activation("gelu", gelu, torch=lambda: torch.nn.GELU())
    for model in (
        nn.Neuron(2, activation="gelu", seed=0),
        nn.Sequential(nn.Layer(2, 2, activation="gelu", seed=0)),
    ):
        net = nn.to_torch(model)
        assert isinstance(net[-1], torch.nn.GELU)
    nn.register_activation("gelu", gelu, torch=lambda: 5)
    with pytest.raises(TypeError) as caught:
        nn.to_torch(nn.Neuron(2, activation="gelu", seed=0))
    assert str(caught.value) == (
        "layer 0 (Neuron): torch= of the activation 'gelu' returned a int, not a "
        "torch.nn.Module; give a function returning one, e.g. lambda: torch.nn.GELU()"
    )
    nn.register_activation("gelu", gelu)
    with pytest.raises(ValueError) as caught:
        nn.to_torch(nn.Neuron(2, activation="gelu", seed=0))
    assert str(caught.value).endswith(
        "torch=lambda: torch.nn.GELU()) (the torch module computing the same function)"
    )


def test_saving_an_unregistered_function_names_it_and_says_how_to_register_it(
    tmp_path: Path,
) -> None:
    def swish(z: Value) -> Value:
        return z * z.sigmoid()

    with pytest.raises(ValueError) as caught:
        nn.Neuron(1, activation=swish, seed=0).save(tmp_path / "m.json")
    assert str(caught.value) == (
        "cannot save this model: Neuron.activation is the function 'swish'; only named "
        "activations (e.g. 'relu', 'tanh'; see nn.ACTIVATIONS) can be saved: register it "
        "with nn.register_activation('a_name', fn) and build the model with activation='a_name'"
    )
    with pytest.raises(ValueError, match=r"^model data: not a chainrule model"):
        nn.serialize.from_dict(5)
