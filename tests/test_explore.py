"""engine.explore and engine.paths: the frames of the page, its data and the path sums.

What the page does in a real browser is tested in test_explore_browser.py; here are the frames
it is given, the rules the page object follows, and the paths computed in Python.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import (
    GraphTooLargeError,
    Page,
    Value,
    backward_steps,
    custom_op,
    explore,
    maximum,
    paths,
    step_through,
    sum_values,
    topological_order,
    weighted_sum,
)
from engine.draw import _short
from engine.page import page_script
from engine.paths import count_paths

explore_module = importlib.import_module("engine.explore")  # engine.explore is the function

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="the Graphviz 'dot' program is not installed (required under CI)",
)


def random_graph(seed: int) -> tuple[Value, list[Value]]:
    """A random graph with reuse (a*a), fan-out and n-ary nodes, from a few leaves."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(rng.randint(1, 4))]
    pool = list(leaves)
    for _ in range(rng.randint(1, 20)):
        a, b = rng.choice(pool), rng.choice(pool)
        kind = rng.randrange(4)
        if kind == 0:
            node = a * b
        elif kind == 1:
            node = a + b * rng.uniform(-1, 1)
        elif kind == 2:
            node = a.tanh()
        else:
            node = weighted_sum([a, b], [b, rng.choice(pool)], rng.uniform(-1, 1))
        pool.append(node)
    return pool[-1] + pool[rng.randrange(len(pool))] * 0.5, leaves


# -- the frames ------------------------------------------------------------------------


@needs_dot
def test_frames_of_the_readme_example_forward_then_every_backward_step(readme_graph) -> None:
    loss, _ = readme_graph()
    page = explore(loss)
    data = page.data
    twin, _ = readme_graph()
    steps = [str(step) for step in backward_steps(twin)]
    assert data["backward"] == 4  # the leaves, then e, d and L
    assert data["lines"] == [
        "a = 2.0, b = -3.0, c = 10.0, f = -2.0\n(the leaves: inputs, parameters and "
        "constants; given before any operation runs)",
        "e = a * b = 2.0 * -3.0 = -6.0",
        "d = e + c = -6.0 + 10.0 = 4.0",
        "L = d * f = 4.0 * -2.0 = -8.0",
        *steps,
    ]
    assert data["lines"][5] == (
        "dL/de += dL/dd * ∂d/∂e = -2.0 * 1.0 = -2.0\ndL/dc += dL/dd * ∂d/∂c = -2.0 * 1.0 = -2.0"
    )
    assert data["status"][0] == "Forward pass: 3 operations to compute, starting from the leaves"
    assert data["status"][2] == "Forward pass, step 2 of 3: computing d"
    assert data["status"][6] == (
        "Backward pass, step 3 of 7: at e, whose gradient dL/de = -2.0 is now complete"
    )
    order = topological_order(loss)
    names = {node.label: i for i, node in enumerate(order)}
    assert data["nodes"] == list(range(7))
    assert [data["hot"][f] for f in (0, 1, 3, 4, 10)] == [-1, names["e"], names["L"], names["L"], 0]
    assert data["born"] == [
        0 if not node.inputs else data["hot"].index(i) for i, node in enumerate(order)
    ]


def grads_at(data: dict, frame: int) -> list[str]:
    """Each box's gradient text at ``frame``, by the rule the page's script follows."""
    texts = []
    for changes in data["grads"]:
        text = "?" if frame < data["backward"] else "0"
        for at, change in changes:
            if at <= frame:
                text = change
        texts.append(text)
    return texts


@needs_dot
@pytest.mark.parametrize("seed", range(8))
def test_each_backward_frame_shows_the_gradients_after_its_step(seed: int) -> None:
    root, _ = random_graph(seed)
    data = explore(root, max_nodes=None).data
    twin, _ = random_graph(seed)
    order = topological_order(twin)
    for k, _ in enumerate(backward_steps(twin)):
        frame = data["backward"] + k
        assert grads_at(data, frame) == [_short(node.grad, 4) for node in order], frame
    assert grads_at(data, data["backward"] - 1) == ["?"] * len(order)


@needs_dot
def test_explore_leaves_every_gradient_as_it_found_it(readme_graph) -> None:
    loss, leaves = readme_graph()
    loss.backward()
    loss.backward()  # leaves accumulate: a.grad = 12
    before = [node.grad for node in topological_order(loss)]
    page = explore(loss)
    assert [node.grad for node in topological_order(loss)] == before
    a = topological_order(loss).index(leaves["a"])
    assert page.data["grads"][a][-1][1] == "6"  # one clean pass, as from zero gradients
    assert 'id="v3g" text-anchor="middle"' in page.html and ">grad 6</text>" in page.html


@needs_dot
def test_the_same_graph_gives_the_same_bytes_in_every_process(readme_graph) -> None:
    first = explore(readme_graph()[0]).html
    assert explore(readme_graph()[0]).html == first
    code = (  # the same graph, built in a fresh interpreter
        "import hashlib\nfrom engine import Value, explore\n"
        "a, b, c, f = (Value(x, label=n) for x, n in [(2.0, 'a'), (-3.0, 'b'), (10.0, 'c'), "
        "(-2.0, 'f')])\n"
        "e = a * b; e.label = 'e'\nd = e + c; d.label = 'd'\nL = d * f; L.label = 'L'\n"
        "print(hashlib.sha256(explore(L).html.encode()).hexdigest())"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == hashlib.sha256(first.encode()).hexdigest()


@pytest.mark.parametrize(
    ("make", "line"),
    [
        (lambda x, y: x**2, "out = x**2 = (-1.5)**2 = 2.25"),
        (lambda x, y: y**x, f"out = y ** x = 2.0 ** (-1.5) = {2.0**-1.5!r}"),
        (lambda x, y: -x, "out = -x = -(-1.5) = 1.5"),
        (lambda x, y: Value(0.5, label="h") ** 2, "out = h**2 = 0.5**2 = 0.25"),
        (lambda x, y: Value(0.0, label="z") ** 2, "out = z**2 = 0.0**2 = 0.0"),
        (lambda x, y: x / y, "out = x / y = -1.5 / 2.0 = -0.75"),
        (lambda x, y: sum_values([x, y, x]), "out = x + y + x = -1.5 + 2.0 + -1.5 = -1.0"),
        (lambda x, y: maximum(x, y), "out = max(x, y) = max(-1.5, 2.0) = 2.0"),
        (lambda x, y: y.tanh(), f"out = tanh(y) = tanh(2.0) = {math.tanh(2.0)!r}"),
        (
            lambda x, y: custom_op(4.0, [x, y], [1.0, 2.0], op="f"),
            "out = f(x, y) = f(-1.5, 2.0) = 4.0",
        ),
        (
            lambda x, y: weighted_sum([x, y], [y, x], 0.5),
            "out = x*y + y*x + v0 = -1.5*2.0 + 2.0*-1.5 + 0.5 = -5.5",
        ),
    ],
)
def test_forward_lines_write_each_operation_in_symbols_then_numbers(make, line: str) -> None:
    x, y = Value(-1.5, label="x"), Value(2.0, label="y")
    out = make(x, y)
    out.label = "out"
    names = {node: node.label or f"v{i}" for i, node in enumerate(topological_order(out))}
    assert explore_module._forward_line(out, names) == line


# -- too large: refused before anything is built ---------------------------------------


def chain(n: int) -> Value:
    x = Value(0.5, label="x")
    for _ in range(n):
        x = x * 1.0 + 0.1
    return x


def test_a_graph_too_large_is_refused_before_the_picture_is_built(monkeypatch) -> None:
    def never(*args, **kwargs):
        raise AssertionError("the picture was built before the size was checked")

    monkeypatch.setattr(explore_module, "_Picture", never)
    with pytest.raises(GraphTooLargeError) as info:
        explore(chain(20_000))  # 80,001 Values
    assert str(info.value) == (
        "the graph has more than 300 Value nodes to show (max_nodes=300); a page that large is "
        "slow to lay out and hard to read. Ways out:\n"
        "  - explore(root, collapse=True) shows each neuron (w·x+b and its activation) as one "
        "node\n"
        "  - explore(some_inner_value) steps through the graph below one intermediate Value\n"
        "  - explore(root, depth=3) shows only the Values within 3 operations of root\n"
        "  - explore(root, max_nodes=None) shows everything anyway (dot may take a long time)"
    )
    assert explore_module._count_within(chain(20_000), 300, None) == 301  # stops counting


@needs_dot
def test_max_nodes_is_the_most_a_page_shows() -> None:
    root = chain(1)  # x * 1.0 + 0.1: five Values, the two numbers too; no neuron
    assert len(explore(root, max_nodes=5).data["nodes"]) == 5  # exactly max_nodes: shown
    with pytest.raises(GraphTooLargeError, match=r"more than 4 Value nodes"):
        explore(root, max_nodes=4)
    from nn import MLP

    model = MLP(2, [1], seed=0)  # one neuron: x0, x1 and the collapsed neuron
    out = model([1.0, 2.0])
    assert len(explore(out, collapse=True, max_nodes=3).data["nodes"]) == 3
    with pytest.raises(GraphTooLargeError, match="even with collapse=True"):
        explore(out, collapse=True, max_nodes=2)


@needs_dot
def test_depth_and_collapse_are_the_ways_out(monkeypatch) -> None:
    root = chain(200)
    data = explore(root, depth=2).data
    assert len(data["nodes"]) == 5  # root, its op's 2 inputs, and theirs
    assert data["backward"] == 1 + 2  # the given Values, then 2 operations
    assert len(data["lines"]) == 3 + 5  # a backward frame only at the drawn Values
    assert "and the dashed Values, whose inputs are not drawn" in data["lines"][0]
    with pytest.raises(GraphTooLargeError, match="even with collapse=True"):
        explore(root, collapse=True)


@needs_dot
def test_gradient_added_by_a_step_outside_the_picture_still_shows() -> None:
    # x is drawn (1 operation from the root) and also feeds a long chain below depth=2,
    # whose steps make no frame but add to x.grad; the last frame shows the full gradient.
    x = Value(0.5, label="x")
    deep = x
    for _ in range(10):
        deep = deep * 1.5
    root = x * 2.0 + deep
    data = explore(root, depth=2).data
    root.backward()
    order = topological_order(root)
    drawn = [order[n] for n in data["nodes"]]
    assert grads_at(data, len(data["lines"]) - 1) == [_short(v.grad, 4) for v in drawn]
    assert x.grad == 2.0 + 1.5**10


@needs_dot
def test_collapsed_neurons_get_frames_at_their_activation_and_their_sum() -> None:
    xs = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    hidden = [weighted_sum([Value(0.3), Value(-0.2)], xs, Value(0.1)).tanh() for _ in range(3)]
    out = weighted_sum([Value(1.0), Value(2.0), Value(-1.0)], hidden, Value(0.0))
    out.label = "out"
    data = explore(out, collapse=True).data
    assert len(data["nodes"]) == 2 + 3 + 1
    neuron_lines = [line for line in data["lines"][1 : data["backward"]] if "tanh" in line]
    assert len(neuron_lines) == 3 and all(line.count("\n") == 1 for line in neuron_lines)
    hot = data["hot"][data["backward"] :]
    assert len(hot) == 1 + 3 * 2 + 2  # out; each neuron's tanh and w·x+b; x1, x2


@needs_dot
def test_parameters_are_named_as_draw_names_them() -> None:
    """``parameters=model`` puts the library's names in the boxes, the lines and the paths."""
    from nn import MLP

    model = MLP(2, [2, 1], seed=0)
    x = Value(1.0, label="x")
    loss = model([x, 2.0])
    loss.label = "L"
    loss.backward()  # the gradients the page shows (it leaves them as it found them)
    page = explore(loss, parameters=model)
    boxes = re.findall(r"<text[^>]*>([^<]*)</text>", page.html)
    lines = "\n".join(page.data["lines"])
    bold = re.findall(r'<text [^>]*font-weight="bold"[^>]*>([^<]*)</text>', page.html)
    for name, parameter in model.named_parameters():
        assert name in boxes and name in bold  # a parameter's name is in bold, as a label is
        assert f"dL/d{name} = {parameter.grad!r} ({name} is a leaf" in lines
    assert "dL/dlayers.0.neurons.0.w.0 += dL/dv11 * ∂v11/∂layers.0.neurons.0.w.0" in lines
    assert "L → v7 → v6 → layers.0.neurons.1.b" in json.dumps(
        page.data["paths"], ensure_ascii=False
    )
    unnamed = explore(loss, parameters=model.parameters())  # Values alone: no names to give
    assert "layers." not in json.dumps(unnamed.data["lines"])


# -- the page object -------------------------------------------------------------------


@needs_dot
def test_the_page_is_self_contained_and_safe(tmp_path: Path) -> None:
    x = Value(2.0, label="</script><img src=x onerror=alert(1)>")
    y = x * x
    y.label = 'say "hi" & <b>'
    page = explore(y)
    assert isinstance(page, Page)
    html = page.html
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    assert ".pending { opacity: .28; }" in html  # the explorer's own style: faded boxes
    assert page_script("engine", "explore.js") in html  # and its own script
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<script" not in html.split('id="page-data">')[1].split("</script>")[0]
    assert "</script><img" not in html  # the label is escaped in the SVG and in the JSON
    data = json.loads(html.split('id="page-data">')[1].split("</script>")[0])
    assert data == page.data
    saved = page.save(tmp_path / "page.html")
    assert saved.read_text(encoding="utf-8") == html
    frame = page._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in frame
    assert "&lt;!DOCTYPE html&gt;" in frame and '"' not in frame.split('srcdoc="')[1].split('" ')[0]
    assert "previousElementSibling" in frame  # the script that fits the frame to its page
    assert "bytes" in repr(page)


@needs_dot
def test_the_hint_offers_path_views_only_where_there_are_paths_to_show() -> None:
    def hint(page: Page) -> str:
        return page.html.split('<p class="hint">')[1].split("</p>")[0]

    keys = "Keys: ← → one step, Home / End the first and last frame. "
    gradients = (
        "is the gradient of the output {0} with respect to x,\nbuilt up by +=; ∂u/∂x is the "
        "local derivative of an operation's result u with respect to its\ninput x."
    )
    x = Value(3.0, label="x")
    assert hint(explore(x)) == keys + "\ndx/dx " + gradients.format("x")  # no path to list
    assert hint(explore(x * 2)) == (
        keys + "Click a leaf's box (an input, a constant or a parameter) to see every path "
        "from the output to it. \ndv2/dx " + gradients.format("v2")
    )


def test_bad_arguments_are_rejected_clearly() -> None:
    with pytest.raises(TypeError, match="explore expects a Value"):
        explore(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="explore: rankdir"):
        explore(Value(1.0), rankdir="sideways")
    with pytest.raises(TypeError, match="explore: parameters must be Values"):
        explore(Value(1.0), parameters=[1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        explore(Value(1.0), highlight=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError) as refused:
        explore(Value(1.0), max_nodes=0)
    assert str(refused.value) == "explore: max_nodes must be at least 1 (or None), got 0"
    with pytest.raises(TypeError) as refused:
        explore(Value(1.0), max_nodes=2.5)  # type: ignore[arg-type]
    assert str(refused.value) == "explore: max_nodes must be an int or None, got 2.5"
    with pytest.raises(ValueError) as refused:
        explore(Value(1.0), depth=-1)
    assert str(refused.value) == "explore: depth must be an int >= 0 or None, got -1"


@needs_dot
def test_numpy_integers_are_ints_to_explore_as_to_draw() -> None:
    import numpy as np

    out = Value(2.0, label="a") * Value(3.0, label="b")
    as_numpy = explore(out, max_nodes=np.int64(10), depth=np.int32(1), precision=np.int64(3))
    assert as_numpy.html == explore(out, max_nodes=10, depth=1, precision=3).html


@needs_dot
def test_step_through_without_ipywidgets_returns_the_explorer_page(
    monkeypatch, readme_graph
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    loss, leaves = readme_graph()
    page = step_through(loss, title="The README example", rankdir="TB")
    assert isinstance(page, Page)
    assert "<h1>The README example</h1>" in page.html  # the options reach explore
    twin, _ = readme_graph()
    assert page.data["lines"][page.data["backward"] :] == [str(s) for s in backward_steps(twin)]
    assert leaves["a"].grad == 6.0 and leaves["f"].grad == 4.0  # filled, like backward()


# -- paths -----------------------------------------------------------------------------


def test_paths_of_the_readme_example(readme_graph) -> None:
    loss, leaves = readme_graph()
    found = paths(loss, leaves["a"])
    assert str(found) == (
        "dL/da is the product of the local derivatives along the one path from L to a:\n"
        "  L → d → e → a: ∂L/∂d * ∂d/∂e * ∂e/∂a = -2.0 * 1.0 * -3.0 = 6.0\n"
        "dL/da = 6.0"
    )
    (path,) = found
    assert [n.label for n in path.nodes] == ["L", "d", "e", "a"]
    assert path.local_grads == (-2.0, 1.0, -3.0) and path.positions == (0, 0, 0)
    assert found.total == path.product == 6.0
    assert leaves["a"].grad == 0.0  # paths reads no gradient and writes none


def test_a_value_used_twice_has_two_paths_and_the_sum_is_the_gradient() -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    found = paths(y, x)
    assert [p.product for p in found] == [3.0, 3.0, 1.0]
    assert [p.positions for p in found] == [(0, 0), (0, 1), (1,)]
    assert found.sum_line() == "dy/dx = 3.0 + 3.0 + 1.0 = 7.0"
    y.backward()
    assert found.total == x.grad == 7.0
    assert str(paths(y, y)).endswith("y: the empty path (a value to itself) = 1.0\ndy/dy = 1.0")


@pytest.mark.parametrize("seed", range(40))
def test_the_sum_over_paths_is_the_gradient(seed: int) -> None:
    root, leaves = random_graph(seed)
    root.backward()
    for leaf in leaves:
        if leaf not in set(topological_order(root)):
            continue
        found = paths(root, leaf, max_paths=None)
        assert math.isclose(found.total, leaf.grad, rel_tol=1e-9, abs_tol=1e-12)
        order = topological_order(root)
        assert len(found) == count_paths(order, root, leaf, lambda n: zip(n.inputs, n.local_grads))


def diamonds(n: int) -> tuple[Value, Value]:
    """n diamonds in a row: x -> (x*2, x*3) -> their sum -> ...: 2**n paths."""
    x = Value(1.0, label="x")
    top = x
    for _ in range(n):
        top = top * 2.0 + top * 3.0
    return top, x


def test_paths_are_counted_before_they_are_listed() -> None:
    root, x = diamonds(20)
    with pytest.raises(ValueError) as info:
        paths(root, x)
    message = str(info.value)
    assert "1,048,576 paths" in message and "max_paths=10,000" in message
    assert "max_paths=None" in message and ".grad" in message
    root, x = diamonds(6)
    found = paths(root, x, max_paths=None)
    assert len(found) == 64 and found.total == 5.0**6
    assert "the sum of these 64 products = 15625.0" in found.sum_line()


def test_long_paths_need_no_recursion() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    (path,) = paths(y, x)
    assert len(path.nodes) == 20_001 and path.product == 1.0
    assert "(20000 edges)" in path.text(8) and path.text(8).count("→") == 8


def test_a_long_path_is_shortened_in_the_middle_and_always_keeps_both_ends() -> None:
    a = Value(2.0, label="a")
    v = a
    for name in "bcdef":
        v = v * 2.0
        v.label = name
    (path,) = paths(v, a)
    whole = (
        "f → e → d → c → b → a: ∂f/∂e * ∂e/∂d * ∂d/∂c * ∂c/∂b * ∂b/∂a = "
        "2.0 * 2.0 * 2.0 * 2.0 * 2.0 = 32.0"
    )
    assert path.text() == str(path) == path.text(5) == whole
    assert path.text(4) == (
        "f → e → … → b → a (5 edges): ∂f/∂e * ∂e/∂d * … * ∂c/∂b * ∂b/∂a = "
        "2.0 * 2.0 * … * 2.0 * 2.0 = 32.0"
    )
    first_and_last = "f → … → a (5 edges): ∂f/∂e * … * ∂b/∂a = 2.0 * … * 2.0 = 32.0"
    assert path.text(3) == path.text(2) == path.text(1) == first_and_last
    assert str(paths(a, a)[0]) == "a: the empty path (a value to itself) = 1.0"


def test_the_sum_writes_out_up_to_ten_products_and_counts_more() -> None:
    x = Value(2.0, label="x")

    def fan(n: int) -> Value:  # x * 1 + x * 2 + ... + x * n: n paths from y to x
        y = x * 1.0
        for k in range(2, n + 1):
            y = y + x * float(k)
        y.label = "y"
        return y

    assert paths(fan(10), x).sum_line() == (
        "dy/dx = 1.0 + 2.0 + 3.0 + 4.0 + 5.0 + 6.0 + 7.0 + 8.0 + 9.0 + 10.0 = 55.0"
    )
    assert paths(fan(11), x).sum_line() == "dy/dx = the sum of these 11 products = 66.0"


def test_paths_rejects_what_it_cannot_answer() -> None:
    x, other = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="root does not depend on"):
        paths(x * 2, other)
    with pytest.raises(TypeError, match="leaf must be a Value"):
        paths(x * 2, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="root must be a Value"):
        paths(1.0, x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths must be"):
        paths(x * 2, x, max_paths=0)


@needs_dot
def test_the_page_shows_the_same_path_sums_as_python() -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    view = explore(y).data["paths"]["0"]
    found = paths(y, x)
    assert view["title"] == found.header()
    assert [text for text, _ in view["paths"]] == [str(p) for p in found]
    assert view["total"] == found.sum_line() + ", the gradient of the backward pass"
    assert [route for _, route in view["paths"]] == [[2, 0, 1, 0, 0], [2, 0, 1, 1, 0], [2, 1, 0]]


@needs_dot
def test_the_page_lists_a_dozen_paths_and_counts_the_rest() -> None:
    root, x = diamonds(6)
    views = explore(root, max_nodes=None).data["paths"]
    view = views[str(topological_order(root).index(x))]
    assert len(view["paths"]) == explore_module.PAGE_PATHS
    assert "the 64 paths" in view["title"]
    assert view["total"] == (
        "Only the first 12 of the 64 paths are listed. Their products add up to dv30/dx = "
        "15625.0, the gradient of the backward pass, which adds them without listing them."
    )
    assert view["paths"][0][0] == (  # 12 edges, more than PAGE_PATH_EDGES: shortened
        "v30 → v29 → v26 → v25 → … → v13 → v10 → v9 → x (12 edges): ∂v30/∂v29 * ∂v29/∂v26 * "
        "∂v26/∂v25 * ∂v25/∂v22 * … * ∂v14/∂v13 * ∂v13/∂v10 * ∂v10/∂v9 * ∂v9/∂x = 1.0 * 2.0 * 1.0 * "
        "2.0 * … * 1.0 * 2.0 * 1.0 * 2.0 = 64.0"
    )


@needs_dot
def test_a_dozen_paths_listed_and_more_through_dashed_values_are_counted_apart() -> None:
    # x has 16 drawn paths (4 diamonds) and one more through a chain cut at depth 9: the
    # page lists 12, counts 16 and says the backward pass adds the paths it cannot draw too
    root, x = diamonds(4)
    deep = x
    for _ in range(10):
        deep = deep * 1.5
    loss = root + deep
    loss.label = "L"
    page = explore(loss, depth=9, max_nodes=None)
    (view,) = [view for view in page.data["paths"].values() if view["title"].startswith("dL/dx ")]
    assert len(view["paths"]) == 12
    assert view["title"] == (
        "dL/dx is the sum, over the 16 paths from L to x, of the product of the local "
        "derivatives along each:"
    )
    assert view["total"] == (
        "Only the first 12 of the 16 paths are listed. With the paths through the dashed Values "
        "(their inputs are not drawn), the products add up to dL/dx = 682.6650390625, the "
        "gradient of the backward pass, which adds them without listing them."
    )
    assert 5.0**4 + 1.5**10 == 682.6650390625


def test_the_page_scripts_are_installed_with_the_packages() -> None:
    """Every .js beside the code is package data, so `pip install .` (not -e) ships it."""
    root = Path(__file__).resolve().parent.parent
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[tool.setuptools.package-data]")[1].split("\n[")[0]
    for package in ("engine", "nn"):
        globs = re.search(rf"^{package} = \[(.*)\]$", section, flags=re.MULTILINE)
        assert globs is not None, package
        scripts = sorted((root / package).glob("*.js"))
        assert scripts and all(script.match(globs.group(1).strip('"')) for script in scripts)


@pytest.fixture
def ascii_locale():
    """The system's text encoding is ASCII while the test runs (a machine whose locale is not
    UTF-8: files opened without an encoding would refuse ∂ and ✓)."""
    import locale

    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    if sys.flags.utf8_mode or locale.getpreferredencoding(False).lower() in ("utf-8", "utf8"):
        locale.setlocale(locale.LC_CTYPE, before)
        pytest.skip("Python's UTF-8 mode is on: the locale's encoding cannot be made ASCII")
    yield
    locale.setlocale(locale.LC_CTYPE, before)


def test_a_page_is_saved_as_utf8_whatever_the_locale(tmp_path: Path, ascii_locale) -> None:
    page = Page('∂L/∂x "✓"', "<p>∂L/∂x = 6 ✓</p>", {"text": "∂"}, "")
    saved = page.save(tmp_path / "page.html")
    assert saved == tmp_path / "page.html"
    assert saved.read_bytes().decode("utf-8") == page.html


def test_a_pages_data_keeps_its_symbols_as_they_are_and_cannot_end_its_script() -> None:
    """A saved page is read as text too: ∂ and σ stay ∂ and σ (the page is UTF-8), not
    ``\\u2202``; only ``<`` is escaped, so no text can close the script it sits in."""
    page = Page("t", "<p>x</p>", {"label": "∂L/∂σ", "text": "</script><b>", "n": [1.5, 2]}, "")
    assert (
        '<script type="application/json" id="page-data">'
        '{"label":"∂L/∂σ","text":"\\u003c/script>\\u003cb>","n":[1.5,2]}</script>\n'
    ) in page.html
    for number in (math.nan, math.inf):  # JSON has neither: the page's script could not load
        with pytest.raises(ValueError, match="not JSON compliant"):
            Page("t", "<p>x</p>", {"loss": [0.5, number]}, "")


def test_a_page_is_one_document_with_its_head_its_body_its_data_and_its_script() -> None:
    from engine.page import BASE_STYLE

    page = Page("A & B", "<main>x</main>", {"n": 1}, "show(0);")
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src '
        "data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>A &amp; B</title>\n"
        f"<style>{BASE_STYLE}</style>\n</head>\n<body>\n<main>x</main>\n"
        '<script type="application/json" id="page-data">{"n":1}</script>\n<script>'
    )
    assert page.html.startswith(head)
    assert page.html.endswith("show(0);</script>\n</body>\n</html>\n")
    assert page.height == 600  # the notebook's frame, unless the page says how tall it is
    assert 'style="width: 100%; height: 600px; border: 0;"' in page._repr_html_()


@needs_dot
def test_a_graphviz_picture_in_a_page_keeps_its_drawing_and_loses_its_tooltips() -> None:
    """``inline_svg`` on a picture with tooltips (``draw_network`` gives every weight and
    neuron one, showing numbers that a page's frames would contradict): the boxes, lines and
    texts stay, the prolog, comments, ``<title>`` pop-ups and ``<a>`` wrappers go."""
    import xml.etree.ElementTree as ElementTree

    import nn
    from engine.page import inline_svg

    random.seed(0)
    svg = nn.draw_network(nn.MLP(2, [2, 1])).pipe(format="svg", encoding="utf-8")
    assert "<a xlink:title=" in svg and "<title>" in svg and "<!--" in svg  # what goes
    inlined = inline_svg(svg)
    assert inlined.startswith("<svg ") and inlined.endswith("</svg>")
    for gone in ("<?xml", "<!DOCTYPE", "<!--", "<title>", "<a ", "</a>", "xlink:title"):
        assert gone not in inlined, gone
    assert "Helvetica,sans-Serif" not in inlined  # the page's style sets the font once

    def drawn(text: str) -> list[tuple[str, dict[str, str], str | None]]:
        root = ElementTree.fromstring(text[text.index("<svg") :])
        kept = ("text", "path", "polygon", "ellipse")
        return [
            (e.tag, {k: v for k, v in e.attrib.items() if k != "font-family"}, e.text)
            for e in root.iter()
            if e.tag.removeprefix(SVG) in kept
        ]

    assert drawn(inlined) == drawn(svg) and len(drawn(svg)) > 20
    root = ElementTree.fromstring(inlined)  # and no text but the labels drawn
    words = [text.strip() for text in root.itertext() if text.strip()]
    assert words == [label.text for label in root.iter(f"{SVG}text")]


def test_a_page_in_a_notebook_escapes_its_title_and_says_how_to_open_it() -> None:
    page = Page('say "hi" & <b>', "<p>x</p>", {}, "", height=321)
    frame = page._repr_html_()
    assert 'title="say &quot;hi&quot; &amp; &lt;b&gt;" ' in frame
    assert 'style="width: 100%; height: 321px; border: 0;"></iframe>' in frame
    size = len(page.html.encode("utf-8"))
    assert repr(page) == (
        f"<Page 'say \"hi\" & <b>': {size:,} bytes; show it in a notebook, or "
        "page.save('page.html') and open the file in a browser>"
    )


def test_paths_refuses_with_whole_messages_and_counts_up_to_max_paths_exactly() -> None:
    from engine import paths

    a = Value(2.0, label="a")
    x = a
    for _ in range(3):  # each x * x doubles the paths: 2**3 = 8 from y to a
        x = x * x
    y = x
    y.label = "y"
    assert len(paths(y, a, max_paths=8).paths) == 8  # exactly max_paths: listed
    assert len(paths(a, a, max_paths=1).paths) == 1  # root itself: one empty path
    refusals = [
        (lambda: paths(3.0, a), TypeError, "paths: root must be a Value, got float: 3.0"),
        (lambda: paths(y, "a"), TypeError, "paths: leaf must be a Value, got str: 'a'"),
        (
            lambda: paths(y, a, max_paths=0),
            ValueError,
            "paths: max_paths must be an int >= 1 or None, got 0",
        ),
        (
            lambda: paths(y, a, max_paths=True),
            ValueError,
            "paths: max_paths must be an int >= 1 or None, got True",
        ),
        (
            lambda: paths(y, a, max_paths=7),
            ValueError,
            "paths: there are 8 paths from y to a, more than max_paths=7. Paths multiply "
            "wherever a value is used twice and the two uses meet again (n such diamonds in a "
            "row make 2**n paths). Ways out: ask about a value nearer the output; pass "
            "max_paths=None to list them all anyway; or run backward(), which adds the same "
            "products in linear time, and read a.grad",
        ),
    ]
    for call, error, message in refusals:
        with pytest.raises(error) as refused:
            call()
        assert str(refused.value) == message
    stranger = Value(1.0, label="z")
    assert (
        count_paths(topological_order(y), y, stranger, lambda n: zip(n.inputs, n.local_grads)) == 0
    )
    above = topological_order(y * 2.0)  # an order with nodes above y, which no path from y meets
    assert count_paths(above, y, a, lambda n: zip(n.inputs, n.local_grads)) == 8
    with pytest.raises(ValueError) as refused:
        paths(y, stranger)
    assert str(refused.value) == (
        f"paths: root does not depend on {stranger!r}, so there is no path to it (its gradient "
        "would be 0); pass a Value that root was computed from"
    )
    first = paths(y, a).paths[0]
    assert repr(first) == f"Path({' → '.join(first.names)}, product={first.product!r})"
    assert repr(first).startswith("Path(y → ")


def recorded_dot_sources(monkeypatch) -> list[str]:
    """A list that the Graphviz source of every picture laid out from now on is added to."""
    import graphviz

    sources: list[str] = []
    pipe = graphviz.Digraph.pipe

    def recording_pipe(self, *args, **kwargs):
        sources.append(self.source)
        return pipe(self, *args, **kwargs)

    monkeypatch.setattr(graphviz.Digraph, "pipe", recording_pipe)
    return sources


def explore_dot_sources(monkeypatch, readme_graph) -> dict[str, str]:
    """The Graphviz source of every explore page below, as handed to ``dot``."""
    sources = recorded_dot_sources(monkeypatch)
    loss, _ = readme_graph()
    explore(loss)
    w, x, b = Value(0.5), Value(-2.0, label="x"), Value(0.1)
    z = weighted_sum([w], [x], b)
    out = (z.relu() * z).tanh()
    explore(out, rankdir="TB", show_local_grads=False, parameters=[w, b], depth=2)
    a = Value(1.0, label="a")
    chain = a
    for _ in range(22):  # a*a*...*a: its edges cross 22 * 23 = 506 ranks, so they get xlabels
        chain = chain * a
    explore(chain)
    names = ("explore_readme.gv", "explore_options.gv", "explore_long_chain.gv")
    return dict(zip(names, sources, strict=True))


@needs_dot
def test_the_graphviz_source_of_a_page_is_the_golden_one(monkeypatch, readme_graph) -> None:
    """Every box, colour, font, edge label and id that ``dot`` lays out, compared whole."""
    golden = Path(__file__).parent / "golden"
    for name, source in explore_dot_sources(monkeypatch, readme_graph).items():
        if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
            (golden / name).write_text(source, encoding="utf-8")
        assert source == (golden / name).read_text(encoding="utf-8"), name


# -- the whole state of a page, frame by frame -------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(page: Page):
    """The page's picture, parsed (it must be well-formed XML)."""
    import xml.etree.ElementTree as ElementTree

    return ElementTree.fromstring(page.html.split('<div class="figure">')[1].split("</div>")[0])


def decoded_frames(page: Page) -> str:
    """Every frame of an explore page as a learner sees it, by the rules of explore.js.

    First the page around the picture (heading, controls, legend, hints); then per frame:
    the status line, what is outlined (the picture's ids the script marks),
    each box's data and grad texts, and the frame's chain-rule text; then, per leaf, what
    clicking it shows (the path texts with the ids each path lights, and the total).
    """
    data = page.data
    main = page.html[page.html.index("<main>") : page.html.index("</main>") + len("</main>")]
    figure = '<div class="figure">[the picture]</div>'  # its parts are read below
    lines = [re.sub(r'<div class="figure">.*?</svg></div>', figure, main, flags=re.DOTALL)]
    groups = {g.get("id"): g for g in svg_of(page).iter(f"{SVG}g") if g.get("id")}
    boxes = []  # (name, data text of the last frame, the ids that belong to the Value)
    for i, n in enumerate(data["nodes"]):
        stray = [part.tail for part in groups[f"v{n}"]] + [groups[f"v{n}"].text]
        assert "".join(text or "" for text in stray).strip() == "", stray  # only elements
        texts = {t.get("id"): t.text for t in groups[f"v{n}"].iter(f"{SVG}text")}
        name = texts.pop(None)
        assert list(texts) == [f"v{n}d", f"v{n}g"], texts  # the texts the script changes
        parts = [f"v{n}", f"op{n}", f"o{n}", *(f"e{n}_{k}" for k in range(data["inputs"][i]))]
        boxes.append((name, texts[f"v{n}d"], [part for part in parts if part in groups]))
    count = len(data["hot"])
    for frame in range(count):
        lines.append(f"frame {frame + 1} of {count}: {data['status'][frame]}")
        hot = data["hot"][frame]
        way = "backward" if frame >= data["backward"] else "forward"
        lines.append(f"  outlined ({way}): " + (" ".join(boxes[hot][2]) if hot >= 0 else "-"))
        shown = []
        for i, (name, final_data, _) in enumerate(boxes):
            grad = grads_at(data, frame)[i]
            shown.append(f"{name} data {'?' if frame < data['born'][i] else final_data[5:]}")
            shown[-1] += f" grad {grad}"
        lines.append("  boxes: " + "; ".join(shown))
        lines.extend(f"  | {line}" for line in data["lines"][frame].split("\n"))
    for key, view in data["paths"].items():
        lines.append(f"clicking {boxes[int(key)][0]}: {view['title']}")
        for text, route in view["paths"]:
            lit = []
            for j in range(0, len(route), 2):
                n = route[j]
                lit += [f"v{n}"] if j + 1 == len(route) else [f"v{n}", f"o{n}", f"op{n}"]
                lit += [f"e{n}_{route[j + 1]}"] if j + 1 < len(route) else []
            assert all(part in groups for part in lit), lit
            lines.append(f"  {text}\n    lights {' '.join(lit)}")
        lines.append(f"  {view['total']}")
    return "\n".join(lines) + "\n"


def _neuron_page() -> Page:
    """A neuron tanh(w·x+b) collapsed into one node, whose output is used with x1 again."""
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    h = weighted_sum([Value(0.3), Value(-0.2)], [x1, x2], Value(0.1)).tanh()
    h.label = "h"
    out = h * x1
    out.label = "out"
    return explore(out, collapse=True)


def _depth_page() -> Page:
    """depth=2 cuts the graph: x and y also reach the root through Values not drawn."""
    x, y = Value(0.5, label="x"), Value(-1.0, label="y")
    p = (2.0 * x) * 1.0  # 2.0 * x and y * 3.0 are below depth 2: no frames of their own;
    q = (y * 3.0) * 1.0  # the step at the constant 2.0 comes between those at 2.0 * x and x
    r = (x + y) * (p + q)
    r.label = "r"
    return explore(r, depth=2)


@needs_dot
@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("explore_readme_frames.txt", lambda readme_graph: explore(readme_graph()[0])),
        ("explore_neuron_frames.txt", lambda _: _neuron_page()),
        ("explore_depth_frames.txt", lambda _: _depth_page()),
    ],
)
def test_every_frame_of_a_page_is_the_golden_one(name: str, make, readme_graph) -> None:
    """What a learner sees at each frame (statuses, outlines, boxes, chain-rule lines) and
    when clicking each leaf (its paths, what they light, their sum), compared whole."""
    decoded = decoded_frames(make(readme_graph))
    golden = Path(__file__).parent / "golden" / name
    if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
        golden.write_text(decoded, encoding="utf-8")
    assert decoded == golden.read_text(encoding="utf-8")


@needs_dot
def test_a_path_sum_that_rounds_differently_from_the_backward_pass_says_so() -> None:
    x = Value(1.0, label="x")
    y = x * 0.1 + x * 0.2 + x * 0.3
    y.label = "y"
    view = explore(y).data["paths"][str(topological_order(y).index(x))]
    assert view["total"] == (
        "dy/dx = 0.1 + 0.2 + 0.3 = 0.6; the backward pass gives 0.6000000000000001, the same "
        "sum added in another order (floats round differently)"
    )


def test_without_graphviz_explore_says_what_to_install(monkeypatch, readme_graph) -> None:
    import graphviz

    def no_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    with pytest.raises(RuntimeError) as missing:
        explore(readme_graph()[0])
    assert str(missing.value) == (
        "engine.explore lays out the graph with Graphviz's 'dot' program, which is not "
        "installed: apt-get install graphviz, brew install graphviz, or conda install graphviz"
    )
    monkeypatch.setitem(sys.modules, "graphviz", None)  # the Python package: import fails
    with pytest.raises(ImportError) as missing:
        explore(readme_graph()[0])
    assert str(missing.value) == "engine.explore needs the graphviz Python package"


@needs_dot
def test_data_and_grad_texts_are_centred_in_their_cells(readme_graph) -> None:
    """The boxes are laid out for their widest texts; each frame's texts sit in the middle."""
    svg = svg_of(explore(readme_graph()[0]))
    centred = 0
    for group in svg.iter(f"{SVG}g"):
        cells = []
        for element in group:
            if element.tag == f"{SVG}polygon" and element.get("fill") == "none":
                xs = [float(point.split(",")[0]) for point in element.get("points").split()]
                cells.append((min(xs) + max(xs)) / 2)
            elif element.get("id", "").endswith(("d", "g")) and element.tag == f"{SVG}text":
                assert element.get("text-anchor") == "middle"
                assert element.get("x") == f"{cells[-1]:.2f}", element.get("id")
                assert element.get("font-size") == "11.00"  # Graphviz's other attributes kept
                centred += 1
    assert centred == 2 * 7


@needs_dot
def test_the_notebook_frame_fits_the_picture_and_the_longest_text(readme_graph) -> None:
    """150 px of heading and controls, the picture (at most 560 px), 21 px a line of the
    longest frame text (at most 12 lines), 120 px for the rest."""

    def picture_height(page: Page) -> float:
        return float(svg_of(page).get("height").removesuffix("pt")) * 4 / 3  # pt to px

    page = explore(readme_graph()[0])  # at most 2 lines a frame
    assert page.height == int(150 + picture_height(page) + 21 * 2 + 120)
    x = Value(1.0, label="x")
    tall = sum_values([x * float(k) for k in range(14)])  # 14 lines at the sum's step
    tall.label = "tall"
    page = explore(tall, rankdir="TB")
    assert picture_height(page) < 560
    assert page.height == int(150 + picture_height(page) + 21 * 12 + 120)
    chain = x
    for _ in range(12):
        chain = chain * 1.5
    page = explore(chain, rankdir="TB")
    assert picture_height(page) > 560
    assert page.height == 150 + 560 + 21 * 2 + 120


@needs_dot
def test_edge_labels_stay_labels_at_exactly_500_ranks(monkeypatch) -> None:
    """a*a*...*a (21 products, 462 ranks) then 19 products with 1.0: its edges cross exactly
    XLABEL_SPAN = 500 ranks, still labels (past it they are xlabels: explore_long_chain.gv)."""
    sources = recorded_dot_sources(monkeypatch)
    a = Value(2.0, label="a")
    root = a
    for _ in range(21):
        root = root * a
    for _ in range(19):
        root = root * 1.0
    explore(root, max_nodes=None)
    (source,) = sources
    assert "xlabel=" not in source
    assert len(re.findall(r"-> op\d+ \[label=", source)) == 2 * 40  # every edge, labelled


def test_paths_to_a_leaf_never_walk_the_branches_that_miss_it() -> None:
    """Beside w, the root has 2**60 paths to x: listing w's one path must not walk them."""
    many, _ = diamonds(60)
    w = Value(2.0, label="w")
    root = many + w * 3.0
    root.label = "root"
    (path,) = paths(root, w)
    assert str(path) == "root → v2 → w: ∂root/∂v2 * ∂v2/∂w = 1.0 * 3.0 = 3.0"
