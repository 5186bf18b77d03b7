"""nn.visualize: the network diagram's DOT text, and the matplotlib figures."""

from __future__ import annotations

import os
import random
import re
import shutil
import sys

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import nn  # noqa: E402
from engine import Value  # noqa: E402
from nn.modules import Neuron  # noqa: E402
from nn.visualize import (  # noqa: E402
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    draw_network,
    plot_decision_boundary,
    plot_history,
)


def _relu_network() -> nn.MLP:
    """WORKED_EXAMPLES §1: weights (2,4),(4,-5) | (-1,1),(2,2) | (3,7), biases 0."""
    model = nn.MLP(2, [2, 2, 1], activation="relu", output_activation="relu", seed=0)
    weights = [[[2, 4], [4, -5]], [[-1, 1], [2, 2]], [[3, 7]]]
    for layer, rows in zip(model.layers, weights):
        for neuron, row in zip(layer.neurons, rows):
            for w, v in zip(neuron.w, row):
                w.data = float(v)
    return model


def _edges(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every visible edge."""
    found = re.findall(r"^\s*(\w+) -> (\w+) \[(.*)\]$", source, flags=re.M)
    return [edge for edge in found if "invis" not in edge[2]]


def test_node_and_edge_counts() -> None:
    model = nn.MLP(3, [4, 2], seed=1)
    source = draw_network(model).source
    neurons = re.findall(r"^\s*(x\d+|L\d+N\d+) \[", source, flags=re.M)
    assert len(neurons) == 3 + 4 + 2
    assert len(_edges(source)) == 3 * 4 + 4 * 2


def test_edge_colour_follows_sign_and_width_follows_magnitude() -> None:
    source = draw_network(_relu_network()).source
    edges = {(tail, head): attrs for tail, head, attrs in _edges(source)}
    assert POSITIVE_COLOUR in edges[("x0", "L0N0")]  # w = 2
    assert NEGATIVE_COLOUR in edges[("x1", "L0N1")]  # w = -5
    assert NEGATIVE_COLOUR in edges[("L0N0", "L1N0")]  # w = -1

    def width(attrs: str) -> float:
        return float(re.search(r"penwidth=([\d.]+)", attrs).group(1))

    by_weight = {
        2: width(edges[("x0", "L0N0")]),
        4: width(edges[("x1", "L0N0")]),
        -5: width(edges[("x1", "L0N1")]),
        7: width(edges[("L1N1", "L2N0")]),
    }
    assert by_weight[2] < by_weight[4] < by_weight[-5] < by_weight[7]
    assert by_weight[7] == 4.0  # the largest |w| gets the widest line


def test_inputs_show_every_activation_of_the_worked_example() -> None:
    source = draw_network(_relu_network(), inputs=[3.0, 5.0]).source
    # hidden 1: z = 26, -13; hidden 2: z = -26, 52; output 364
    for text in ("z = 26", "z = -13", "z = -26", "z = 52", "z = 364", "a = 364"):
        assert text in source
    assert source.count("a = 0\\n") + source.count('a = 0"') == 2  # the two dead ReLUs
    assert "z =" not in draw_network(_relu_network()).source


def _labels(source: str) -> dict[str, str]:
    """Each neuron node's label."""
    return dict(re.findall(r'^\s*(L\d+N\d+) \[label="([^"]*)"', source, flags=re.M))


def test_gradients_shown_after_backward() -> None:
    model = _relu_network()
    assert "δ =" not in draw_network(model, inputs=[3.0, 5.0]).source
    model([3.0, 5.0]).backward()
    labels = _labels(draw_network(model, inputs=[3.0, 5.0]).source)
    # delta = dL/dz = b.grad (WORKED_EXAMPLES §1): 14, 0 | 0, 7 | 1
    deltas = {name: label.split("\\n")[-1] for name, label in labels.items()}
    assert deltas == {
        "L0N0": "δ = 14",
        "L0N1": "δ = 0",
        "L1N0": "δ = 0",
        "L1N1": "δ = 7",
        "L2N0": "δ = 1",
    }


def test_dot_source_is_deterministic() -> None:
    first = draw_network(nn.MLP(2, [3, 1], seed=5), inputs=[0.5, -1]).source
    second = draw_network(nn.MLP(2, [3, 1], seed=5), inputs=[0.5, -1]).source
    assert first == second


def test_maxout_and_single_layer_models() -> None:
    model = nn.Sequential(
        nn.Maxout(2, 3, pieces=2, rng=random.Random(0)),
        nn.Layer(3, 2, activation="softmax", rng=random.Random(1)),
    )
    source = draw_network(model, inputs=[0.5, 1.0]).source
    assert len(_edges(source)) == 2 * 3 * 2 + 3 * 2
    assert "max of 2" in source and "softmax" in source
    assert "dashed" in source  # the losing pieces
    single = draw_network(nn.Layer(2, 2, seed=0)).source
    assert len(_edges(single)) == 4


def test_the_bias_takes_part_in_choosing_the_winning_piece() -> None:
    layer = nn.Maxout(1, 1, pieces=2, seed=0)
    first, second = layer.units[0].neurons
    first.w[0].data, first.b.data = 0.5, 1.0  # z = 0.5 + 1 = 1.5: wins, by its bias
    second.w[0].data, second.b.data = 1.0, 0.0  # z = 1.0
    edges = draw_network(layer, [1.0]).source.splitlines()
    dashed = [edge for edge in edges if "style=dashed" in edge]
    assert len(dashed) == 1 and 'tooltip="piece 2: w = 1.0' in dashed[0]


def test_a_maxout_unit_alone_is_drawn_as_one_unit() -> None:
    layer = nn.Maxout(2, 1, pieces=3, seed=0)
    unit = layer.units[0]
    drawn = draw_network(unit, [1.0, -2.0]).source
    assert _edges(drawn) == _edges(
        draw_network(layer, [1.0, -2.0]).source
    )  # 3 pieces, 2 edges each
    assert "L0N0 [label=" in drawn and "L0N1" not in drawn
    assert "max of 3" in drawn and f"a = {unit([1.0, -2.0]).data:.3g}" in drawn


def test_a_stack_inside_a_stack_is_drawn_layer_by_layer() -> None:
    hidden = nn.MLP(2, [3, 3], seed=4)
    output = nn.Layer(3, 2, activation="softmax", seed=5)
    nested = draw_network(nn.Sequential(hidden, output), inputs=[1.0, 2.0]).source
    flat = draw_network(nn.Sequential(*hidden.layers, output), inputs=[1.0, 2.0]).source
    assert nested == flat and len(_edges(nested)) == 2 * 3 + 3 * 3 + 3 * 2


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2 inputs but 3"):
        draw_network(nn.MLP(2, [1], seed=0), inputs=[1, 2, 3])
    with pytest.raises(TypeError, match="expects a model"):
        draw_network([1, 2])  # type: ignore[arg-type]


@pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"), reason="needs Graphviz dot"
)
def test_network_renders_to_svg() -> None:
    svg = draw_network(nn.MLP(2, [4, 1], seed=0), inputs=[1, 2]).pipe(format="svg")
    assert b"<svg" in svg


def _history() -> nn.History:
    history = nn.History()
    history.loss += [1.0, 0.5, 0.25]
    history.accuracy += [0.5, 0.75, 1.0]
    history.val_loss += [1.1, 0.6, 0.4]
    history.val_accuracy += [0.4, 0.7, 0.9]
    return history


def test_plot_history_train_and_validation() -> None:
    from matplotlib.figure import Figure

    figure = plot_history(_history())
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 2
    assert [len(ax.lines) for ax in figure.axes] == [2, 2]
    assert list(figure.axes[0].lines[0].get_ydata()) == [1.0, 0.5, 0.25]
    # the same history as a dict (history.as_dict(), or Keras's history.history) draws the same
    same = plot_history(_history().as_dict())
    assert [len(ax.lines) for ax in same.axes] == [2, 2]
    assert list(same.axes[1].lines[1].get_ydata()) == _history().val_accuracy


def test_plot_history_loss_only() -> None:
    history = nn.History()
    history.loss += [3.0, 2.0]
    figure = plot_history(history)
    assert len(figure.axes) == 1 and len(figure.axes[0].lines) == 1
    with pytest.raises(ValueError, match="no loss"):
        plot_history(nn.History())


def test_plot_decision_boundary_binary_and_multiclass() -> None:
    from matplotlib.figure import Figure

    X = [[-1.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [2.0, -1.0]]
    y = [0, 1, 0, 1]
    neuron = nn.Neuron(2, activation="linear", seed=0)
    neuron.w[0].data, neuron.w[1].data = 1.0, 0.0  # class 1 exactly where x1 > 0
    figure = plot_decision_boundary(neuron, X, y, resolution=11)
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert len(ax.collections) >= 2  # filled regions and the points
    classifier = nn.MLP(2, [4, 3], output_activation="softmax", seed=0)
    figure = plot_decision_boundary(classifier, X, [0, 1, 2, 1], resolution=5)
    assert len(figure.axes) == 1
    with pytest.raises(ValueError, match="2-D"):
        plot_decision_boundary(neuron, [[1.0, 2.0, 3.0]], [0])


def test_history_plot_is_plot_history(monkeypatch):
    """``History.plot()`` draws the same figure as ``nn.plot_history`` (one plotting code path)."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    from nn import MLP, fit

    model = MLP(2, [3, 1], seed=0)
    history = fit(
        model, [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], loss="hinge", epochs=3, progress=False
    )
    figure = history.plot()
    assert [ax.get_title() for ax in figure.axes] == [
        ax.get_title() for ax in nn_plot_history(history).axes
    ]


def nn_plot_history(history):
    from nn import plot_history

    return plot_history(history)


def test_plots_leave_no_open_pyplot_figures(monkeypatch):
    """A notebook shows the returned Figure once: pyplot keeps no second, open copy of it."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    from nn import MLP, fit, plot_decision_boundary, plot_history

    model = MLP(2, [3, 1], seed=0)
    X, y = [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0]
    history = fit(model, X, y, loss="hinge", epochs=2, progress=False)
    before = plt.get_fignums()
    figures = [plot_history(history), plot_decision_boundary(model, X, y, resolution=10)]
    assert plt.get_fignums() == before
    assert all(figure.axes for figure in figures)


class Passthrough(nn.Module):
    """A layer-like module draw_network does not know how to draw."""

    def __init__(self) -> None:
        self.nin = self.nout = 2
        self.a = Value(1.0)

    def forward(self, x):
        return list(x)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: draw_network(5),
            TypeError,
            "draw_network expects a model (Neuron, Layer, Maxout, Sequential, MLP), got int",
        ),
        (
            lambda: draw_network(Neuron(2), rankdir="XY"),
            ValueError,
            "draw_network: rankdir must be 'LR', 'RL', 'TB' or 'BT', got 'XY'",
        ),
        (
            lambda: draw_network(Neuron(2), precision=0),
            ValueError,
            "draw_network: precision must be an int >= 1, got 0",
        ),
        (
            lambda: draw_network(Neuron(2), precision=True),
            ValueError,
            "draw_network: precision must be an int >= 1, got True",
        ),
        (
            lambda: draw_network(Neuron(2), [1.0]),
            ValueError,
            "draw_network: the model has 2 inputs but 1 were given",
        ),
        (
            lambda: draw_network(Neuron(2), input_names=["a"]),
            ValueError,
            "draw_network: the model has 2 inputs but 1 input_names were given",
        ),
        (
            lambda: draw_network(nn.Sequential(nn.Layer(2, 2), Passthrough())),
            TypeError,
            "draw_network can draw Neuron, Layer, Maxout and Sequential/MLP models, "
            "but layer 1 is a Passthrough",
        ),
    ],
)
def test_draw_network_errors(call, error, message) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()


def test_decision_boundary_threshold_is_one_half_for_probabilities_and_zero_for_scores() -> None:
    from nn.visualize import _default_threshold

    assert _default_threshold(Neuron(2, activation="sigmoid")) == 0.5
    assert _default_threshold(nn.MLP(2, [3, 1], output_activation="hard_sigmoid")) == 0.5
    assert _default_threshold(nn.MLP(2, [3, 1], activation="sigmoid")) == 0.0  # linear output
    assert _default_threshold(nn.Layer(2, 1, activation="tanh")) == 0.0
    assert _default_threshold(nn.Sequential(nn.Maxout(2, 2), nn.Layer(2, 1, "sigmoid"))) == 0.5


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
def test_every_rankdir_is_accepted_by_both_pictures(rankdir: str) -> None:
    from engine import draw

    model = nn.Layer(2, 1, seed=0)
    assert f"rankdir={rankdir}" in draw_network(model, rankdir=rankdir, precision=1).source
    assert f"rankdir={rankdir}" in draw(model([1.0, 2.0]), rankdir=rankdir, precision=1).source


def test_weights_are_written_on_the_edges_up_to_forty_weights() -> None:
    forty = draw_network(nn.Layer(4, 10, seed=0)).source
    forty_one = draw_network(nn.Layer(41, 1, seed=0)).source
    assert forty.count(" [label=") - forty.count("style=invis") >= 40
    assert "fontcolor" in forty and "fontcolor" not in forty_one


def test_without_the_graphviz_package_both_pictures_say_how_to_install_it(monkeypatch) -> None:
    from engine import draw

    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` fails
    install = (
        "pip install graphviz, and install Graphviz itself "
        "(apt-get install graphviz, brew install graphviz, or conda install graphviz)"
    )
    with pytest.raises(ImportError) as caught:
        draw_network(nn.Layer(2, 1, seed=0))
    assert str(caught.value) == (
        "draw_network needs the graphviz Python package and the Graphviz 'dot' program: " + install
    )
    with pytest.raises(ImportError) as caught:
        draw(Value(1.0) * 2)
    assert str(caught.value) == (
        "engine.draw needs the graphviz Python package and the Graphviz 'dot' program: " + install
    )


class Pair(nn.Module):
    """A layer of the user's own: neurons, but no activation attribute."""

    def __init__(self) -> None:
        self.nin, self.nout = 2, 2
        self.neurons = [Neuron(2, activation="tanh", seed=k) for k in range(2)]

    def forward(self, x):
        return [n(x) for n in self.neurons]


def test_a_users_layer_without_an_activation_is_drawn_with_its_neurons_activations() -> None:
    from nn.visualize import _default_threshold

    source = draw_network(nn.Sequential(Pair(), nn.Layer(2, 1, seed=0))).source
    assert "1: tanh" in source and "2: tanh" in source
    assert _default_threshold(nn.Sequential(nn.Layer(2, 2), nn.Maxout(2, 1))) == 0.0
