r"""The explorer: a page that steps through the forward and the backward pass.

``explore(root)`` returns a ``Page`` (``engine.page``): in a notebook it shows
itself, and ``save("page.html")`` writes one file that any browser opens,
offline, with no Python. The page holds one Graphviz picture of the graph
(the boxes and edges of ``engine.draw``) and a list of *frames*:

1. **Forward**: frame 0 shows the leaves (inputs, parameters, constants)
   holding their numbers; then one frame per operation, in topological
   order, fills in its result (``e = a * b = 2.0 * -3.0 = -6.0``). Values
   not computed yet are faded and show ``data ?``.
2. **Backward**: one frame per step of ``engine.backward_steps``, in the
   same order, with the same chain-rule lines
   (``dL/de += dL/dd * ∂d/∂e = -2.0 * 1.0 = -2.0``). Every box shows its
   gradient as it is *after* that step.

The node a frame is at is outlined, with the edges it uses: blue going
forward (the inputs it is computed from), red going backward (the edges
along which it passes gradient to its inputs). Under the picture is the
frame's chain-rule line, as text to select and copy. Previous/Next, a
slider, the arrow keys and Home/End move between frames; the page opens on
the first frame.

Clicking a leaf shows the **path-sum view** (``engine.paths``): every path
from the output down to that leaf, the product of the local derivatives
along each, and their sum, which is the leaf's gradient. The page lists up
to ``PAGE_PATHS`` paths for each leaf and says how many there are in all.

``explore`` does not change any gradient: it saves every ``.grad``, runs
the backward pass from zero gradients (as ``zero_grad()`` then
``backward()`` would), and puts every ``.grad`` back as it was. So the page
always shows one clean pass, whose path sums equal the gradients shown,
even for leaves that had gradients from earlier passes.

A graph too large for a page raises the ``GraphTooLargeError`` of
``engine.draw``, with the same ways out (``collapse=True``, ``depth=``, a
smaller graph, ``max_nodes=None``). The Values are counted, with a walk
that stops as soon as there are too many, before anything is built. With
``collapse`` or ``depth``, frames are made only for the steps at Values in
the picture (a neuron drawn as one node has two: its activation and its
``w·x+b``).

Laying out the picture needs Graphviz's ``dot`` program; viewing the page
needs only a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

from engine.draw import (
    CONSTANT_COLOUR,
    INTERIOR_COLOUR,
    LEAF_COLOUR,
    NEURON_COLOUR,
    NEURON_OP,
    OP_COLOUR,
    OUTPUT_COLOUR,
    PARAMETER_COLOUR,
    XLABEL_SPAN,
    GraphTooLargeError,
    _box_colour,
    _checked_options,
    _count_within,
    _display_names,
    _html_text,
    _op_attrs,
    _Picture,
    _plain_int,
    _short,
    _text,
)
from engine.page import Page, controls, inline_svg, page_script
from engine.paths import Path, PathSum, count_paths, walk_paths
from engine.stepper import BackwardStep, backward_steps
from engine.value import Value

#: How many paths the path-sum view lists for one leaf (it always gives the count).
PAGE_PATHS = 12

#: Paths longer than this are written shortened in the middle (the picture shows them whole).
PAGE_PATH_EDGES = 8

#: Infix operations written ``a * b`` in a forward line (the rest are ``op(a, b)``).
_INFIX = ("+", "-", "*", "/", "**")

#: Colours of the three kinds of highlight (the legend explains them).
FORWARD_COLOUR = "#2563eb"
BACKWARD_COLOUR = "#d62728"
PATH_COLOUR = "#7c3aed"


def explore(
    root: Value,
    *,
    rankdir: str = "LR",
    show_local_grads: bool = True,
    max_nodes: int | None = 300,
    parameters: Iterable[Value] | None = None,
    collapse: bool = False,
    depth: int | None = None,
    precision: int = 4,
    title: str | None = None,
) -> Page:
    """A page that steps through the forward and backward pass of ``root`` (see the module doc).

    The options are those of ``engine.draw``: ``rankdir``, ``show_local_grads``
    (label each edge with its local derivative), ``max_nodes`` (refuse a
    larger picture with ``GraphTooLargeError``; ``None`` for any size),
    ``parameters`` (Values to colour as parameters), ``collapse`` (one node
    per neuron), ``depth`` (only the Values within that many operations of
    ``root``) and ``precision`` (significant digits in the boxes; the
    chain-rule lines show every digit). ``title`` heads the page.

    Leaves every ``.grad`` as it found it. Needs Graphviz's ``dot`` program.
    For example::

        c = a * b
        page = explore(c)     # a notebook cell that ends with it shows the page
        page.save("c.html")   # one file; open it in any browser
    """
    max_nodes, depth, precision = map(_plain_int, (max_nodes, depth, precision))
    parameter_names = _checked_options(
        "explore", root, rankdir, max_nodes, depth, precision, parameters
    )
    if max_nodes is not None:
        _refuse_if_too_large(root, max_nodes, collapse, depth)
    picture = _Picture(root, collapse, depth)
    if max_nodes is not None and len(picture.drawn) > max_nodes:  # only with collapse
        raise GraphTooLargeError(
            _too_large(
                f"{len(picture.drawn)} Value nodes to show even with collapse=True, more than "
                f"max_nodes={max_nodes}"
            )
        )
    names = _display_names(picture.order, parameter_names)  # as draw names them
    frames = _Frames(root, picture, names, precision)
    svg = _render(root, picture, names, parameter_names, rankdir, show_local_grads, frames)
    data = frames.data(picture, names)
    heading = title if title is not None else f"Stepping through {names[root]} = {root.data!r}"
    return Page(
        heading,
        _body(heading, svg, bool(data["paths"]), names[root]),
        data,
        page_script("engine", "explore.js"),
        style=_STYLE,
        height=_height(svg, frames),
    )


def step_through(root: Value, **draw_options: Any) -> Any:
    """Show the backward pass frame by frame in a notebook.

    Runs the backward pass (so, like ``backward()``, it fills the gradients).

    * With ``ipywidgets`` installed, returns a slider widget that shows frame
      ``i`` as ``draw(root, highlight=step)`` (the visited node and the edges
      to its inputs in red, the gradients as they are at that moment) and
      prints ``str(step)``.
    * Without it, returns the page of ``explore(root, **draw_options)``: the
      same backward frames (after the forward ones), stepped with buttons,
      a slider or the arrow keys, in the notebook or in a browser.

    ``draw_options`` are passed on to ``engine.draw`` (or ``explore``).
    """
    try:
        import ipywidgets
        from IPython.display import display
    except ImportError:
        page = explore(root, **draw_options)
        for _ in backward_steps(root):  # explore leaves the gradients alone; backward() does not
            pass
        return page
    from engine.draw import draw

    frames = []
    texts = []
    for step in backward_steps(root):
        frames.append(draw(root, highlight=step, **draw_options))
        texts.append(str(step))

    def show(step: int) -> None:
        display(frames[step])
        print(texts[step])

    slider = ipywidgets.IntSlider(value=0, min=0, max=len(frames) - 1, description="step")
    return ipywidgets.interactive(show, step=slider)


# -- the size check, before anything is built ------------------------------------------


def _refuse_if_too_large(root: Value, max_nodes: int, collapse: bool, depth: int | None) -> None:
    """Raise ``GraphTooLargeError`` when more than ``max_nodes`` Values would be drawn.

    Without ``collapse`` the count is exact and stops at ``max_nodes + 1``.
    With ``collapse`` a graph whose Values fit is fine; one that does not is
    judged after collapsing (by ``explore``), since neurons shrink it.
    """
    count = _count_within(root, max_nodes, depth)
    if count > max_nodes and not collapse:
        raise GraphTooLargeError(
            _too_large(f"more than {max_nodes} Value nodes to show (max_nodes={max_nodes})")
        )


def _too_large(size: str) -> str:
    """The ``GraphTooLargeError`` message of ``explore``: the ``size`` and every way out."""
    return (
        f"the graph has {size}; a page that large is slow to lay out and hard to read. Ways out:\n"
        "  - explore(root, collapse=True) shows each neuron (w·x+b and its activation) as one "
        "node\n"
        "  - explore(some_inner_value) steps through the graph below one intermediate Value\n"
        "  - explore(root, depth=3) shows only the Values within 3 operations of root\n"
        "  - explore(root, max_nodes=None) shows everything anyway (dot may take a long time)"
    )


# -- the frames ------------------------------------------------------------------------


class _Frames:
    """Every frame of the page: what is outlined, the line of text, and each box's numbers.

    ``hot[f]`` is the drawn node frame ``f`` is at (``None`` for none),
    ``lines[f]`` its text, ``status[f]`` its one-line heading. ``born[node]``
    is the frame where a box's data appears; ``grads[node]`` lists
    ``(frame, text)`` each time its gradient changes in the backward pass.
    ``backward`` is the first backward frame.
    """

    def __init__(self, root: Value, picture: _Picture, names: dict[Value, str], precision: int):
        self.precision = precision
        self.hot: list[Value | None] = []
        self.lines: list[str] = []
        self.status: list[str] = []
        self.born: dict[Value, int] = {}
        self.grads: dict[Value, list[tuple[int, str]]] = {node: [] for node in picture.drawn}
        # each drawn Value's gradient after the pass (set by _backward, which always runs)
        self.exact_grad: dict[Value, float] = {}  # pragma: no mutate (replaced before any read)
        self._forward(picture, names)
        self.backward = len(self.hot)
        self._backward(root, picture, names)

    def _add(self, hot: Value | None, line: str, status: str) -> int:
        self.hot.append(hot)
        self.lines.append(line)
        self.status.append(status)
        return len(self.hot) - 1

    def _forward(self, picture: _Picture, names: dict[Value, str]) -> None:
        """Frame 0 holds the leaves; then one frame per drawn operation, in topological order."""
        computed = [node for node in picture.drawn if picture.edges[node]]
        given = list(  # in the order they are first used, then any never used (the root)
            dict.fromkeys(
                [child for node in computed for child, _ in picture.edges[node]] + picture.drawn
            )
        )
        given = [node for node in given if not picture.edges[node]]
        described = ", ".join(f"{names[node]} = {node.data!r}" for node in given)
        cut = ", and the dashed Values, whose inputs are not drawn" if picture.cut else ""
        self._add(
            None,
            f"{described}\n(the leaves: inputs, parameters and constants{cut}; given before any "
            "operation runs)",
            f"Forward pass: {len(computed)} operations to compute, starting from the leaves",
        )
        for node in given:
            self.born[node] = 0
        inner = {neuron: z for z, neuron in picture.absorbed.items()}
        for count, node in enumerate(computed, start=1):
            lines = [_forward_line(node, names)]
            if node in inner:  # a collapsed neuron: w·x+b first, then its activation
                lines.insert(0, _forward_line(inner[node], names))
            self.born[node] = self._add(
                node,
                "\n".join(lines),
                f"Forward pass, step {count} of {len(computed)}: computing {names[node]}",
            )

    def _backward(self, root: Value, picture: _Picture, names: dict[Value, str]) -> None:
        """One frame per backward step at a drawn Value, from zero gradients; grads restored.

        A step at a Value that is not drawn (below ``depth``, or a weight inside a
        collapsed neuron) makes no frame, but what it adds to a drawn Value's
        gradient shows from the next frame on: there is always one, since that
        Value's own step comes later (it is an input of the Value stepped at).
        """
        saved = [(node, node.grad) for node in picture.order]
        drawn = picture.edges  # every drawn Value is a key
        total = sum(1 for node in picture.order if picture.absorbed.get(node, node) in drawn)
        unseen: list[tuple[Value, float]] = []  # changes made by steps without a frame
        try:
            for node in picture.order:
                node.grad = 0.0
            count = 0
            for step in backward_steps(root):
                _use_names(step, names)
                changes = [(t.input, t.grad) for t in step.inputs if t.input in drawn]
                shown = picture.absorbed.get(step.node, step.node)
                if shown not in drawn:
                    unseen += changes
                    continue
                count += 1
                frame = self._add(
                    shown,
                    str(step),
                    f"Backward pass, step {count} of {total}: at {step.name}, whose gradient "
                    f"d{step.root_name}/d{step.name} = {step.upstream!r} is now complete",
                )
                if count == 1:  # the root was seeded with 1 just before this step
                    unseen.append((root, root.grad))
                self._record(frame, unseen + changes)
                unseen = []
            self.exact_grad = {node: node.grad for node in drawn}
        finally:
            for node, grad in saved:
                node.grad = grad

    def _record(self, frame: int, changes: list[tuple[Value, float]]) -> None:
        """Note that from ``frame`` on, each Value in ``changes`` shows its new gradient."""
        for node, grad in changes:
            self.grads[node].append((frame, _short(grad, self.precision)))

    def widest_grad(self, node: Value) -> str:
        """The longest gradient text ``node`` shows in any frame (the box is laid out for it)."""
        texts = ["?", "0", *(text for _, text in self.grads[node])]
        return max(texts, key=len)

    def final_grad(self, node: Value) -> str:
        """The gradient text ``node`` shows in the last frame.

        Every drawn Value has one: the root is seeded, and every other one is
        an input of a drawn Value, whose step adds to its gradient.
        """
        return self.grads[node][-1][1]

    def data(self, picture: _Picture, names: dict[Value, str]) -> dict[str, Any]:
        """The JSON the page's script reads."""
        index = {node: i for i, node in enumerate(picture.drawn)}
        number = picture.number
        return {
            "nodes": [number[node] for node in picture.drawn],
            "inputs": [len(picture.edges[node]) for node in picture.drawn],
            "born": [self.born[node] for node in picture.drawn],
            "grads": [[list(change) for change in self.grads[node]] for node in picture.drawn],
            "backward": self.backward,
            "hot": [-1 if node is None else index[node] for node in self.hot],
            "lines": self.lines,
            "status": self.status,
            "paths": _path_views(picture, names, self),
        }


def _use_names(step: BackwardStep, names: dict[Value, str]) -> None:
    """Write ``step``'s chain rule with the page's names (a parameter's, as ``draw`` gives it).

    ``names`` has every Value of the graph (``picture.order``); both name every
    other Value alike (its label, or ``v<i>`` in topological order).
    """
    step.name = names[step.node]
    for term in step.inputs:
        term.name = names[term.input]


def _number(x: float) -> str:
    """A number in a forward line: ``repr``, in parentheses when negative (``(-3.0)**2``)."""
    return f"({x!r})" if x < 0 else repr(x)


def _forward_line(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` was computed, in symbols and in numbers: ``e = a * b = 2.0 * -3.0 = -6.0``."""
    op, inputs = node._op, node._inputs
    symbols = [names[x] for x in inputs]
    numbers = [repr(x.data) for x in inputs]
    if op in _INFIX and len(inputs) == 2:
        if op == "**":
            numbers = [_number(x.data) for x in inputs]
        formula = f"{symbols[0]} {op} {symbols[1]}"
        values = f"{numbers[0]} {op} {numbers[1]}"
    elif op.startswith("**") and len(inputs) == 1:
        formula, values = f"{symbols[0]}{op}", f"{_number(inputs[0].data)}{op}"
    elif op == "neg":
        formula, values = f"-{symbols[0]}", f"-{_number(inputs[0].data)}"
    elif op == "sum":
        formula, values = " + ".join(symbols), " + ".join(numbers)
    elif op == NEURON_OP and len(inputs) % 2 == 1:
        k = len(inputs) // 2  # inputs are (*weights, *x, bias)
        formula = " + ".join(f"{symbols[i]}*{symbols[k + i]}" for i in range(k))
        values = " + ".join(f"{numbers[i]}*{numbers[k + i]}" for i in range(k))
        formula += f" + {symbols[-1]}"
        values += f" + {numbers[-1]}"
    else:
        formula = f"{op}({', '.join(symbols)})"
        values = f"{op}({', '.join(numbers)})"
    return f"{names[node]} = {formula} = {values} = {node.data!r}"


def _path_views(picture: _Picture, names: dict[Value, str], frames: _Frames) -> dict[str, Any]:
    """For each drawn leaf: the path-sum view the page shows when it is clicked.

    The texts are those of ``engine.paths`` (``PathSum``). Paths follow the
    drawn edges (so a collapsed neuron is one step, with its edge's
    derivative); each listed path comes with the ids of the picture's
    elements it runs through, which the page highlights.

    With ``depth``, a leaf that a dashed Value depends on also has paths
    through the Values not drawn: they are not listed, and the view says that
    the backward pass adds them too.
    """
    root = picture.drawn[-1]
    number = picture.number
    index = {node: i for i, node in enumerate(picture.drawn)}

    def edges_of(node: Value) -> tuple[tuple[Value, float], ...]:
        return picture.edges[node]

    below_cut = _depended_on(picture.cut)
    views: dict[str, Any] = {}
    for leaf in picture.drawn:
        if leaf._inputs or leaf is root:
            continue
        count = count_paths(picture.drawn, root, leaf, edges_of)
        shown: list[Path] = []
        routes: list[list[int]] = []  # [n0, k0, n1, k1, ..., leaf]: numbers and input positions
        for nodes, local_grads, positions in islice(
            walk_paths(picture.drawn, root, leaf, edges_of), PAGE_PATHS
        ):
            path_names = tuple(names[n] for n in nodes)
            # (the view writes a Path's names and local derivatives; its nodes and positions
            # go into the route below)
            shown.append(Path(nodes, path_names, local_grads, positions))  # pragma: no mutate
            route = []
            for upper, position in zip(nodes, positions):
                route += [number[upper], position]
            routes.append([*route, number[leaf]])
        found = PathSum(names[root], names[leaf], shown)
        grad = frames.exact_grad[leaf]
        gradient = f"d{names[root]}/d{names[leaf]}"
        hidden = leaf in below_cut
        if count > len(shown):
            title = found.header().replace(f"the {len(shown)} paths", f"the {count:,} paths")
            products = (
                "With the paths through the dashed Values (their inputs are not drawn), the "
                "products"
                if hidden
                else "Their products"
            )
            total = (
                f"Only the first {len(shown)} of the {count:,} paths are listed. {products} "
                f"add up to {gradient} = {grad!r}, the gradient of the backward pass, which adds "
                "them without listing them."
            )
        else:
            title = found.header()
            total = found.sum_line()
            if found.total == grad:
                total += ", the gradient of the backward pass"
            elif hidden:
                total += (
                    f"; the backward pass gives {grad!r}, adding the paths through the dashed "
                    "Values too (their inputs are not drawn)"
                )
            else:
                total += (
                    f"; the backward pass gives {grad!r}, the same sum added in another order "
                    "(floats round differently)"
                )
        views[str(index[leaf])] = {
            "title": title,
            "paths": [[path.text(PAGE_PATH_EDGES), route] for path, route in zip(shown, routes)],
            "total": total,
        }
    return views


def _depended_on(cut: set[Value]) -> set[Value]:
    """Every Value that a Value of ``cut`` depends on (its inputs, theirs, and so on)."""
    found: set[Value] = set()
    pending = [child for node in cut for child in node._inputs]
    while pending:
        node = pending.pop()
        if node not in found:
            found.add(node)
            pending.extend(node._inputs)
    return found


# -- the picture -----------------------------------------------------------------------


def _render(
    root: Value,
    picture: _Picture,
    names: dict[Value, str],
    parameter_names: dict[Value, str],
    rankdir: str,
    show_local_grads: bool,
    frames: _Frames,
) -> str:
    """One Graphviz layout of the graph, as inline SVG with stable ids.

    Values are ``v<i>``, operations ``op<i>``, the edge from an operation to
    its result ``o<i>`` and the edge from its ``k``-th drawn input
    ``e<i>_<k>`` (``i`` is the topological number, as in ``draw``). Each
    box is laid out for the widest text it shows in any frame; its data and
    grad texts get the ids ``v<i>d`` and ``v<i>g`` and are centred, so the
    page can change them without moving anything.
    """
    try:
        import graphviz
    except ImportError:  # pragma: no cover - graphviz is a dependency of chainrule
        raise ImportError("engine.explore needs the graphviz Python package") from None
    number = picture.number
    graph = graphviz.Digraph(
        name="chainrule",
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
    )
    edge_label = "xlabel" if picture.edge_span > XLABEL_SPAN else "label"
    final: dict[str, tuple[str, str]] = {}
    for node in picture.drawn:
        i = number[node]
        data_text = f"data {_short(node.data, frames.precision)}"
        # (no data text is shorter than "data ?", and max keeps the first of equal lengths:
        # any other text of 6 characters there, "DATA ?", changes nothing)
        widest_data = max(data_text, "data ?", key=len)  # pragma: no mutate
        final[f"v{i}"] = (data_text, f"grad {frames.final_grad(node)}")
        graph.node(
            f"v{i}",
            id=f"v{i}",
            label=_box(
                names[node],
                _box_colour(node, root, parameter_names),
                widest_data,
                f"grad {frames.widest_grad(node)}",
                node in picture.cut,
                named=bool(node.label or parameter_names.get(node)),
            ),
            shape="none",
            margin="0",
        )
        edges = picture.edges[node]
        if not edges:
            continue
        graph.node(f"op{i}", id=f"op{i}", **_op_attrs(picture, node))
        for k, (child, local) in enumerate(edges):
            attrs = {edge_label: _short(local, frames.precision)} if show_local_grads else {}
            graph.edge(f"v{number[child]}", f"op{i}", id=f"e{i}_{k}", **attrs)
        graph.edge(f"op{i}", f"v{i}", id=f"o{i}")
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")  # pragma: no mutate ("UTF-8": the same)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            "engine.explore lays out the graph with Graphviz's 'dot' program, which is not "
            "installed: apt-get install graphviz, brew install graphviz, or conda install graphviz"
        ) from None
    return _centre_texts(inline_svg(svg), final)


def _box(name: str, colour: str, data_text: str, grad_text: str, cut: bool, named: bool) -> str:
    """A Value's box, ``name | data | grad``, with the given texts (see ``draw``'s boxes);
    a ``named`` Value (a label, or a parameter's name) has its name in bold."""
    name_cell = f"<B>{_text(name)}</B>" if named else f'<FONT COLOR="#6b7280">{name}</FONT>'
    style = ' STYLE="DASHED"' if cut else ""
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"{style} '
        f'BGCOLOR="{colour}"><TR><TD>{name_cell}</TD><TD>{_text(data_text)}</TD>'
        f"<TD>{_text(grad_text)}</TD></TR></TABLE>>"
    )


_NODE = re.compile(r'<g id="(v\d+)" class="node">\n(.*?)</g>', re.DOTALL)
_CELL = re.compile(r'<polygon fill="none"[^>]*? points="([^"]+)"/>|<text ([^>]*)>(.*?)</text>')


def _centre_texts(svg: str, final: dict[str, tuple[str, str]]) -> str:
    """Give each box's data and grad texts an id, centre them in their cells, and fill in
    the numbers of the last frame (the boxes were laid out for the widest ones)."""

    def fix(match: re.Match[str]) -> str:
        node_id, inside = match.group(1), match.group(2)
        cells: list[tuple[float, float]] = []
        texts: list[tuple[re.Match[str], float]] = []
        for part in _CELL.finditer(inside):
            if part.group(1) is not None:
                xs = [float(point.split(",")[0]) for point in part.group(1).split()]
                cells.append((min(xs), max(xs)))
            elif cells:
                low, high = cells[-1]
                texts.append((part, (low + high) / 2))
        pieces, last = [], 0
        for (part, centre), suffix, text in zip(texts[-2:], ("d", "g"), final[node_id]):
            attrs = re.sub(r'text-anchor="start" x="[^"]*"', "", part.group(2)).strip()
            pieces.append(inside[last : part.start()])
            pieces.append(
                f'<text id="{node_id}{suffix}" text-anchor="middle" x="{centre:.2f}" {attrs}>'
                f"{_html_text(text)}</text>"  # (written after the layout: not Graphviz's)
            )
            last = part.end()
        pieces.append(inside[last:])
        return f'<g id="{node_id}" class="node">\n{"".join(pieces)}</g>'

    return _NODE.sub(fix, svg)


# -- the page --------------------------------------------------------------------------


def _height(svg: str, frames: _Frames) -> int:
    """The notebook frame's height in CSS pixels: controls, picture (at most 560), texts."""
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    picture = 300.0  # pragma: no mutate (a stand-in: Graphviz always writes the size in pt)
    if size is not None:
        picture = float(size.group(2)) * 4 / 3
    lines = max(text.count("\n") + 1 for text in frames.lines)
    return int(150 + min(picture, 560) + 21 * min(lines, 12) + 120)


def _body(heading: str, svg: str, clickable: bool, root_name: str) -> str:
    """The page's HTML: heading, controls, picture, the frame's text, the path view, legend."""
    leaves = (
        "Click a leaf's box (an input, a constant or a parameter) to see every path from the "
        "output to it. "
        if clickable
        else ""
    )
    swatches = [
        (LEAF_COLOUR, "leaf (an input)"),
        (CONSTANT_COLOUR, "constant (a number that met a Value)"),
        (PARAMETER_COLOUR, "parameter"),
        (INTERIOR_COLOUR, "intermediate result"),
        (OUTPUT_COLOUR, "output"),
        (OP_COLOUR, "operation"),
        (NEURON_COLOUR, "neuron (collapsed)"),
    ]
    legend = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>{text}</span>'
        for colour, text in swatches
    )
    legend += (
        f'<span><i class="swatch" style="background:{FORWARD_COLOUR}"></i>forward: computed '
        "from these inputs</span>"
        f'<span><i class="swatch" style="background:{BACKWARD_COLOUR}"></i>backward: passes '
        "gradient along these edges</span>"
        f'<span><i class="swatch" style="background:{PATH_COLOUR}"></i>a path from the output '
        "to the clicked leaf</span>"
        "<span>edge label: the local derivative ∂u/∂x</span>"
    )
    return f"""<main>
<h1>{_html_text(heading)}</h1>
{controls("frame", '<span id="counter" class="counter"></span>')}
<div id="status" class="status"></div>
<div class="figure">{svg}</div>
<div class="box"><h2>At this step</h2><pre id="line"></pre></div>
<div id="paths" class="box" hidden><h2 id="paths-title"></h2><pre id="paths-list"></pre>
<pre id="paths-total"></pre><button id="paths-close">Close (Esc)</button></div>
<div class="legend">{legend}</div>
<p class="hint">Keys: ← → one step, Home / End the first and last frame. {leaves}
d{_html_text(root_name)}/dx is the gradient of the output {_html_text(root_name)} with respect to x,
built up by +=; ∂u/∂x is the local derivative of an operation's result u with respect to its
input x.</p>
</main>"""


_STYLE = f"""
.pending {{ opacity: .28; }}
.hot-f > polygon, .hot-f > ellipse, .hot-f.edge path {{
  stroke: {FORWARD_COLOUR}; stroke-width: 2.5px; }}
.hot-f.edge polygon {{ fill: {FORWARD_COLOUR}; stroke: {FORWARD_COLOUR}; }}
.hot-b > polygon, .hot-b > ellipse, .hot-b.edge path {{
  stroke: {BACKWARD_COLOUR}; stroke-width: 2.5px; }}
.hot-b.edge polygon {{ fill: {BACKWARD_COLOUR}; stroke: {BACKWARD_COLOUR}; }}
.hot-b.edge text {{ fill: {BACKWARD_COLOUR}; font-weight: bold; }}
svg.paths-open .node, svg.paths-open .edge {{ opacity: .25; }}
svg.paths-open .on-path {{ opacity: 1; }}
.on-path > polygon, .on-path > ellipse, .on-path.edge path {{
  stroke: {PATH_COLOUR}; stroke-width: 2.5px; }}
.on-path.edge polygon {{ fill: {PATH_COLOUR}; stroke: {PATH_COLOUR}; }}
.on-path.edge text {{ fill: {PATH_COLOUR}; font-weight: bold; }}
.clickable {{ cursor: pointer; }}
#paths-list div {{ padding: 1px 4px; border-radius: 3px; }}
#paths-list div:hover {{ background: #ede9fe; }}
#paths-total {{ margin: 6px 0; font-weight: 600; }}
"""
