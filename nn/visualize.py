r"""Pictures of networks and of training: a network diagram and two plots.

* ``draw_network(model, inputs)``: the network as layers of neurons, with
  Graphviz (``graphviz.Digraph``, shown inline in a notebook).
* ``plot_history(history)``: loss and accuracy per epoch, with matplotlib.
* ``plot_decision_boundary(model, X, y)``: which class the model predicts
  at every point of a 2-D plane, with the data on top.

Each function returns its picture (a ``Digraph`` or a matplotlib ``Figure``)
and shows nothing by itself: a notebook cell that ends with it displays it;
``fig.savefig("plot.png")`` and ``graph.render(...)`` write files.

Reading a network diagram
-------------------------
The diagram is read left to right: the inputs, then one column per layer.
Every edge is a weight $w_{ji}$ from input (or neuron) $i$ into neuron $j$:

* **colour** is its sign: blue for $w > 0$ (an excitatory connection),
  red for $w < 0$ (inhibitory), grey for $w = 0$;
* **thickness** (``penwidth``) is proportional to $|w|$, scaled so that the
  largest weight of the whole model is drawn 4 points wide.

Each neuron shows its activation function and its bias $b$. With
``inputs``, it also shows its weighted sum $z = \sum_i w_{ji} x_i + b$ and
its output $a = f(z)$ for those inputs. Once ``backward()`` has run, it also
shows its *delta* $\delta = \partial L / \partial z$, which is exactly the
gradient of its bias, ``b.grad``, since $\partial z / \partial b = 1$ (summed over the examples
of the backward pass); each weight's gradient
$\partial L / \partial w_{ji} = \delta_j\, x_i$ is in the edge's tooltip.

>>> import random
>>> from nn.modules import MLP
>>> model = MLP(2, [3, 1], rng=random.Random(0))
>>> graph = draw_network(model, inputs=[1.0, -2.0])
>>> graph.source.count("penwidth")  # one edge per weight: 2*3 + 3*1
9
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine import Value, no_grad
from nn.activations import activation_name
from nn.modules import Maxout, MaxoutUnit, Module, Neuron

if TYPE_CHECKING:
    import graphviz
    from matplotlib.figure import Figure

POSITIVE_COLOUR = "#1f77b4"  # blue: w > 0
NEGATIVE_COLOUR = "#d62728"  # red: w < 0
ZERO_COLOUR = "#9ca3af"  # grey: w == 0
INPUT_COLOUR = "#dbeafe"
NEURON_COLOUR = "#ffffff"
OUTPUT_COLOUR = "#bbf7d0"
MIN_PENWIDTH = 0.3
MAX_PENWIDTH = 4.0

_TITLE_ATTRS = {"shape": "plaintext", "style": "", "fontsize": "11"}

_PLOTS_HINT = "pip install chainrule[plots] (or pip install matplotlib)"


# -- the structure of a model ----------------------------------------------------


class _Unit:
    """One node of the diagram: a neuron, or a maxout unit made of several linear pieces."""

    def __init__(self, pieces: list[Neuron], activation: str) -> None:
        self.pieces = pieces
        self.activation = activation


def _flat_layers(model: Module) -> list[Any]:
    """The model's layers in order; a stack inside a stack gives its own layers.

    A ``Sequential``/``MLP`` has ``.layers``; a single ``Layer``, ``Maxout``,
    ``MaxoutUnit`` or ``Neuron`` is a network of one layer.
    """
    layers: list[Any] = []
    pending = [model]
    while pending:  # flatten stacks of stacks, keeping their order
        item = pending.pop(0)
        if hasattr(item, "layers"):
            pending[:0] = list(item.layers)
        else:
            layers.append(item)
    return layers


def _layers_of(model: Module) -> list[tuple[str, list[_Unit]]]:
    """The model's layers (see ``_flat_layers``), each as (its description, its units)."""
    described = []
    for index, layer in enumerate(_flat_layers(model)):
        if isinstance(layer, Neuron):
            units = [_Unit([layer], activation_name(layer.activation))]
        elif isinstance(layer, MaxoutUnit):  # one unit: a layer of its own
            units = [_Unit(list(layer.neurons), f"max of {len(layer.neurons)}")]
        elif isinstance(layer, Maxout):
            units = [
                _Unit(list(unit.neurons), f"max of {len(unit.neurons)}") for unit in layer.units
            ]
        elif hasattr(layer, "neurons"):
            given = getattr(layer, "activation", "linear")  # pragma: no mutate (softmax or not)
            whole_layer = activation_name(given)
            units = []
            for neuron in layer.neurons:
                name = activation_name(neuron.activation)
                units.append(_Unit([neuron], "softmax" if whole_layer == "softmax" else name))
        else:
            raise TypeError(
                f"draw_network can draw Neuron, Layer, Maxout and Sequential/MLP models, "
                f"but layer {index} is a {type(layer).__name__}"
            )
        described.append((repr(layer), units))
    return described


def _as_written(text: str) -> str:
    """``text`` for a Graphviz label, drawn as written: a backslash doubled.

    In a label Graphviz reads ``\\n`` as a line break and ``\\N``, ``\\G`` as the
    node's and graph's names; the labels here break lines with ``\\n`` on
    purpose, so only the text that comes from the user is escaped (and the
    whole label is marked as not HTML, so a name like ``<b>`` stays text).
    """
    return text.replace("\\", "\\\\")


def _number(x: float, precision: int) -> str:
    """``x`` to ``precision`` significant digits."""
    return f"{x:.{precision}g}"


def _forward_by_layer(model: Module, inputs: Sequence[Value | float]) -> list[list[list[float]]]:
    """Each layer's inputs, one layer at a time: ``[inputs of layer 0, ..., outputs]``.

    Runs under ``no_grad()``, so no graph is built and no gradient changes.
    """
    values = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    activations = [values]
    with no_grad():
        for layer in _flat_layers(model):
            values = [v.data for v in layer.forward(values)]
            activations.append(values)
    return activations


def _has_grads(model: Module) -> bool:
    """True once ``backward()`` has left a non-zero gradient on some parameter."""
    return any(p.grad != 0.0 for p in model.parameters())


def draw_network(
    model: Module,
    inputs: Sequence[Value | float] | None = None,
    *,
    rankdir: str = "LR",
    precision: int = 3,
    show_weights: bool | None = None,
    show_grads: bool | None = None,
    input_names: Sequence[str] | None = None,
    legend: bool = True,
) -> graphviz.Digraph:
    r"""The network as columns of neurons, weights as coloured edges (see the module docstring).

    * ``inputs``: one example; each neuron then shows its $z$ and $a = f(z)$.
    * ``rankdir``: ``"LR"`` (inputs on the left, the default) or ``"TB"``.
    * ``precision``: significant digits of the numbers shown.
    * ``show_weights``: write each weight on its edge (default: only when
      there are at most 40 weights; the exact value is always in the tooltip).
    * ``show_grads``: show each neuron's $\delta = \partial L/\partial z$ (its
      ``b.grad``); default: when some parameter has a non-zero gradient.
    * ``input_names``: names of the inputs (default ``x1``, ``x2``, ...).
    * ``legend``: add a caption explaining colours and thickness.

    Node names come from layer and neuron indices (``x0``, ``L0N3``, ...), so
    the DOT source is the same in every run. They are also the SVG ids of the
    nodes, and each weight's edge has the id ``p<k>``, ``k`` its position in
    ``model.parameters()`` (the training time machine recolours them).

    Raises ``ImportError`` without the graphviz package, ``TypeError`` for a
    model it cannot draw and ``ValueError`` for inputs of the wrong length.
    """
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "draw_network needs the graphviz Python package and the Graphviz 'dot' program: "
            "pip install graphviz, and install Graphviz itself "
            "(apt-get install graphviz, brew install graphviz, or conda install graphviz)"
        ) from None
    if not isinstance(model, Module):
        raise TypeError(
            f"draw_network expects a model (Neuron, Layer, Maxout, Sequential, MLP), "
            f"got {type(model).__name__}"
        )
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_network: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, numbers.Integral) or precision < 1:
        raise ValueError(f"draw_network: precision must be an int >= 1, got {precision!r}")

    layers = _layers_of(model)
    nin = len(layers[0][1][0].pieces[0].w)
    if inputs is not None:
        if isinstance(inputs, (Value, int, float)):
            inputs = [inputs]
        inputs = list(inputs)
        if len(inputs) != nin:
            raise ValueError(
                f"draw_network: the model has {nin} inputs but {len(inputs)} were given"
            )
    if input_names is None:
        input_names = [f"x{i + 1}" for i in range(nin)]
    elif len(input_names) != nin:
        raise ValueError(
            f"draw_network: the model has {nin} inputs but {len(input_names)} input_names "
            "were given"
        )
    activations = _forward_by_layer(model, inputs) if inputs is not None else None
    if show_grads is None:
        show_grads = _has_grads(model)
    weights = [w.data for _, units in layers for u in units for p in u.pieces for w in p.w]
    if show_weights is None:
        show_weights = len(weights) <= 40
    largest = max((abs(w) for w in weights), default=0.0)  # pragma: no mutate (never empty)
    position = {p: k for k, p in enumerate(model.parameters())}

    graph = graphviz.Digraph(
        name="network",
        graph_attr={"rankdir": rankdir, "nodesep": "0.15", "ranksep": "1.2"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "style": "filled"},
        edge_attr={"arrowsize": "0.4", "fontname": "Helvetica", "fontsize": "8"},
    )

    # the inputs: the first column
    with graph.subgraph(name="inputs") as column:
        column.attr(rank="same")
        column.node("inputs", label="inputs", **_TITLE_ATTRS)
        for i, name in enumerate(input_names):
            lines = [_as_written(str(name))]
            if activations is not None:
                lines.append(_number(activations[0][i], precision))
            label = graphviz.nohtml("\\n".join(lines))
            column.node(f"x{i}", label=label, shape="circle", fillcolor=INPUT_COLOUR)
        _keep_in_order(column, ["inputs", *(f"x{i}" for i in range(nin))])

    previous = [f"x{i}" for i in range(nin)]
    last = len(layers) - 1
    for index, (description, units) in enumerate(layers):
        names = [f"L{index}N{j}" for j in range(len(units))]
        title = "output" if index == last else f"hidden {index + 1}"
        with graph.subgraph(name=f"layer{index}") as column:
            column.attr(rank="same")
            title_label = graphviz.nohtml(f"{title}\\n{_as_written(description)}")
            column.node(f"L{index}", label=title_label, **_TITLE_ATTRS)
            for j, unit in enumerate(units):
                x = activations[index] if activations is not None else None
                out = activations[index + 1][j] if activations is not None else None
                label, tooltip = _unit_label(unit, j, x, out, show_grads, precision)
                column.node(
                    names[j],
                    id=names[j],
                    label=graphviz.nohtml(label),
                    tooltip=tooltip,
                    shape="box",
                    style="rounded,filled",
                    fillcolor=OUTPUT_COLOUR if index == last else NEURON_COLOUR,
                )
            _keep_in_order(column, [f"L{index}", *names])
        for j, unit in enumerate(units):
            winner = _winning_piece(unit, activations[index]) if activations is not None else None
            for k, piece in enumerate(unit.pieces):
                for i, w in enumerate(piece.w):
                    attrs = _edge_attrs(w, largest, precision, show_weights)
                    if len(unit.pieces) > 1:
                        attrs["tooltip"] = f"piece {k + 1}: " + attrs["tooltip"]
                        if winner is not None and k != winner:
                            attrs["style"] = "dashed"
                    graph.edge(previous[i], names[j], id=f"p{position[w]}", **attrs)
        previous = names

    if legend:
        caption = (
            "blue: weight > 0, red: weight < 0; thickness ∝ |weight| "
            f"(largest {_number(largest, precision)})"
        )
        if activations is not None:
            caption += "; z = w·x + b, a = f(z)"
        if show_grads:
            caption += "; δ = ∂L/∂z = b.grad"
        graph.attr(label=caption, labelloc="b", fontname="Helvetica", fontsize="10")
    return graph


def _keep_in_order(column: graphviz.Digraph, names: list[str]) -> None:
    """Invisible edges between consecutive nodes, so that a column lists them in index order."""
    for upper, lower in zip(names, names[1:]):
        column.edge(upper, lower, style="invis")


def _unit_label(
    unit: _Unit,
    index: int,
    inputs: list[float] | None,
    output: float | None,
    show_grads: bool,
    precision: int,
) -> tuple[str, str]:
    """The text inside a neuron's box, and its tooltip (the exact numbers)."""
    biases = [p.b.data for p in unit.pieces]
    lines = [f"{index + 1}: {_as_written(unit.activation)}"]
    lines.append("b = " + " | ".join(_number(b, precision) for b in biases))
    tooltip = ["b = " + ", ".join(repr(b) for b in biases)]
    if inputs is not None and output is not None:  # pragma: no mutate (both or neither)
        sums = [math.fsum(w.data * x for w, x in zip(p.w, inputs)) + p.b.data for p in unit.pieces]
        lines.append("z = " + " | ".join(_number(z, precision) for z in sums))
        lines.append(f"a = {_number(output, precision)}")
        tooltip += ["z = " + ", ".join(repr(z) for z in sums), f"a = {output!r}"]
    if show_grads:
        deltas = [p.b.grad for p in unit.pieces]
        lines.append("δ = " + " | ".join(_number(d, precision) for d in deltas))
        tooltip.append("δ = ∂L/∂z = b.grad = " + ", ".join(repr(d) for d in deltas))
    return "\\n".join(lines), "; ".join(tooltip)


def _winning_piece(unit: _Unit, inputs: list[float]) -> int | None:
    """For a maxout unit, the index of the piece with the largest $z$; ``None`` for a neuron."""
    if len(unit.pieces) == 1:
        return None
    sums = [sum(w.data * x for w, x in zip(p.w, inputs)) + p.b.data for p in unit.pieces]
    return sums.index(max(sums))


def _edge_attrs(w: Value, largest: float, precision: int, show_weights: bool) -> dict[str, str]:
    """Colour by the sign of ``w``, thickness by $|w|$ / the largest $|w|$."""
    if w.data > 0:
        colour = POSITIVE_COLOUR
    elif w.data < 0:
        colour = NEGATIVE_COLOUR
    else:
        colour = ZERO_COLOUR
    share = abs(w.data) / largest if largest > 0 else 0.0
    penwidth = MIN_PENWIDTH + (MAX_PENWIDTH - MIN_PENWIDTH) * share
    attrs = {
        "color": colour,
        "penwidth": f"{penwidth:.3f}",
        "tooltip": f"w = {w.data!r}, grad = {w.grad!r}",
    }
    if show_weights:
        attrs["label"] = _number(w.data, precision)
        attrs["fontcolor"] = colour
    return attrs


# -- matplotlib plots ----------------------------------------------------------


def _new_figure(**options: Any) -> Figure:  # pragma: no mutate block (presentation: a plot)
    """A matplotlib ``Figure`` that a notebook shows once, at the end of the cell.

    pyplot makes it, which loads the notebook's inline backend and with it the
    hook that displays a returned Figure; it is closed at once, so pyplot
    neither shows it a second time nor keeps it alive. An ImportError says
    how to install matplotlib.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"plotting needs matplotlib: {_PLOTS_HINT}") from None
    figure = plt.figure(**options)
    plt.close(figure)
    return figure


def plot_history(history: Any) -> Figure:  # pragma: no mutate block (presentation: a plot)
    """Loss and accuracy per epoch, training and validation: a ``Figure`` with two axes.

    ``history`` is the ``History`` returned by ``nn.fit`` (or anything with
    ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` lists, or a dict
    of them such as ``history.as_dict()``). The accuracy axis is left out
    when accuracy was not measured. Solid lines: training data; dashed:
    validation data.
    """

    def series(key: str) -> list[float]:
        found = history.get(key, []) if isinstance(history, dict) else getattr(history, key, [])
        return list(found)

    loss = series("loss")
    if not loss:
        raise ValueError("plot_history: the history has no loss values; train for an epoch first")
    accuracy, val_loss = series("accuracy"), series("val_loss")
    val_accuracy = series("val_accuracy")
    panels = 2 if accuracy or val_accuracy else 1
    figure = _new_figure(figsize=(5 * panels, 3.5), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False)[0]
    curves = [(axes[0], "loss", loss, val_loss)]
    if panels == 2:
        curves.append((axes[1], "accuracy", accuracy, val_accuracy))
    for ax, name, train, validation in curves:
        if train:
            ax.plot(range(1, len(train) + 1), train, "-", label=f"train {name}")
        if validation:
            ax.plot(range(1, len(validation) + 1), validation, "--", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if panels == 2:
        axes[1].set_ylim(-0.02, 1.02)
    return figure


def _default_threshold(model: Any) -> float:
    """0.5 when the single output is a probability (sigmoid), else 0 (a score's sign)."""
    layers = list(model.layers) if hasattr(model, "layers") else [model]
    given = getattr(layers[-1], "activation", "linear")  # pragma: no mutate (only sigmoids count)
    name = activation_name(given)
    return 0.5 if name in ("sigmoid", "hard_sigmoid") else 0.0


def plot_decision_boundary(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    resolution: int = 80,
    *,
    threshold: float | None = None,
    margin: float = 0.5,
    title: str | None = None,
) -> Figure:  # pragma: no mutate block (presentation: a plot)
    """The class the model predicts at every point of the plane, with the data on top.

    ``X`` holds 2-D points and ``y`` their labels. The model is evaluated on
    a ``resolution`` x ``resolution`` grid covering the data (plus
    ``margin``) under ``engine.no_grad()``. A one-output model predicts the
    larger label when its output is above ``threshold`` (default: 0.5 for a
    sigmoid output, 0 for a score such as the hinge loss's), the smaller
    label otherwise; a several-output model predicts the index of its
    largest output (``argmax``). Returns a ``Figure`` with one axes.
    """
    points = [[float(v) for v in x] for x in X]
    labels = list(y)
    if not points or len(points) != len(labels):
        raise ValueError(
            f"plot_decision_boundary needs as many labels as points, got {len(points)} points "
            f"and {len(labels)} labels"
        )
    if any(len(p) != 2 for p in points):
        raise ValueError("plot_decision_boundary needs 2-D points (two features per example)")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or resolution < 2
    ):
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    classes = sorted(set(labels))
    if threshold is None:
        threshold = _default_threshold(model)

    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x_low, x_high = min(xs) - margin, max(xs) + margin
    y_low, y_high = min(ys) - margin, max(ys) + margin
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * i / (resolution - 1) for i in range(resolution)]
    predicted: list[list[int]] = []
    with no_grad():
        for gy in grid_y:
            row = []
            for gx in grid_x:
                out = model([gx, gy])
                if isinstance(out, Value):
                    positive = out.data > threshold
                    row.append(classes.index(classes[-1]) if positive else 0)
                else:
                    scores = [v.data for v in out]
                    row.append(scores.index(max(scores)))
            predicted.append(row)

    count = max(len(classes), max(max(row) for row in predicted) + 1)
    palette = ["#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6"]
    figure = _new_figure(figsize=(5, 4.5), layout="constrained")  # checks matplotlib is there
    from matplotlib.colors import ListedColormap

    colours = ListedColormap([palette[i % len(palette)] for i in range(count)])
    ax = figure.subplots()
    levels = [k - 0.5 for k in range(count + 1)]
    ax.contourf(grid_x, grid_y, predicted, levels=levels, cmap=colours, alpha=0.3)
    point_colours = [classes.index(label) for label in labels]
    ax.scatter(
        xs, ys, c=point_colours, cmap=colours, vmin=-0.5, vmax=count - 0.5, s=18, edgecolors="k"
    )
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title if title is not None else "decision boundary")
    return figure
