"""fit(record=True), nn.record.TrainingRecord and the training time machine page.

What the page does in a real browser is tested in test_explore_browser.py.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import graphviz
import pytest

import nn
from engine import Page, Value
from nn import time_machine
from nn.record import TrainingRecord

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="the Graphviz 'dot' program is not installed (required under CI)",
)


def moons(n: int = 30) -> tuple[list, list]:
    X, labels = nn.make_moons(n, noise=0.1, seed=3)
    return X, nn.to_signed_labels(labels)


def trained(epochs: int = 8, **options) -> tuple[nn.MLP, nn.History]:
    X, y = moons()
    model = nn.MLP(2, [4, 1], seed=0)
    defaults = dict(loss="hinge", lr=0.1, epochs=epochs, progress=False, record=True, seed=0)
    history = nn.fit(model, X, y, **{**defaults, **options})
    return model, history


# -- the record ------------------------------------------------------------------------


def test_the_record_holds_every_epoch_and_each_step_it_came_from() -> None:
    X, y = moons()
    model = nn.MLP(2, [4, 1], seed=0)
    start = [p.data for p in model.parameters()]
    history = nn.fit(model, X, y, loss="hinge", lr=0.1, epochs=6, progress=False, record=True)
    record = history.record
    assert isinstance(record, TrainingRecord) and record.epochs == history.epochs == 6
    assert record.parameters_after(0) == start
    assert record.parameters_after(6) == [p.data for p in model.parameters()]
    assert record.gradients_in(6) == [p.grad for p in model.parameters()]
    # full-batch SGD with a fixed rate: each epoch is one step, w <- w - lr * grad, exactly
    for epoch in range(1, 7):
        before, after = record.parameters_after(epoch - 1), record.parameters_after(epoch)
        step = [w - 0.1 * g for w, g in zip(before, record.gradients_in(epoch))]
        assert after == step
    assert record.names == [name for name, _ in model.named_parameters()]
    assert record.nbytes == 17 * (7 + 6) * 8
    assert record.parameters_after(6) == record.values[-17:].tolist()  # the last epoch
    refusals = [
        (lambda: record.gradients_in(0), "from 1 to 6 (the epochs recorded), got 0"),
        (lambda: record.gradients_in(7), "from 1 to 6 (the epochs recorded), got 7"),
        (lambda: record.parameters_after(7), "from 0 to 6 (the epochs recorded), got 7"),
        (lambda: record.parameters_after(-1), "from 0 to 6 (the epochs recorded), got -1"),
        (lambda: record.parameters_after(True), "from 0 to 6 (the epochs recorded), got True"),
        (lambda: record.parameters_after(1.0), "from 0 to 6 (the epochs recorded), got 1.0"),
    ]
    for call, message in refusals:
        with pytest.raises(IndexError) as refused:
            call()
        assert str(refused.value) == f"epoch must be an int {message}"


def test_without_record_there_is_none_and_explore_says_how_to_get_one() -> None:
    X, y = moons()
    history = nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss="hinge", epochs=2, progress=False)
    assert history.record is None
    with pytest.raises(ValueError, match=r"fit\(\.\.\., record=True\)"):
        history.explore()


def test_micrograds_demo_model_over_100_epochs_takes_about_half_a_megabyte() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    record = TrainingRecord(model, model.named_parameters(), [], [], None)
    for _ in range(100):
        record.add_epoch()
    assert model.num_parameters() == 337
    assert record.nbytes == 337 * (101 + 100) * 8 < 600_000
    assert repr(record) == "TrainingRecord(337 parameters, 100 epochs, 0.54 MB)"


def test_a_records_size_is_rounded_to_the_hundredth_of_a_megabyte() -> None:
    model = nn.MLP(4, [4, 1], seed=0)  # 25 parameters
    record = TrainingRecord(model, model.named_parameters(), [], [], None)
    for _ in range(12):
        record.add_epoch()
    assert record.nbytes == 25 * (13 + 12) * 8 == 5_000  # 0.005 MB, rounded up
    assert repr(record) == "TrainingRecord(25 parameters, 12 epochs, 0.01 MB)"


def test_mini_batches_record_the_last_batch_gradient() -> None:
    model, history = trained(epochs=3, batch_size=7, optimizer="adam", lr=0.01)
    assert history.record.gradients_in(3) == [p.grad for p in model.parameters()]
    assert history.record.parameters_after(3) == [p.data for p in model.parameters()]


def test_early_stop_and_validation_keep_record_and_history_in_step() -> None:
    X, y = moons()
    _, history = trained(
        epochs=10, validation_data=(X[:10], y[:10]), on_epoch_end=lambda e, h: e == 4
    )
    assert history.epochs == history.record.epochs == 4
    assert len(history.val_loss) == 4


def test_a_non_finite_step_keeps_the_completed_epochs_in_the_record() -> None:
    X = [[1.0, 2.0], [2.0, 1.0], [-1.0, -2.0]]
    y = [1.0, 2.0, -1.0]
    model = nn.MLP(2, [3, 1], seed=0, activation="tanh")
    with pytest.raises(nn.NonFiniteLossError) as info:
        nn.fit(
            model, X, y, loss="mse", lr=1e6, epochs=50, batch_size=1, progress=False, record=True
        )
    history = info.value.history
    record = history.record
    assert record.epochs == history.epochs == info.value.epoch - 1
    assert all(math.isfinite(v) for v in record.values)


# -- the page --------------------------------------------------------------------------


def page_data(page: Page) -> dict:
    return json.loads(page.html.split('id="page-data">')[1].split("</script>")[0])


@needs_dot
def test_the_page_embeds_every_epoch_and_leaves_the_model_alone() -> None:
    model, history = trained()
    before = [p.data for p in model.parameters()]
    page = history.explore(input_names=["left", "right"])
    assert [p.data for p in model.parameters()] == before  # put back exactly
    data = page.data
    assert page_data(page) == data
    assert data["epochs"] == 8 and len(data["values"]) == 9 and len(data["gradients"]) == 8
    assert data["values"][3] == [float(f"{v:.4g}") for v in history.record.parameters_after(3)]
    assert data["history"]["loss"] == [float(f"{v:.4g}") for v in history.loss]
    assert data["weights"] == [0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 14, 15]  # not the biases
    assert all(f'id="p{k}"' in page.html for k in data["weights"])
    assert data["biases"][0] == ["L0N0", [2]] and data["biases"][-1] == ["L1N0", [16]]
    assert data["labels"][1] == "hidden 1, neuron 1: the weight from right"
    assert data["labels"][13] == "output, neuron 1: the weight from hidden 1 neuron 2"
    assert "Training MLP 2-4-1 (17 parameters) on 30 examples: 8 epochs" in page.html
    ticks = re.findall(r'<text x="[^"]*" y="113" text-anchor="middle">(\d+)</text>', page.html)
    assert ticks == ["1", "4", "8"] * 2  # the first, middle and last epoch of both charts
    assert "Content-Security-Policy" in page.html


@needs_dot
def test_the_decision_boundary_is_the_models_own_prediction_at_every_epoch() -> None:
    model, history = trained()
    data = history.explore(resolution=12).data
    grids = data["boundary"]
    assert len(grids) == 9 and all(len(grid) == 144 and set(grid) <= {"0", "1"} for grid in grids)
    X = history.record.X
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    x_low, y_high = min(xs) - 0.5, max(ys) + 0.5
    step_x, step_y = (max(xs) + 0.5 - x_low) / 12, (y_high - min(ys) + 0.5) / 12
    for epoch in (0, 4, 8):
        for p, value in zip(model.parameters(), history.record.parameters_after(epoch)):
            p.data = value
        for cell in (0, 13, 77, 143):
            row, column = divmod(cell, 12)
            point = [x_low + (column + 0.5) * step_x, y_high - (row + 0.5) * step_y]
            assert grids[epoch][cell] == str(int(model(point).data > 0.0))


def test_the_float_evaluation_is_the_models_own_forward_pass() -> None:
    rng = random.Random(5)
    points = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(50)]
    for model in (
        nn.MLP(2, [5, 4, 3], seed=1, activation="tanh"),
        nn.Sequential(nn.Layer(2, 3, activation="sigmoid", seed=2), nn.Neuron(3, seed=3)),
        nn.Sequential(nn.Layer(2, 4, seed=4), nn.Layer(4, 3, activation="softmax", seed=5)),
        nn.Sequential(  # a stack inside a stack: its layers, then the layer after it
            nn.Sequential(nn.Layer(2, 3, seed=6), nn.Layer(3, 2, seed=7)), nn.Neuron(2, seed=8)
        ),
    ):
        layers = time_machine._float_layers(model)
        assert layers is not None
        fast = time_machine._outputs(model, layers, points)
        slow = time_machine._outputs(model, None, points)
        if isinstance(slow[0], list) and model.layers[-1].activation == "softmax":
            slow_classes = [time_machine._output_class(o, 0.5) for o in slow]
            assert [time_machine._output_class(o, 0.5) for o in fast] == slow_classes
        else:
            assert fast == slow  # the same floats, bit for bit
    maxout = nn.Sequential(nn.Maxout(2, 2, pieces=2, seed=0), nn.Neuron(2, seed=1))
    assert time_machine._float_layers(maxout) is None  # evaluated with the model itself
    for first in (nn.Neuron(2, seed=0), nn.Layer(2, 1, seed=0)):  # a maxout after a float layer
        assert time_machine._float_layers(nn.Sequential(first, nn.Maxout(1, 1, seed=1))) is None
    inner_softmax = nn.Sequential(nn.Layer(2, 3, activation="softmax", seed=0), nn.Neuron(3))
    assert time_machine._float_layers(inner_softmax) is None  # only last can it be left out


@needs_dot
def test_three_classes_regression_and_other_inputs() -> None:
    X, labels = nn.make_blobs(30, centers=3, seed=1)
    model = nn.MLP(2, [4, 3], seed=0)
    history = nn.fit(model, X, labels, loss="cross_entropy", epochs=3, progress=False, record=True)
    page = history.explore(resolution=8)
    assert set("".join(page.data["boundary"])) <= {"0", "1", "2"}
    assert "predicted 0" in page.html and "predicted 2" in page.html
    regression = nn.fit(
        nn.MLP(2, [3, 1], seed=0),
        X,
        [x[0] + x[1] for x in X],
        epochs=2,
        progress=False,
        record=True,
    )
    page = regression.explore()
    assert page.data["boundary"] is None and "Decision boundary" not in page.html
    assert list(page.data["scales"]) == ["loss"]
    # no validation data: the chart's heading promises no dashed curve
    assert "<h2>Loss per epoch (on the training data)</h2>" in page.html
    assert "dashed: validation" not in page.html
    three_d = nn.fit(
        nn.MLP(3, [3, 1], seed=0),
        [[*x, 1.0] for x in X],
        [int(t == 0) for t in labels],
        epochs=2,
        progress=False,
        record=True,
    )
    assert three_d.explore().data["boundary"] is None


def test_without_dot_the_page_says_what_it_left_out(monkeypatch) -> None:
    def no_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    _, history = trained(epochs=2)
    page = history.explore()
    assert "needs Graphviz's <code>dot</code> program" in page.html
    assert '<svg class="boundary"' in page.html and 'aria-label="loss"' in page.html


def test_the_page_needs_no_matplotlib(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import nn\n"
        "X, y = nn.make_moons(20, seed=0)\n"
        "h = nn.fit(nn.MLP(2, [3, 1], seed=0), X, nn.to_signed_labels(y), loss='hinge',"
        " epochs=2, progress=False, record=True)\n"
        f"h.explore().save({str(tmp_path / 'page.html')!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert '<svg class="boundary"' in (tmp_path / "page.html").read_text(encoding="utf-8")


def test_bad_resolution_is_rejected() -> None:
    _, history = trained(epochs=1)
    for bad in (1, True, 2.5, "8"):
        with pytest.raises(ValueError) as refused:
            history.explore(resolution=bad)
        assert str(refused.value) == (
            f"resolution must be an int >= 2 (cells per side), got {bad!r}"
        )
    assert len(history.explore(resolution=2).data["boundary"][0]) == 2 * 2  # the smallest
    history.record = None
    with pytest.raises(ValueError) as refused:
        time_machine.training_page(history)
    assert str(refused.value) == "training_page needs a History from fit(..., record=True)"


def test_a_value_is_a_parameter_only_once_in_the_labels() -> None:
    _, history = trained(epochs=1)
    labels = time_machine._network(history.record, [history.record.parameters_after(0)], None)[2]
    assert len(set(labels)) == len(labels) == 17


@needs_dot
def test_an_infinite_validation_loss_is_shown_as_inf() -> None:
    _, history = trained(epochs=3)
    history.val_loss = [0.5, math.inf, math.nan]  # fit checks the training loss, not these
    data = history.explore().data
    assert data["history"]["val_loss"] == [0.5, "inf", "nan"]
    assert json.loads(json.dumps(data)) == data  # valid JSON: no bare Infinity or NaN


def small_page_without_dot(monkeypatch, sources: list[str] | None = None) -> Page:
    """A 2-2-1 network trained 3 epochs on 8 points, with validation, no Graphviz ``dot``
    (the diagrams' Graphviz sources, handed to the missing ``dot``, go into ``sources``)."""

    def no_dot(self, *args, **kwargs):
        if sources is not None:
            sources.append(self.source)
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    X, y = moons(8)
    history = nn.fit(
        nn.MLP(2, [2, 1], seed=0),
        X,
        y,
        loss="hinge",
        lr=0.1,
        epochs=3,
        progress=False,
        record=True,
        seed=0,
        validation_data=(X[:4], y[:4]),
    )
    return history.explore(input_names=["left", "right"], resolution=4)


def test_a_small_page_and_its_data_are_the_golden_ones(monkeypatch) -> None:
    """What the page shows (the boundary's cells and points, the curves, their axes, the
    legends), every number its script reads, and the Graphviz source of its network diagram
    (drawn with each parameter at its widest value of the run), compared whole."""
    sources: list[str] = []
    page = small_page_without_dot(monkeypatch, sources)
    shown = page.html[page.html.index("<main>") : page.html.index("</main>") + len("</main>")]
    data = "".join(f"{key}: {json.dumps(value)}\n" for key, value in page.data.items())
    (network,) = sources
    decoded = f"{shown}\n{data}{network}"
    golden = Path(__file__).parent / "golden" / "time_machine_small.txt"
    if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
        golden.write_text(decoded, encoding="utf-8")
    assert decoded == golden.read_text(encoding="utf-8")


def test_the_default_grid_is_48_cells_a_side_for_a_short_run() -> None:
    _, history = trained(epochs=2)  # 60,000 evaluations / 3 epochs: more than 48 * 48
    assert [len(grid) for grid in history.explore().data["boundary"]] == [48 * 48] * 3
    _, history = trained(epochs=40)  # 60,000 // 41 = 1,463 evaluations an epoch: 38 * 38
    assert len(history.explore().data["boundary"][0]) == 38 * 38


def test_a_loss_of_zero_throughout_gets_a_chart_from_0_to_1() -> None:
    _, history = trained(epochs=3)
    history.loss = [0.0, 0.0, 0.0]  # a flat curve: no division by a zero range
    page = history.explore()
    assert page.data["scales"]["loss"]["ky"] == 124 - 10 - 26  # pixels per unit of loss
    assert '<polyline class="curve loss" points="46.0,98.0 177.0,98.0 308.0,98.0"/>' in page.html


def test_a_loss_below_zero_is_charted_from_its_lowest_value_to_its_highest() -> None:
    X, y = moons()
    negative = nn.fit(
        nn.MLP(2, [4, 1], seed=0),
        X,
        y,
        loss=lambda prediction, target: -prediction * target,  # a custom loss may go below 0
        lr=0.1,
        epochs=3,
        progress=False,
        record=True,
        seed=0,
    )
    assert [f"{loss:.3f}" for loss in negative.loss] == ["-0.025", "-0.056", "-0.085"]
    page = negative.explore(resolution=2)
    # the first epoch at the top of the chart (y = 10), the last at the bottom (y = 98)
    assert '<polyline class="curve loss" points="46.0,10.0 177.0,55.4 308.0,98.0"/>' in page.html
    ticks = re.findall(r'<text x="41" y="([^"]*)" text-anchor="end">([^<]*)</text>', page.html)
    assert ticks[:3] == [("102.0", "-0.085"), ("58.0", "-0.055"), ("14.0", "-0.025")]


def test_the_page_draws_its_curves_as_lines_in_their_colours(monkeypatch) -> None:
    page = small_page_without_dot(monkeypatch)
    style = page.html[page.html.index("<style>") : page.html.index("</style>")]
    # an SVG polyline is a filled black shape unless its style says otherwise
    assert ".curve { fill: none; stroke-width: 1.6; }" in style
    assert ".curve.loss, .dot.loss { stroke: #d97706; }" in style
    assert ".curve.accuracy, .dot.accuracy { stroke: #059669; }" in style
    assert "grid-template-columns: minmax(0, 1fr) 340px;" in style  # the network, then the side


def test_one_hot_targets_are_classes_and_every_class_is_in_the_legend() -> None:
    X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.4, -1.0]]
    one_hot = [[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]]  # no point of class 1
    history = nn.fit(
        nn.MLP(2, [3, 3], seed=0), X, one_hot, loss="mse", epochs=1, progress=False, record=True
    )
    page = history.explore(resolution=2)
    legend = re.findall(r"</i>(predicted [^<]*)</span>", page.html)
    assert legend == ["predicted class 0", "predicted class 1", "predicted class 2"]
    colours = re.findall(r'<circle cx="[^"]*" cy="[^"]*" r="3.2" fill="([^"]*)"/>', page.html)
    assert colours == [time_machine.POINT_COLOURS[c] for c in (0, 2, 0, 2)]
    two_classes = [[1, 0], [0, 1], [1, 0], [0, 1]]
    history = nn.fit(
        nn.MLP(2, [3, 2], seed=0), X, two_classes, loss="mse", epochs=1, progress=False, record=True
    )
    colours = re.findall(
        r'<circle cx="[^"]*" cy="[^"]*" r="3.2" fill="([^"]*)"/>',
        history.explore(resolution=2).html,
    )
    assert colours == [time_machine.POINT_COLOURS[c] for c in (0, 1, 0, 1)]
    ones = [[1.0]] * 4  # one output, each target a list of one label
    history = nn.fit(
        nn.MLP(2, [3, 1], seed=0), X, ones, loss="mse", epochs=1, progress=False, record=True
    )
    page = history.explore(resolution=2)
    assert re.findall(r"</i>(predicted [^<]*)</span>", page.html) == [
        "predicted class 0",
        "predicted class 1",
    ]
    colours = re.findall(r'<circle cx="[^"]*" cy="[^"]*" r="3.2" fill="([^"]*)"/>', page.html)
    assert colours == [time_machine.POINT_COLOURS[1]] * 4


class Line(nn.Module):
    """y = a * x1 + b: a model that is not a stack of layers."""

    def __init__(self) -> None:
        self.a, self.b = Value(0.5), Value(0.0)

    def __call__(self, x: list[float]) -> Value:
        return self.a * x[0] + self.b

    def parameters(self) -> list[Value]:
        return [self.a, self.b]


def test_a_model_draw_network_cannot_draw_gets_a_page_that_says_why() -> None:
    X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.4, -1.0]]
    history = nn.fit(Line(), X, [1, -1, 1, -1], loss="hinge", epochs=2, progress=False, record=True)
    page = history.explore(resolution=2)
    assert page.data["weights"] == [] and page.data["largest"] == 0.0  # no edge to draw
    assert (
        '<div class="figure"><p class="hint">No network diagram: draw_network can draw Neuron, '
        "Layer, Maxout and Sequential/MLP models, but layer 0 is a Line.</p></div>"
    ) in page.html
    assert "needs Graphviz" not in page.html  # dot is not what is missing
    assert "// The training time machine (nn/time_machine.py)" in page.html  # its script


def test_a_model_of_ones_own_is_named_and_drawn_on_the_grid_its_own_forward_pass_affords() -> None:
    X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.4, -1.0]]
    y = [1, -1, 1, -1]  # a Line has no nout: one output, so -1 and 1 are the two sides of 0
    history = nn.fit(Line(), X, y, loss="hinge", epochs=60, progress=False, record=True)
    page = history.explore()
    assert "<h1>Training Line (2 parameters) on 4 examples: 60 epochs</h1>" in page.html
    # 15,000 evaluations of the model itself over 61 epochs: 245 a grid, but never below 16 * 16
    assert [len(grid) for grid in page.data["boundary"]] == [16 * 16] * 61
    assert re.findall(r"</i>(predicted [^<]*)</span>", page.html) == ["predicted -1", "predicted 1"]
    colours = re.findall(r'<circle cx="[^"]*" cy="[^"]*" r="3.2" fill="([^"]*)"/>', page.html)
    assert colours == [time_machine.POINT_COLOURS[c] for c in (1, 0, 1, 0)]


def test_numpy_labels_of_logits_are_named_and_placed_as_their_numbers() -> None:
    import numpy as np

    X = np.array([[0.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.4, -1.0]])
    for y in (np.array([0, 1, 0, 1]), [0, 1, 0, 1]):  # logits: the threshold is 0, a label 0
        history = nn.fit(
            nn.MLP(2, [3, 1], seed=0),
            X,
            y,
            loss="binary_cross_entropy_with_logits",
            epochs=1,
            progress=False,
            record=True,
        )
        page = history.explore(resolution=2)
        legend = re.findall(r"</i>(predicted [^<]*)</span>", page.html)
        assert legend == ["predicted 0", "predicted 1"]
        colours = re.findall(r'<circle cx="[^"]*" cy="[^"]*" r="3.2" fill="([^"]*)"/>', page.html)
        assert colours == [time_machine.POINT_COLOURS[c] for c in (0, 1, 0, 1)]


def test_a_two_epoch_run_of_maxout_pieces_under_a_title_of_ones_own() -> None:
    X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.3], [0.4, -1.0]]
    model = nn.Sequential(nn.Maxout(2, 1, pieces=2, seed=0), nn.Neuron(1, seed=1))
    history = nn.fit(model, X, [1, -1, 1, -1], loss="hinge", epochs=2, progress=False, record=True)
    page = history.explore(title="Two pieces", resolution=2)
    assert "<h1>Two pieces</h1>" in page.html
    assert 'height: 940px; border: 0;"></iframe>' in page._repr_html_()  # (a notebook's frame)
    assert page.data["labels"] == [
        "hidden 1, neuron 1 (piece 1): the weight from x1",
        "hidden 1, neuron 1 (piece 1): the weight from x2",
        "hidden 1, neuron 1 (piece 1): its bias b",
        "hidden 1, neuron 1 (piece 2): the weight from x1",
        "hidden 1, neuron 1 (piece 2): the weight from x2",
        "hidden 1, neuron 1 (piece 2): its bias b",
        "output, neuron 1: the weight from hidden 1 neuron 1",
        "output, neuron 1: its bias b",
    ]
    # two epochs: the curves and the axis go from the chart's left edge to its right
    left, right = time_machine._LEFT, time_machine._CHART_WIDTH - time_machine._RIGHT
    for name in ("loss", "accuracy"):
        points = re.findall(rf'<polyline class="curve {name}" points="([^"]*)"/>', page.html)
        assert [p.split(",")[0] for p in points[0].split()] == [f"{left:.1f}", f"{right:.1f}"]
    assert f'<line x1="{left}" y1="98" x2="{right:.1f}" y2="98" class="axis"/>' in page.html


def test_a_tie_between_outputs_goes_to_the_first_class_as_argmax_does() -> None:
    from nn.time_machine import _output_class

    assert _output_class([0.5, 0.5], 0.5) == 0
    assert _output_class([0.1, 0.7, 0.7], 0.5) == 1
    assert _output_class(0.7, 0.5) == 1 and _output_class(0.3, 0.5) == 0
