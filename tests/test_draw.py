"""engine.draw: exact DOT source, rendering with dot, escaping, size limits, highlight."""

from __future__ import annotations

import html
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import GraphTooLargeError, Value, backward_steps, draw, weighted_sum

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="the Graphviz 'dot' program is not installed (required under CI)",
)


def example() -> Value:
    """L = (a*b + c) * f with labels, after backward()."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    loss.backward()
    return loss


def box(name: str, data: str, grad: str, colour: str) -> str:
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{colour}"><TR><TD><B>{name}</B></TD><TD>data {data}</TD>'
        f"<TD>grad {grad}</TD></TR></TABLE>>"
    )


OP = 'fillcolor="#e5e7eb" height=0.3 margin="0.05,0.02" shape=ellipse style=filled'
LEAF, MID, OUT = "#dbeafe", "#ffffff", "#bbf7d0"

# Checked by hand: d = -6 + 10 = 4, L = 4 * -2 = -8; dL/dd = f = -2, dL/df = d = 4,
# dL/de = dL/dc = -2, dL/da = -2 * b = 6, dL/db = -2 * a = -4. Edge labels are the
# local derivatives: d(a*b)/da = b = -3, d(a*b)/db = a = 2, d(d*f)/dd = f = -2, ...
EXPECTED = f"""digraph chainrule {{
\tgraph [rankdir=LR]
\tnode [fontname=Helvetica fontsize=11]
\tedge [arrowsize=0.6 fontname=Helvetica fontsize=9]
\tv0 [label={box("f", "-2", "4", LEAF)} margin=0 shape=none tooltip="data=-2.0, grad=4.0"]
\tv1 [label={box("c", "10", "-2", LEAF)} margin=0 shape=none tooltip="data=10.0, grad=-2.0"]
\tv2 [label={box("b", "-3", "-4", LEAF)} margin=0 shape=none tooltip="data=-3.0, grad=-4.0"]
\tv3 [label={box("a", "2", "6", LEAF)} margin=0 shape=none tooltip="data=2.0, grad=6.0"]
\tv4 [label={box("e", "-6", "-2", MID)} margin=0 shape=none tooltip="data=-6.0, grad=-2.0"]
\top4 [label=<*> {OP}]
\tv3 -> op4 [label=-3]
\tv2 -> op4 [label=2]
\top4 -> v4
\tv5 [label={box("d", "4", "-2", MID)} margin=0 shape=none tooltip="data=4.0, grad=-2.0"]
\top5 [label=<+> {OP}]
\tv4 -> op5 [label=1]
\tv1 -> op5 [label=1]
\top5 -> v5
\tv6 [label={box("L", "-8", "1", OUT)} margin=0 shape=none tooltip="data=-8.0, grad=1.0"]
\top6 [label=<*> {OP}]
\tv5 -> op6 [label=-2]
\tv0 -> op6 [label=4]
\top6 -> v6
}}
"""


def test_dot_source_of_a_small_graph_is_exactly_the_expected_text() -> None:
    assert draw(example()).source == EXPECTED


def test_dot_source_is_the_same_across_builds_and_processes() -> None:
    first, second = draw(example()).source, draw(example()).source
    assert first == second
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_draw as t; "
        "from engine import draw; print(draw(t.example()).source, end='')"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout == first


def test_without_grads_and_local_grads_the_labels_leave_them_out() -> None:
    source = draw(example(), show_grad=False, show_local_grads=False).source
    assert "\tv3 -> op4\n" in source
    assert not [line for line in source.splitlines() if "->" in line and "label" in line]
    assert "<TD>grad" not in source


def test_parameters_get_their_own_colour() -> None:
    loss = example()
    a = loss.inputs[0].inputs[0].inputs[0]
    source = draw(loss, parameters=[a]).source
    assert box("a", "2", "6", "#fde68a") in source
    assert box("b", "-3", "-4", LEAF) in source


@needs_dot
def test_svg_rendered_by_dot_shows_labels_and_values() -> None:
    svg = draw(example()).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    for text in (">L<", ">data &#45;8<", ">grad 6<", ">data 10<", ">*<", ">+<"):
        assert text in svg, text


NASTY = ["<x|y>", "{a}", 'say "hi"', "back\\slash\\", "a & b", "line\nbreak", "<B>bold</B>"]


@needs_dot
@pytest.mark.parametrize("label", NASTY)
def test_nasty_labels_render_and_show_their_text(label: str) -> None:
    x = Value(1.5, label=label)
    y = x * 2
    y.label = label
    svg = draw(y).pipe(format="svg").decode()  # raises CalledProcessError if dot fails
    shown = label.replace("\n", "\\n")
    expected = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    expected = expected.replace('"', "&quot;")
    assert expected in svg


def test_quotes_in_a_label_stay_quotes_in_the_dot_source() -> None:
    """A teacher reads ``draw(...).source`` too: only ``&``, ``<`` and ``>`` need entities."""
    x = Value(2.0, label='f\'(x) says "hi"')
    assert 'f\'(x) says "hi"' in draw(x).source


def test_a_neuron_without_activation_is_collapsed_and_coloured_as_a_neuron() -> None:
    z = weighted_sum([Value(1.0)], [Value(2.0, label="x")], Value(0.5))
    source = draw(z, collapse=True).source
    assert '\top3 [label=<w·x+b> fillcolor="#e9d5ff" ' in source  # NEURON_COLOUR, not grey


def test_ops_with_special_characters_are_escaped() -> None:
    x = Value(2.0)
    source = draw(x**2).source
    assert "label=<**2>" in source
    z = weighted_sum([Value(1.0)], [Value(2.0)], Value(0.5))
    assert "label=<w·x+b>" in draw(z).source


def chain(n: int) -> Value:
    x = Value(0.5, label="x")
    for _ in range(n):
        x = x * 1.0 + 0.1
    return x


def mlp_output() -> tuple[Value, list[Value]]:
    """A 3-8-8-1 tanh network on one input point: 20 + 11 + 1 ... Values."""
    xs = [Value(0.1 * i) for i in range(3)]
    params: list[Value] = []
    layer = xs
    for width in (8, 8, 1):
        outs = []
        for j in range(width):
            w = [Value(0.01 * (j - k)) for k in range(len(layer))]
            b = Value(0.0)
            params += [*w, b]
            outs.append(weighted_sum(w, layer, b).tanh())
        layer = outs
    return layer[0], params


def test_too_large_raises_a_clear_error_with_ways_out() -> None:
    root = chain(200)  # 601 Values
    with pytest.raises(GraphTooLargeError) as info:
        draw(root)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "801 Value nodes" in message
    assert "max_nodes=300" in message
    for way in ("max_nodes=None", "collapse=True", "draw(some_inner_value)", "depth="):
        assert way in message
    assert draw(root, max_nodes=None).source.count("-> op") == 800  # 400 ops, 2 input edges each


def test_collapse_draws_one_node_per_neuron() -> None:
    out, params = mlp_output()
    with pytest.raises(GraphTooLargeError, match=r"\(20 nodes here\)"):
        draw(out, max_nodes=50)
    graph = draw(out, collapse=True, max_nodes=50, parameters=params)
    source = graph.source
    # 3 inputs + 8 + 8 + 1 neurons; no weights, biases or w·x+b results
    assert source.count("shape=none") == 20
    assert source.count("label=<w·x+b → tanh>") == 17
    assert 'fillcolor="#fde68a"' not in source


def test_the_collapse_suggestion_counts_the_neurons_within_the_same_depth() -> None:
    out, _ = mlp_output()
    with pytest.raises(GraphTooLargeError, match=r"has 19 Value nodes") as info:
        draw(out, depth=2, max_nodes=18)
    assert "as one node (17 nodes here)" in str(info.value)  # 1 + 8 + 8 neurons, not all 20
    assert draw(out, depth=2, max_nodes=19).source.count("shape=none") == 19  # exactly the most
    assert draw(out, depth=2, collapse=True, max_nodes=18).source.count("shape=none") == 17
    assert draw(out, depth=2, collapse=True, max_nodes=17).source.count("shape=none") == 17


def test_collapse_keeps_a_weighted_sum_that_is_used_again_apart_from_its_activation() -> None:
    w, b = [Value(0.5), Value(-1.0)], Value(0.1)
    z = weighted_sum(w, [1.0, 2.0], b)
    source = draw(z.tanh() * z, collapse=True).source  # z is read twice: it must stay visible
    assert "label=<w·x+b>" in source and "label=<tanh>" in source
    assert "w·x+b → tanh" not in source
    assert "label=<w·x+b → tanh>" in draw(z.tanh() * 2.0, collapse=True).source  # read once


def test_collapsed_highlight_of_a_hidden_weighted_sum_lights_up_its_neuron() -> None:
    """With ``collapse=True`` a ``w·x+b`` node is folded into its neuron: highlighting it
    (or the backward step at it) highlights that neuron, the node a learner sees."""
    x, w, b = Value(1.0, label="x"), Value(2.0, label="w"), Value(0.5, label="b")
    z = weighted_sum([w], [x], b)
    out = z.tanh()
    out.label = "out"
    (step_at_z,) = [step for step in backward_steps(out) if step.node is z]
    for highlight in (z, step_at_z):
        source = draw(out, collapse=True, highlight=highlight).source
        boxes = [line for line in source.splitlines() if "BORDER=" in line]
        hot = [line for line in boxes if 'BORDER="2" COLOR="#d62728"' in line]
        assert len(boxes) == 2 and len(hot) == 1  # x and the neuron; the neuron is red
        assert "<B>out</B>" in hot[0]
        assert 'op4 [label=<w·x+b → tanh> color="#d62728"' in source


@needs_dot
def test_collapsed_picture_renders() -> None:
    out, _ = mlp_output()
    svg = draw(out, collapse=True).pipe(format="svg").decode()
    assert "w·x+b → tanh" in svg


def test_depth_limits_the_picture_and_marks_cut_nodes() -> None:
    root = chain(200)
    source = draw(root, depth=2).source
    assert source.count("shape=none") == 5  # root, its 2 inputs, 2 more
    assert source.count('STYLE="DASHED"') == 1
    alone = draw(root, depth=0).source  # the root alone, cut
    assert alone.count("shape=none") == 1 and 'STYLE="DASHED"' in alone and "->" not in alone


def test_highlight_marks_the_node_its_op_and_input_edges() -> None:
    loss = example()
    steps = list(backward_steps(loss))
    plain = draw(loss).source
    lit = draw(loss, highlight=steps[2]).source  # steps[2] visits e = a * b
    assert steps[2].name == "e"
    red = 'color="#d62728" fontcolor="#d62728" penwidth=2.5'
    assert f"\tv3 -> op4 [label=-3 {red}]\n" in lit
    assert f"\tv2 -> op4 [label=2 {red}]\n" in lit
    assert '\top4 -> v4 [color="#d62728" penwidth=2.5]\n' in lit
    assert 'BORDER="2" COLOR="#d62728"' in lit
    assert lit.count("#d62728") == 7  # box, op, two edges (2 each), op -> box
    assert "step 2: dL/da += dL/de * ∂e/∂a = -2.0 * -3.0 = 6.0" in lit
    # every line that does not mention e's op or box is unchanged
    changed = set(lit.splitlines()) ^ set(plain.splitlines())
    assert all(
        (
            "op4" in line
            or "v4" in line
            or "label=<step" in line
            or "Courier" in line
            or "labeljust" in line
        )
        for line in changed
    )
    # a Value works too, without a caption
    assert "Courier" not in draw(loss, highlight=steps[2].node).source


def test_bad_arguments_are_rejected_clearly() -> None:
    with pytest.raises(TypeError, match="draw expects a Value"):
        draw(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw(Value(1.0), rankdir="sideways")
    with pytest.raises(TypeError, match="highlight"):
        draw(Value(1.0), highlight="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameters must be Values"):
        draw(Value(1.0), parameters=[1.0])  # type: ignore[list-item]


def test_import_engine_needs_no_graphviz() -> None:
    code = "import sys, engine; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def product_chain(n: int) -> Value:
    """a * a * ... * a (n factors): ``a`` feeds every node of a long chain."""
    a = Value(1.0001, label="a")
    x = a
    for _ in range(n - 1):
        x = x * a
    x.backward()
    return x


def test_long_edges_get_xlabels_so_dot_does_not_hang() -> None:
    # As ordinary labels, the edges from a to all 59 products would take dot
    # minutes to lay out; xlabels are placed after the layout.
    long = draw(product_chain(60)).source
    assert "xlabel=" in long and " [label=1" not in long
    assert long.count("xlabel=") == 2 * 59
    short = draw(product_chain(5)).source
    assert "xlabel" not in short and short.count("-> op") == 8
    assert "xlabel" not in draw(example()).source
    assert "xlabel" not in draw(mlp_output()[0]).source


@needs_dot
def test_long_fan_out_renders() -> None:
    svg = draw(product_chain(100)).pipe(format="svg").decode()
    assert "<svg" in svg and "1.01" in svg  # the root: 1.0001 ** 100


def test_highlight_outside_the_graph_and_bad_max_nodes_are_errors() -> None:
    loss = example()
    with pytest.raises(ValueError, match="highlight is not part of the graph of root"):
        draw(loss, highlight=Value(1.0))
    other = list(backward_steps(Value(2.0) * 3))[0]
    with pytest.raises(ValueError, match="highlight is not part of the graph"):
        draw(loss, highlight=other)
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        draw(loss, max_nodes=0)


def test_max_nodes_of_one_draws_a_lone_value_and_refuses_its_sum() -> None:
    x = Value(2.0)
    assert draw(x, max_nodes=1).source.count("shape=none") == 1
    with pytest.raises(
        GraphTooLargeError, match="has 3 Value nodes to draw, more than max_nodes=1;"
    ):
        draw(x + 1.0, max_nodes=1)  # x, the constant 1.0 and their sum


def test_image_format_sets_the_digraph_format() -> None:
    assert draw(example()).format == "svg"
    assert draw(example(), image_format="png").format == "png"


# -- backslashes are drawn as written; huge graphs are counted, not built -----------------

BACKSLASHES = ["C:\\Net", "\\G", "\\N", "\\E", "\\T\\H", "a\\lb", "a\\nb", "a\\\\b", "end\\"]


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG, entities decoded."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@needs_dot
@pytest.mark.parametrize("text", BACKSLASHES)
def test_backslashes_in_labels_and_ops_are_drawn_as_written(text: str) -> None:
    from engine import custom_op

    x = Value(1.5, label=text)
    y = custom_op(3.0, [x], [2.0], op=f"op{text}")
    y.label = f"out{text}"
    steps = list(backward_steps(y))
    svg = draw(y, highlight=steps[0]).pipe(format="svg").decode()
    texts = svg_texts(svg)
    assert text in texts and f"out{text}" in texts and f"op{text}" in texts
    assert "chainrule" not in "".join(texts)  # \G was never replaced by the graph's name
    assert any(f"out{text}" in t for t in texts if t.startswith("step"))  # the caption


@needs_dot
def test_network_diagram_names_are_drawn_as_written() -> None:
    from nn import MLP, draw_network

    def squash(z: Value) -> Value:
        return z.tanh()

    squash.__name__ = "sq\\Nash"
    model = MLP(2, [2, 1], activation=squash, seed=0)
    names = ["C:\\Net", "<b>"]
    svg = draw_network(model, [0.5, -1.0], input_names=names).pipe(format="svg").decode()
    texts = svg_texts(svg)
    assert "C:\\Net" in texts and "<b>" in texts
    assert any("sq\\Nash" in t for t in texts)
    assert not any(re.search(r"x\d|L\dN\d", t) for t in texts)  # no \N -> node names
    # without inputs the label is the name alone: "<b>" must stay text, not HTML
    texts = svg_texts(draw_network(model, input_names=names).pipe(format="svg").decode())
    assert "<b>" in texts and "C:\\Net" in texts


def test_a_huge_graph_is_refused_after_counting_without_building(monkeypatch) -> None:
    draw_module = importlib.import_module("engine.draw")  # (engine.draw is the function)

    x = Value(1.0)
    y = x
    for _ in range(20_000):  # 40,001 Values: each step makes a constant and a product
        y = y * 1.0001

    def built(*args, **kwargs):
        raise AssertionError("the picture was built (or the graph sorted) before refusing")

    monkeypatch.setattr(draw_module, "_Picture", built)
    monkeypatch.setattr(draw_module, "topological_order", built)
    for kwargs in ({}, {"depth": 19_000}):
        with pytest.raises(GraphTooLargeError, match="more than 30,000 Value nodes") as info:
            draw(y, **kwargs)
        assert "collapse=True" in str(info.value)
    monkeypatch.undo()
    with pytest.raises(GraphTooLargeError, match="has 601 Value nodes"):
        draw(y, depth=300, max_nodes=500)  # counted exactly up to 100 * max_nodes
    assert draw(y, depth=100).source.count(" -> op") == 200  # within depth: drawn
    with pytest.raises(GraphTooLargeError, match="more than 300 Value nodes"):
        draw(y, collapse=True)  # collapsing needs the graph; it stops at max_nodes


def test_the_size_is_exact_up_to_a_hundred_times_max_nodes() -> None:
    x = Value(0.5)
    for _ in range(299):  # 300 Values: the most that draw(max_nodes=3) counts one by one
        x = x.tanh()
    with pytest.raises(GraphTooLargeError, match=r"^the graph has 300 Value nodes to draw,"):
        draw(x, max_nodes=3)
    with pytest.raises(GraphTooLargeError, match=r"^the graph has more than 300 Value nodes"):
        draw(x.tanh(), max_nodes=3)  # one more: the count stops there


def test_edge_labels_become_xlabels_just_past_the_span_threshold() -> None:
    """a*a*...*a with n multiplications: its edges cross n(n+1) ranks in all (the estimate of
    dot's layout); past XLABEL_SPAN = 500 the local derivatives are drawn as xlabels."""

    def chain(n: int) -> Value:
        a = Value(2.0, label="a")
        root = a
        for _ in range(n):
            root = root * a
        return root

    below, above = draw(chain(21), max_nodes=None).source, draw(chain(22), max_nodes=None).source
    assert " [label=" in below.split("->", 1)[1] and "xlabel=" not in below  # 21 * 22 = 462
    assert below.count("-> op") == 42
    assert above.count("xlabel=") == 44 and "-> op22 [label=" not in above  # 22 * 23 = 506
    at_most = chain(21)  # 462, then each tanh after it adds one rank
    for _ in range(38):
        at_most = at_most.tanh()
    past = at_most.tanh()
    assert "xlabel=" not in draw(at_most, max_nodes=None).source  # 462 + 38 = 500: labels
    assert draw(past, max_nodes=None).source.count("xlabel=") == 42 + 39  # 501: xlabels


def test_an_edge_from_a_short_branch_into_a_long_one_counts_every_rank_it_crosses() -> None:
    """``c = tanh(a)`` waits beside a chain of 166 tanh for the product ``c * d``: its edge
    crosses the whole chain's ranks, and so the picture reaches the threshold."""

    def branches(tail: int) -> Value:
        a, b = Value(1.0, label="a"), Value(0.5, label="b")
        d = b
        for _ in range(166):
            d = d.tanh()
        y = a.tanh() * d
        for _ in range(tail):
            y = y.tanh()
        return y

    assert "xlabel=" not in draw(branches(1), max_nodes=None).source  # 500 ranks: labels
    assert draw(branches(2), max_nodes=None).source.count("xlabel=") == 171  # 501: xlabels
