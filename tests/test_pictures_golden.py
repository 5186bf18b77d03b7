"""Pictures compared whole: the DOT source of ``engine.draw`` and ``nn.draw_network``.

Both promise a stable DOT source (nodes numbered by position, never by ``id``), so a picture
can be compared with a stored copy in ``tests/golden/*.gv``: every label, number, colour,
width and edge a learner sees. Each case below draws a small graph with the features a
lecture uses (collapsed neurons, highlights, depth cuts, maxout pieces, a zero weight).

After a deliberate change to a picture, regenerate the copies with
``CHAINRULE_UPDATE_GOLDEN=1 python -m pytest tests/test_pictures_golden.py``, render a few
with ``dot -Tsvg`` and look at them, and read the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import nn
from engine import Value, backward_steps, draw, weighted_sum
from nn.visualize import draw_network

GOLDEN = Path(__file__).parent / "golden"


def neuron_graph() -> tuple[Value, list[Value]]:
    """Two tanh neurons into a linear output, with a reused input: a small lecture graph."""
    x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
    w = [Value(v) for v in (0.3, -0.8, 0.0, 1.2)]
    b = [Value(0.1), Value(-0.2)]
    h1 = weighted_sum(w[:2], [x1, x2], b[0]).tanh()
    h2 = weighted_sum(w[2:], [x1, x2], b[1]).relu()
    out = (h1 * 2.0 + h2 * x1).sigmoid()
    out.label = "out"
    out.backward()
    return out, [*w, *b]


def engine_pictures() -> dict[str, str]:
    out, params = neuron_graph()
    steps = list(backward_steps(out))
    inner_step = next(step for step in steps if step.node.op == "w·x+b")  # folded away
    a = Value(2.0, label="a & <b>")
    chain = a
    for _ in range(40):
        chain = chain * a  # a reused all along: long edges, drawn with xlabels
    return {
        "draw_plain": draw(out).source,
        "draw_parameters_tb": draw(out, rankdir="TB", parameters=params, precision=2).source,
        "draw_no_numbers": draw(out, show_grad=False, show_local_grads=False).source,
        "draw_collapsed": draw(out, collapse=True, parameters=params).source,
        "draw_depth": draw(out, depth=2).source,
        "draw_highlight_step": draw(out, highlight=steps[3]).source,
        "draw_highlight_collapsed": draw(out, collapse=True, highlight=inner_step).source,
        "draw_highlight_value": draw(out, highlight=out.inputs[0]).source,
        "draw_long_chain": draw(chain, max_nodes=None).source,
    }


def network_pictures() -> dict[str, str]:
    model = nn.MLP(2, [3, 2], activation="tanh", output_activation="softmax", seed=0)
    model.layers[0].neurons[1].w[0].data = 0.0  # a grey edge
    probabilities = model([1.0, -2.0])
    nn.cross_entropy([p.log() for p in probabilities], 1).backward()
    maxout = nn.Sequential(
        nn.Maxout(2, 2, pieces=3, seed=1), nn.Layer(2, 1, activation="sigmoid", seed=2)
    )
    for k, p in enumerate(maxout.parameters()):  # biases too, so that z = w·x + b shows them
        p.data += 0.1 * (k % 3)
    maxout([0.5, -1.0]).backward()  # every piece's δ = b.grad (0 for the losing pieces)
    model.layers[0].neurons[2].b.data = -0.25
    zero = nn.Neuron(1, activation="relu", seed=0)
    for w in zero.w:
        w.data = 0.0
    return {
        "network_mlp": draw_network(model, [1.0, -2.0]).source,
        "network_mlp_no_inputs": draw_network(model, show_grads=False).source,
        "network_maxout": draw_network(
            maxout, [0.5, -1.0], rankdir="TB", precision=2, input_names=["a", "b"]
        ).source,
        "network_maxout_no_weights": draw_network(maxout, show_weights=False, legend=False).source,
        "network_neuron": draw_network(nn.Neuron(3, activation="elu", seed=4), [1, 2, 3]).source,
        "network_zero_weights": draw_network(zero, Value(0.5), show_grads=True).source,
        "network_stack_of_stacks": draw_network(
            nn.Sequential(maxout, nn.Layer(1, 2, seed=3))
        ).source,
    }


# Built inside the test (not at import), so that the mutation run sees which code each
# test reaches.
@pytest.mark.parametrize("pictures", [engine_pictures, network_pictures], ids=lambda f: f.__name__)
def test_pictures_are_the_golden_ones(pictures) -> None:
    for name, source in pictures().items():
        path = GOLDEN / f"{name}.gv"
        if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
            path.write_text(source, encoding="utf-8")
        assert source == path.read_text(encoding="utf-8"), name
