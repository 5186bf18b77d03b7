r"""The training time machine: scrub through a training run, epoch by epoch, in any browser.

``history.explore()`` (after ``fit(..., record=True)``) returns a ``Page``
(``engine.page``): one self-contained HTML file, shown inline in a notebook
or saved with ``.save("training.html")``. An epoch slider (and the ← →
keys, Home and End) moves everything on it together:

* **the network** (``draw_network``'s diagram, laid out once by Graphviz):
  each weight's edge is blue for $w > 0$, red for $w < 0$, as thick as
  $|w|$ (scaled by the largest $|w|$ of the *whole run*, so thicknesses
  compare across epochs), each neuron shows its bias;
* **the decision boundary**, when the inputs are 2-D and the targets class
  labels: the class the model predicts on a grid of cells covering the data
  (the data on top), drawn as inline SVG, with no matplotlib;
* **the loss and accuracy curves** (training solid, validation dashed) with
  a marker at the epoch.

Epoch 0 is the model before training; epoch $e$ the model after $e$ epochs.
The loss and accuracy of epoch $e$ are ``fit``'s: averaged over the epoch's
batches, each measured before that batch's update (validation: after the
epoch). Clicking a weight (an edge) or a neuron (its bias) shows that
parameter's value after every epoch and its gradient in every epoch.

Everything is computed here, in Python, and embedded: the page needs no
Python, no network and no matplotlib to be viewed. Without Graphviz's
``dot`` program the page has no network diagram, and says so.

The decision boundary needs the model's prediction on every cell at every
epoch: for a stack of ``Layer``/``Neuron`` modules they are computed with
plain floats, a whole grid at a time (the same floats as the model's own
forward pass), otherwise with the model itself under ``no_grad()``. The grid
is as fine as a budget of model evaluations allows (``resolution=``
overrides it). The model is left with the parameters it had.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import graphviz

from engine import Value, no_grad
from engine.page import Page, controls, inline_svg, page_script
from nn.modules import Layer, Neuron
from nn.visualize import (
    MAX_PENWIDTH,
    MIN_PENWIDTH,
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    ZERO_COLOUR,
    _layers_of,
    _number,
    draw_network,
)

if TYPE_CHECKING:
    from nn.record import TrainingRecord
    from nn.train import History

#: Class colours of the decision boundary's cells (light) and of the data points.
CELL_COLOURS = ["#bfdbfe", "#fecaca", "#bbf7d0", "#fde68a", "#ddd6fe", "#fbcfe8", "#99f6e4"]
POINT_COLOURS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0d9488"]

#: Model evaluations the decision boundary may cost: cells per epoch times epochs.
FAST_BUDGET = 60_000  # with plain floats, a stack of Layer/Neuron modules
SLOW_BUDGET = 15_000  # with the model itself

#: Significant digits of the numbers embedded in the page, and shown on it: the same, so
#: that no number is rounded twice.
DIGITS = 4


def training_page(
    history: History,
    *,
    input_names: Sequence[str] | None = None,
    resolution: int | None = None,
    title: str | None = None,
) -> Page:
    """The time machine of a recorded training run (see the module doc).

    * ``input_names``: the inputs' names in the diagram (default ``x1``, ...),
    * ``resolution``: cells per side of the decision boundary (default: as
      many as ``FAST_BUDGET`` / ``SLOW_BUDGET`` allow, from 16 to 48),
    * ``title``: the page's heading.
    """
    record = history.record
    if record is None:
        raise ValueError("training_page needs a History from fit(..., record=True)")
    if resolution is not None and (
        isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2
    ):
        raise ValueError(f"resolution must be an int >= 2 (cells per side), got {resolution!r}")
    epochs = record.epochs
    snapshots = [record.parameters_after(e) for e in range(epochs + 1)]
    gradients = [record.gradients_in(e) for e in range(1, epochs + 1)]
    network, biases, labels, weights = _network(record, snapshots, input_names)
    boundary = _boundary(record, snapshots, resolution)
    curves, scales = _curves(history)
    largest = max((abs(values[k]) for values in snapshots for k in weights), default=0.0)
    data = {
        "epochs": epochs,
        "values": [[_rounded(v) for v in values] for values in snapshots],
        "gradients": [[_rounded(g) for g in values] for values in gradients],
        "names": record.names,
        "labels": labels,
        "weights": weights,
        "biases": biases,
        "largest": largest,
        "digits": DIGITS,
        "pen": [MIN_PENWIDTH, MAX_PENWIDTH],
        "colours": [POSITIVE_COLOUR, NEGATIVE_COLOUR, ZERO_COLOUR],
        "cells": CELL_COLOURS,
        "boundary": boundary["grids"] if boundary else None,
        "history": {key: [_rounded(v) for v in history[key]] for key in history.keys()},
        "scales": scales,
    }
    heading = (
        title
        if title is not None
        else (
            f"Training {_describe(record.model)} ({len(record.names)} parameters) on "
            f"{len(record.X)} examples: {epochs} epochs"
        )
    )
    body = _body(heading, network, boundary, curves, largest)
    return Page(heading, body, data, page_script("nn", "time_machine.js"), style=_STYLE, height=940)


def _describe(model: Any) -> str:
    """``MLP 2-16-16-1``: the model's class and its layer sizes, when they can be read."""
    try:
        layers = _layers_of(model)
    except TypeError:
        return type(model).__name__
    sizes = [len(layers[0][1][0].pieces[0].w), *(len(units) for _, units in layers)]
    return f"{type(model).__name__} {'-'.join(map(str, sizes))}"


def _rounded(x: float) -> float | str:
    """``x`` to ``DIGITS`` significant digits, as the page shows it (``"inf"``, ``"nan"``
    as text: JSON has no such numbers)."""
    return float(f"{x:.{DIGITS}g}") if math.isfinite(x) else str(x)


@contextmanager
def _parameters_set_to(record: TrainingRecord, values: Sequence[float]) -> Iterator[None]:
    """Give the model's parameters ``values`` for a while, then put back what they were."""
    parameters = record._parameters
    saved = [p.data for p in parameters]
    try:
        for p, value in zip(parameters, values):
            p.data = value
        yield
    finally:
        for p, value in zip(parameters, saved):
            p.data = value


# -- the network -----------------------------------------------------------------------


def _network(
    record: TrainingRecord, snapshots: list[list[float]], input_names: Sequence[str] | None
) -> tuple[str | None, list[list[Any]], list[str], list[int]]:
    """The diagram as inline SVG (``None`` without ``dot``; for a model it cannot draw, a
    note that says why),
    each neuron's id with its biases' positions, a readable label for every parameter,
    and the positions of the weights (each drawn as the edge ``p<position>``).

    The diagram is laid out with each parameter at the value whose text is
    the widest of the run, so that no epoch's numbers overflow their boxes.
    """
    labels = list(record.names)
    try:
        layers = _layers_of(record.model)
    except TypeError as error:  # not a stack of layers: no diagram, and the page says why
        note = f'<p class="hint">No network diagram: {html.escape(str(error))}.</p>'
        return note, [], labels, []
    position = {p: k for k, p in enumerate(record._parameters)}
    names = list(input_names) if input_names is not None else None
    previous = names or [f"x{i + 1}" for i in range(len(layers[0][1][0].pieces[0].w))]
    biases: list[list[Any]] = []
    weights: list[int] = []
    for index, (_, units) in enumerate(layers):
        where = "output" if index == len(layers) - 1 else f"hidden {index + 1}"
        current = []
        for j, unit in enumerate(units):
            node = f"{where}, neuron {j + 1}"
            biases.append([f"L{index}N{j}", [position[piece.b] for piece in unit.pieces]])
            for k, piece in enumerate(unit.pieces):
                piece_name = f" (piece {k + 1})" if len(unit.pieces) > 1 else ""
                labels[position[piece.b]] = f"{node}{piece_name}: its bias b"
                for i, w in enumerate(piece.w):
                    labels[position[w]] = f"{node}{piece_name}: the weight from {previous[i]}"
                    weights.append(position[w])
            current.append(f"{where} neuron {j + 1}")
        previous = current
    widest = [
        max((values[k] for values in snapshots), key=lambda x: len(_number(x, DIGITS)))
        for k in range(len(record.names))
    ]
    with _parameters_set_to(record, widest):
        graph = draw_network(
            record.model,
            input_names=names,
            precision=DIGITS,
            show_grads=False,
            legend=False,  # pragma: no mutate (None: read only as true or false)
        )
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")  # pragma: no mutate ("UTF-8": same codec)
    except graphviz.ExecutableNotFound:  # no `dot` program to lay it out
        return None, biases, labels, weights
    return inline_svg(svg), biases, labels, sorted(weights)


# -- the decision boundary -------------------------------------------------------------


def _boundary(
    record: TrainingRecord, snapshots: list[list[float]], resolution: int | None
) -> dict[str, Any] | None:
    """The predicted class on a grid of cells at every epoch, and the data to draw on top.

    ``None`` unless the inputs are 2-D and the targets class labels. Each
    epoch's grid is a string with a character per cell, row by row from the
    top: ``chr(48 + class)``, so ``"0"``, ``"1"``, ... for the first ten classes.
    """
    if record.threshold is None:
        return None
    try:
        points = [[float(v) for v in x] for x in record.X]
    except TypeError:
        return None
    if any(len(p) != 2 for p in points):
        return None
    targets = record.y  # (Python numbers and lists: fit converted numpy targets)
    nout = getattr(record.model, "nout", 1)
    labels = [_target_class(t, record.threshold, nout) for t in targets]
    layers = _float_layers(record.model)
    if resolution is None:
        budget = FAST_BUDGET if layers is not None else SLOW_BUDGET
        resolution = max(16, min(48, math.isqrt(budget // len(snapshots))))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_low, x_high = min(xs) - 0.5, max(xs) + 0.5
    y_low, y_high = min(ys) - 0.5, max(ys) + 0.5
    step_x = (x_high - x_low) / resolution
    step_y = (y_high - y_low) / resolution
    centres = [
        [x_low + (i + 0.5) * step_x, y_high - (j + 0.5) * step_y]
        for j in range(resolution)
        for i in range(resolution)
    ]
    grids = []
    for values in snapshots:
        with _parameters_set_to(record, values):
            outputs = _outputs(record.model, layers, centres)  # pragma: no mutate (layers=None)
        grids.append("".join(chr(48 + _output_class(o, record.threshold)) for o in outputs))
    return {
        "grids": grids,
        "resolution": resolution,
        "box": (x_low, x_high, y_low, y_high),
        "points": points,
        "labels": labels,
        "names": _class_names(targets, labels),
    }


def _target_class(target: Any, threshold: float, outputs: int) -> int:
    """A target's class: for one output, its side of the threshold; else its class index
    (or the position of the 1 in a one-hot list)."""
    if isinstance(target, Sequence) and not isinstance(target, str):
        if len(target) == 1:
            return int(target[0] > threshold)  # pragma: no mutate (>=: only [1] is a label)
        # (two or more numbers: the argmax, which needs no threshold)
        return _output_class([float(t) for t in target], threshold)  # pragma: no mutate
    if outputs == 1:
        return int(target > threshold)
    return int(target)


def _output_class(output: float | list[float], threshold: float) -> int:
    """The class the model predicts: one output against the threshold, else the argmax."""
    if isinstance(output, float):
        return int(output > threshold)
    if len(output) == 1:  # (fit measures no accuracy of a model that returns a list of one)
        return int(output[0] > threshold)  # pragma: no mutate (not reached from a page)
    best = 0
    for i, value in enumerate(output):
        if value > output[best]:
            best = i
    return best


def _class_names(targets: list[Any], labels: list[int]) -> list[str]:
    """What to call each class in the legend: its label as the data gives it."""
    names: dict[int, str] = {}
    for target, label in zip(targets, labels):
        if isinstance(target, int | float) and not isinstance(target, bool):
            names.setdefault(label, f"{target:g}")
    return [names.get(c, f"class {c}") for c in range(max(labels) + 1)]


def _float_layers(model: Any) -> list[Any] | None:
    """The model's layers when every one is a ``Layer`` or ``Neuron`` (softmax only last),
    which ``_outputs`` can evaluate with plain floats; else ``None``."""
    layers: list[Any] = []
    pending = [model]
    while pending:
        item = pending.pop(0)
        if hasattr(item, "layers"):
            pending[:0] = list(item.layers)
        else:
            layers.append(item)
    for index, layer in enumerate(layers):
        if isinstance(layer, Neuron):
            continue
        if isinstance(layer, Layer) and (layer.activation != "softmax" or index == len(layers) - 1):
            continue
        return None
    return layers


def _outputs(model: Any, layers: list[Any] | None, points: list[list[float]]) -> list[Any]:
    """The model's output at every point: a float, or a list for several outputs.

    With ``layers`` (see ``_float_layers``), a layer at a time for all the
    points at once: $z = ((b + w_1 x_1) + w_2 x_2) + \\dots$, the order
    ``weighted_sums`` adds in, then the neuron's own activation (a softmax
    output is left out: it keeps the largest output the largest).
    """
    with no_grad():
        if layers is None:
            found = []
            for point in points:
                out = model(point)
                found.append(out.data if isinstance(out, Value) else [v.data for v in out])
            return found
        columns = [[p[0] for p in points], [p[1] for p in points]]
        for layer in layers:
            neurons = [layer] if isinstance(layer, Neuron) else layer.neurons
            new_columns = []
            for neuron in neurons:
                sums = [neuron.b.data] * len(points)
                for w, column in zip(neuron.w, columns):
                    weight = w.data
                    sums = [s + weight * x for s, x in zip(sums, column)]
                if neuron.activation != "linear":  # pragma: no mutate (fast path: identity)
                    activate = neuron._activate
                    sums = [activate(Value(s)).data for s in sums]
                new_columns.append(sums)
            columns = new_columns
    if len(columns) == 1:
        return columns[0]
    return [list(row) for row in zip(*columns)]


# -- the curves ------------------------------------------------------------------------

_CHART_WIDTH, _CHART_HEIGHT = 320, 124
_LEFT, _RIGHT, _TOP, _BOTTOM = 46, 12, 10, 26


def _curves(history: History) -> tuple[list[str], dict[str, Any]]:
    """Small hand-made SVG charts of the loss and the accuracy, and their scales.

    Each chart has a marker (``marker-<name>``) and a dot per curve
    (``dot-<key>``) that the page's script moves to the epoch shown.
    """
    charts, scales = [], {}
    groups = [("loss", ["loss", "val_loss"]), ("accuracy", ["accuracy", "val_accuracy"])]
    for name, keys in groups:
        present = [key for key in keys if history[key]]
        if not present:
            continue  # pragma: no mutate (break: no accuracy without a loss, which comes first)
        values = [v for key in present for v in history[key] if math.isfinite(v)]
        if name == "accuracy":
            low, high = 0.0, 1.0
        else:
            low, high = min(0.0, min(values)), max(values)
            high = high if high > low else low + 1.0
        epochs = history.epochs
        x0, width = _LEFT, _CHART_WIDTH - _LEFT - _RIGHT
        y0, height = _CHART_HEIGHT - _BOTTOM, _CHART_HEIGHT - _TOP - _BOTTOM
        dx = width / max(1, epochs - 1)
        ky = height / (high - low)
        scales[name] = {"x0": x0, "dx": dx, "y0": y0, "ky": ky, "low": low, "keys": present}
        charts.append(_chart(name, history, present, (x0, dx, y0, ky, low, high)))
    return charts, scales


def _chart(name: str, history: History, keys: list[str], scale: tuple[float, ...]) -> str:
    """One chart: axes, ticks, a polyline per curve, the marker and the dots."""
    x0, dx, y0, ky, low, high = scale
    epochs = history.epochs
    right = x0 + dx * max(1, epochs - 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {_CHART_WIDTH} {_CHART_HEIGHT}" '
        f'width="{_CHART_WIDTH}" height="{_CHART_HEIGHT}" role="img" aria-label="{name}">',
        f'<line x1="{x0}" y1="{_TOP}" x2="{x0}" y2="{y0}" class="axis"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{right:.1f}" y2="{y0}" class="axis"/>',
    ]
    for value in (low, (low + high) / 2, high):
        y = y0 - (value - low) * ky
        text = f"{value:.0%}" if name == "accuracy" else f"{value:.2g}"
        parts.append(
            f'<line x1="{x0 - 3}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(f'<text x="{x0 - 5}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    for epoch in sorted({1, (epochs + 1) // 2, epochs}):
        x = x0 + (epoch - 1) * dx
        parts.append(f'<text x="{x:.1f}" y="{y0 + 15}" text-anchor="middle">{epoch}</text>')
    parts.append(
        f'<text x="{right:.1f}" y="{_CHART_HEIGHT - 1}" text-anchor="end" class="unit">epoch</text>'
    )
    for key in keys:
        points = " ".join(
            f"{x0 + i * dx:.1f},{y0 - (v - low) * ky:.1f}"
            for i, v in enumerate(history[key])
            if math.isfinite(v)
        )
        dash = ' stroke-dasharray="5 3"' if key.startswith("val_") else ""
        parts.append(f'<polyline class="curve {name}" points="{points}"{dash}/>')
    parts.append(f'<line id="marker-{name}" class="marker" x1="0" y1="{_TOP}" x2="0" y2="{y0}"/>')
    for key in keys:
        parts.append(f'<circle id="dot-{key}" class="dot {name}" r="3.5" cx="0" cy="0"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _boundary_svg(boundary: dict[str, Any]) -> str:
    """The decision boundary: a grid of cells (the last epoch's classes) and the data."""
    size = 260
    n = boundary["resolution"]
    cell = size / n
    x_low, x_high, y_low, y_high = boundary["box"]
    grid = boundary["grids"][-1]
    parts = [
        f'<svg class="boundary" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        'role="img" aria-label="decision boundary">',
        '<g id="cells" shape-rendering="crispEdges">',
    ]
    for index, character in enumerate(grid):
        row, column = divmod(index, n)
        colour = CELL_COLOURS[(ord(character) - 48) % len(CELL_COLOURS)]
        parts.append(
            f'<rect x="{column * cell:.2f}" y="{row * cell:.2f}" width="{cell + 0.02:.2f}" '
            f'height="{cell + 0.02:.2f}" fill="{colour}"/>'
        )
    parts.append("</g>")
    for (x, y), label in zip(boundary["points"], boundary["labels"]):
        cx = (x - x_low) / (x_high - x_low) * size
        cy = (y_high - y) / (y_high - y_low) * size
        colour = POINT_COLOURS[label % len(POINT_COLOURS)]
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.2" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


# -- the page --------------------------------------------------------------------------


def _body(
    heading: str,
    network: str | None,
    boundary: dict[str, Any] | None,
    curves: list[str],
    largest: float,
) -> str:
    """The page's HTML: heading, controls, the network, the boundary and curves, the panel."""
    if network is None:
        network_html = (
            '<p class="hint">The network diagram needs Graphviz\'s <code>dot</code> program '
            "(apt-get install graphviz, brew install graphviz) when the page is made; "
            "the curves and the decision boundary do not.</p>"
        )
    else:
        network_html = network
    side = []
    if boundary is not None:
        swatches = "".join(
            f'<span><i class="swatch" style="background:{CELL_COLOURS[c % len(CELL_COLOURS)]}">'
            f"</i>predicted {name}</span>"
            for c, name in enumerate(boundary["names"])
        )
        side.append(
            '<div class="box"><h2>Decision boundary: the class predicted at each point, '
            f"with the training data</h2>{_boundary_svg(boundary)}"
            f'<div class="legend">{swatches}</div></div>'
        )
    for chart in curves:
        name = "Loss" if 'aria-label="loss"' in chart else "Accuracy"
        validated = "stroke-dasharray" in chart  # a validation curve is drawn dashed
        key = "solid: training, dashed: validation" if validated else "on the training data"
        side.append(f'<div class="box"><h2>{name} per epoch ({key})</h2>{chart}</div>')
    return f"""<main>
<h1>{html.escape(heading)}</h1>
{controls("epoch")}
<div class="status"><span id="epoch"></span> <span id="readout" class="counter"></span></div>
<div class="layout">
<div class="box network"><h2>The network: weights as edges (blue w &gt; 0, red w &lt; 0,
thickness ∝ |w|, the largest of the whole run {largest:.3g} drawn thickest),
each neuron with its bias b. Click an edge or a neuron.</h2>
<div class="figure">{network_html}</div></div>
<div class="side">{"".join(side)}</div>
</div>
<div id="parameter" class="box" hidden><h2 id="parameter-title"></h2>
<div id="parameter-readout" class="counter"></div>
<svg id="parameter-chart" viewBox="0 0 640 170" width="640" height="170" role="img"
aria-label="the parameter over the epochs"></svg>
<button id="parameter-close">Close (Esc)</button></div>
<p class="hint">Keys: ← → one epoch, Home / End before training and after the last epoch.
Epoch 0 is the model before training, epoch e the model after e epochs. The loss and accuracy of
an epoch are those fit reports: averaged over the epoch's batches, each measured before that
batch's update. A parameter's gradient in an epoch is the one of that epoch's last step, which
moved it to the value shown.</p>
</main>"""


_STYLE = """
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 10px; }
.network .figure svg { max-height: 74vh; width: auto; }
.network .figure { border: 0; }
.side .box { margin-top: 0; margin-bottom: 8px; }
.side svg { display: block; max-width: 100%; height: auto; }
.chart text, #parameter-chart text { font-size: 10.5px; fill: #374151; }
.chart .unit { fill: #6b7280; }
.axis { stroke: #6b7280; stroke-width: 1; }
.grid { stroke: #e5e7eb; stroke-width: 1; }
.curve { fill: none; stroke-width: 1.6; }
.curve.loss, .dot.loss { stroke: #d97706; }
.curve.accuracy, .dot.accuracy { stroke: #059669; }
.dot { fill: #ffffff; stroke-width: 2; }
.marker { stroke: #111827; stroke-width: 1; stroke-dasharray: 3 2; }
.edge { cursor: pointer; }
.edge .hit { stroke: transparent; stroke-width: 10px; fill: none; }
.node[id^="L"] { cursor: pointer; }
.chosen path:not(.hit), .chosen polygon { stroke: #f59e0b !important; }
.chosen path:not(.hit), .chosen > polygon { stroke-width: 3.5px !important; }
#parameter svg { display: block; max-width: 100%; height: auto; }
#parameter-chart polyline { fill: none; stroke-width: 1.6; }
#parameter-chart .value { stroke: #2563eb; }
#parameter-chart .gradient { stroke: #7c3aed; }
@media (max-width: 900px) { .layout { grid-template-columns: minmax(0, 1fr); } }
"""
