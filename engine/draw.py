r"""Pictures of computation graphs, with Graphviz.

``draw(root)`` returns a ``graphviz.Digraph``: a notebook cell that ends with
it shows the picture, and ``.render()`` / ``.pipe()`` write SVG or PNG files.

Every Value is a box ``name | data | grad``; every operation is a small
ellipse of its own between its inputs and its result; the edge from an
input $x$ into the operation that makes $u$ is labelled with the local
derivative $\partial u / \partial x$ it carries back. The chain rule is then
visible: a box's grad is the sum, over its outgoing edges, of edge label
times the grad of the box that operation makes.

Legend (fill colours):

* light blue box: a leaf, i.e. an input,
* grey box with just a number: a constant (a number that met a Value, as the
  2 in ``v * 2``; see ``engine.Constant``), whose gradient nobody needs,
* yellow box: a parameter (a Value listed in ``parameters=``), named by its
  path in the model (``layers.0.neurons.1.w.0``) when the names are known,
* white box: an intermediate result,
* green box: the output, ``root``,
* grey ellipse: an operation (``+``, ``*``, ``tanh``, ``w·x+b``, ...),
* purple ellipse: a collapsed neuron (``collapse=True``),
* dashed box border: a Value whose inputs are not drawn (``depth=``),
* red: the highlighted node, its operation and the edges to its inputs.

Unlabelled Values are named ``v0``, ``v1``, ... by their position in
``engine.topological_order(root)``; the DOT node ids use the same numbers
(``v3`` for a Value, ``op3`` for the operation that made it), so the DOT
source is the same in every run and every process.
"""

from __future__ import annotations

import html
import numbers
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.backprop import topological_order
from engine.stepper import BackwardStep, _node_names
from engine.value import Constant, Value

if TYPE_CHECKING:
    import graphviz

NEURON_OP = "w·x+b"

LEAF_COLOUR = "#dbeafe"
CONSTANT_COLOUR = "#f3f4f6"
PARAMETER_COLOUR = "#fde68a"
INTERIOR_COLOUR = "#ffffff"
OUTPUT_COLOUR = "#bbf7d0"
OP_COLOUR = "#e5e7eb"
NEURON_COLOUR = "#e9d5ff"
HIGHLIGHT_COLOUR = "#d62728"


# A picture is refused above max_nodes after counting at most this many times
# max_nodes Values (a walk that stops there): the count is exact up to it.
COUNT_FACTOR = 100

# Above this total length of the drawn edges (in ranks, see _Picture.edge_span),
# edge labels become Graphviz "xlabels", placed after the layout: as ordinary
# labels they would make dot's layout take minutes (a Value reused by every
# node of a long chain, as in a*a*...*a, has edges spanning the whole picture).
XLABEL_SPAN = 500


class GraphTooLargeError(ValueError):
    """Raised by ``draw`` when the graph has more Value nodes than ``max_nodes``."""


Edge = tuple[Value, float]


def _html_text(value: object) -> str:
    """``value`` as text safe in HTML or SVG written directly (not laid out by Graphviz).

    ``&``, ``<`` and ``>`` become entities; characters that are not
    printable (newlines, control characters) are shown as Python escapes.
    """
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return html.escape(text, quote=False)  # pragma: no mutate (quote=None: false too)


def _text(value: object) -> str:
    """``value`` as text safe inside a Graphviz HTML-like label, drawn as written.

    As ``_html_text``, and a backslash is doubled: in a label Graphviz reads
    ``\\N``, ``\\G``, ``\\E`` as the node's, graph's or edge's name
    (``C:\\Net`` would be drawn ``C:v1et``) and ``\\\\`` as one backslash.
    """
    return _html_text(value).replace("\\", "\\\\")


def _plain_int(x: object) -> object:
    """A numpy integer as an int (so it passes the checks as one); anything else as it is."""
    if (
        isinstance(x, numbers.Integral)
        and not isinstance(x, bool)
        and type(x) is not int  # pragma: no mutate (a fast path: int() of an int is that int)
    ):
        return int(x)
    return x


def _short(x: float, precision: int) -> str:
    """``x`` to ``precision`` significant digits (the exact value is in the tooltip)."""
    return f"{x:.{precision}g}"


def _neuron_inputs(z: Value) -> tuple[Edge, ...] | None:
    """The data inputs of a ``w·x+b`` node with their local derivatives (the weights).

    ``weighted_sum`` stores its inputs as ``(*weights, *inputs, bias)`` with
    local derivatives ``(*inputs, *weights, 1)``; the data inputs are the
    middle third: after the ``k`` weights, before the bias. ``None`` if ``z`` is
    not such a node.
    """
    count = len(z._inputs)
    if z._op != NEURON_OP or count % 2 != 1:
        return None
    k = count // 2
    return tuple(zip(z._inputs[k:-1], z._local_grads[k:-1]))


class _Picture:
    """Which Values to draw and which edges lead into each (collapsed or not).

    ``edges[node]`` lists ``(input, local derivative)`` for every drawn input
    edge of ``node``; ``ops[node]`` is the text of its operation node.
    ``absorbed`` maps a hidden ``w·x+b`` node to the neuron that shows it.
    """

    def __init__(
        self, root: Value, collapse: bool, depth: int | None, limit: int | None = None
    ) -> None:
        self.order = topological_order(root)
        self.number = {node: i for i, node in enumerate(self.order)}
        self.absorbed: dict[Value, Value] = {}
        self.neurons: set[Value] = set()
        uses: dict[Value, int] = {}
        if collapse:
            for node in self.order:
                for child in node._inputs:
                    uses[child] = uses.get(child, 0) + 1
        # breadth-first from the root over the edges that are drawn, so that
        # distance[node] is the fewest operations between node and root
        self.edges: dict[Value, tuple[Edge, ...]] = {}
        self.ops: dict[Value, str] = {}
        self.cut: set[Value] = set()  # drawn, but inputs left out (depth)
        distance = {root: 0}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            edges, op = self._edges_of(node, collapse, uses)
            if edges and depth is not None and distance[node] >= depth:
                self.cut.add(node)
                edges = ()
            self.edges[node] = edges
            self.ops[node] = op
            for child, _ in edges:
                if child not in distance:
                    distance[child] = distance[node] + 1
                    queue.append(child)
            if limit is not None and len(distance) > limit:
                self.drawn = list(self.edges)  # too many already: no need to lay it out
                self.too_many = True
                return
        self.too_many = False  # pragma: no mutate (read only as true or false: None is false)
        self.drawn = sorted(self.edges, key=self.number.__getitem__)
        # An estimate of dot's layout: the longest-path rank of every drawn
        # result (its op node one rank before it), each input without drawn
        # edges of its own one rank before its first user; edge_span is the
        # number of ranks all the edges cross in total.
        rank: dict[Value, int] = {}
        users: dict[Value, list[int]] = {}
        for node in self.drawn:
            edges = self.edges[node]
            # (no mutate: another default shifts every rank alike; a span is a difference)
            op_rank = 1 + max((rank[child] for child, _ in edges), default=-1)  # pragma: no mutate
            rank[node] = op_rank + 1
            for child, _ in edges:
                users.setdefault(child, []).append(op_rank)
        self.edge_span = 0
        for child, op_ranks in users.items():
            start = rank[child] if self.edges[child] else min(op_ranks) - 1
            self.edge_span += sum(op_rank - start for op_rank in op_ranks)

    def _edges_of(
        self, node: Value, collapse: bool, uses: dict[Value, int]
    ) -> tuple[tuple[Edge, ...], str]:
        """The drawn input edges of ``node`` and the text of its operation."""
        if collapse:
            if len(node._inputs) == 1 and uses.get(node._inputs[0]) == 1:
                # activation(w·x+b) as one neuron: d out/d x_i = act'(z) * w_i
                z, slope = node._inputs[0], node._local_grads[0]
                inner = _neuron_inputs(z)
                if inner is not None:
                    self.absorbed[z] = node
                    self.neurons.add(node)
                    edges = tuple((x, slope * w) for x, w in inner)
                    return edges, f"{NEURON_OP} → {node._op}"
            inner = _neuron_inputs(node)
            if inner is not None:  # a neuron without activation
                self.neurons.add(node)
                return inner, NEURON_OP
        return tuple(zip(node._inputs, node._local_grads)), node._op


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    highlight: BackwardStep | Value | None = None,
    max_nodes: int | None = 300,
    image_format: str = "svg",  # pragma: no mutate ("SVG" too: graphviz writes it lower-case)
    *,
    parameters: Iterable[Value] | Iterable[tuple[str, Value]] | object | None = None,
    collapse: bool = False,
    depth: int | None = None,
    precision: int = 4,
) -> graphviz.Digraph:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    * ``rankdir``: ``"LR"`` (inputs on the left) or ``"TB"``, ``"RL"``, ``"BT"``.
    * ``show_grad``: show each Value's ``grad`` next to its ``data``.
    * ``show_local_grads``: label each input edge with its local derivative.
      In a graph whose edges are very long in total (a Value reused all along a
      long chain) the labels are Graphviz ``xlabel``s, placed after the layout,
      because ordinary edge labels would make ``dot`` take minutes.
    * ``highlight``: a ``BackwardStep`` (from ``backward_steps``) or a Value;
      that node, its operation and the edges to its inputs are drawn in red.
      A step also adds its chain rule (``str(step)``) as a caption.
    * ``max_nodes``: refuse (``GraphTooLargeError``) to draw more Values than
      this; ``None`` draws any size.
    * ``image_format``: the output format of ``.render()`` / ``.pipe()`` (the
      Digraph's ``format``, e.g. ``"svg"``, ``"png"``).
    * ``parameters``: Values to colour as parameters: ``model.parameters()``,
      or with their names, ``model.named_parameters()``, a ``{name: Value}``
      dict or the model itself (anything with ``named_parameters()``); an
      unlabelled parameter is then shown by its name (``layers.0.neurons.1.w.0``).
    * ``collapse``: draw each neuron, ``w·x+b`` with its activation, as one
      node whose inputs are the neuron's inputs (its weights and bias are
      folded in; the edge labels are $\\partial\\,\\text{out}/\\partial x_i$).
    * ``depth``: draw only the Values within ``depth`` operations of ``root``.
    * ``precision``: significant digits of the numbers shown; hover over a
      box (SVG) for the exact ``data`` and ``grad``.

    See the module docstring for the colour legend.

    >>> from engine import Value
    >>> a = Value(2.0, label="a")
    >>> print(draw(a * 3).source.splitlines()[0])
    digraph chainrule {
    """
    max_nodes, depth, precision = map(_plain_int, (max_nodes, depth, precision))
    parameter_names = _checked_options(
        "draw", root, rankdir, max_nodes, depth, precision, parameters
    )
    parameter_set = set(parameter_names)
    if highlight is not None and not isinstance(highlight, (BackwardStep, Value)):
        raise TypeError(
            "draw: highlight must be a BackwardStep (from backward_steps) or a Value, "
            f"got {type(highlight).__name__}"
        )

    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "engine.draw needs the graphviz Python package and the Graphviz 'dot' program: "
            "pip install graphviz, and install Graphviz itself "
            "(apt-get install graphviz, brew install graphviz, or conda install graphviz)"
        ) from None

    if max_nodes is not None and not collapse:  # count first, building nothing
        count = _count_within(root, COUNT_FACTOR * max_nodes, depth)
        if count > max_nodes:
            message = _too_large_message(  # pragma: no mutate (collapse is False: None is too)
                root, count, max_nodes, collapse, depth
            )
            raise GraphTooLargeError(message)
    picture = _Picture(root, collapse, depth, max_nodes)
    if picture.too_many:  # (only with collapse: the count of drawn neurons needs the picture)
        message = _too_large_message(  # pragma: no mutate (with collapse, root and depth go unread)
            root, len(picture.drawn), max_nodes, collapse, depth
        )
        raise GraphTooLargeError(message)

    names = _display_names(picture.order, parameter_names)
    number = picture.number
    target = highlight.node if isinstance(highlight, BackwardStep) else highlight
    if target is not None and target not in picture.number:
        raise ValueError(
            "draw: highlight is not part of the graph of root "
            "(use a step of backward_steps(root), or a Value root depends on)"
        )
    target = picture.absorbed.get(target, target)
    edge_label = "xlabel" if picture.edge_span > XLABEL_SPAN else "label"

    graph = graphviz.Digraph(
        name="chainrule",
        format=image_format,
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
    )
    for node in picture.drawn:
        i = number[node]
        hot = node is target
        colour = _box_colour(node, root, parameter_set)
        cut = node in picture.cut
        constant = isinstance(node, Constant) and node is not root
        named = bool(node.label or parameter_names.get(node))
        graph.node(
            f"v{i}",
            label=_value_label(
                node,
                names[node],
                colour,
                show_grad and not constant,
                precision,
                hot,
                cut,
                named=named,
                constant=constant,
            ),
            shape="none",
            margin="0",
            tooltip=f"constant {node.data!r}"
            if constant
            else f"data={node.data!r}, grad={node.grad!r}",
        )
        edges = picture.edges[node]
        if not edges:
            continue
        op_attrs = _op_attrs(picture, node)
        if hot:
            op_attrs.update(color=HIGHLIGHT_COLOUR, penwidth="2.5")
        graph.node(f"op{i}", **op_attrs)
        for child, local in edges:
            edge_attrs = {edge_label: _short(local, precision)} if show_local_grads else {}
            if hot:
                edge_attrs.update(
                    color=HIGHLIGHT_COLOUR, fontcolor=HIGHLIGHT_COLOUR, penwidth="2.5"
                )
            graph.edge(f"v{number[child]}", f"op{i}", **edge_attrs)
        if hot:
            graph.edge(f"op{i}", f"v{i}", color=HIGHLIGHT_COLOUR, penwidth="2.5")
        else:
            graph.edge(f"op{i}", f"v{i}")
    if isinstance(highlight, BackwardStep):
        lines = [_text(line) for line in str(highlight).splitlines()]
        caption = f"step {highlight.index}: " + '<BR ALIGN="LEFT"/>'.join(lines)
        graph.attr(label=f'<{caption}<BR ALIGN="LEFT"/>>', labelloc="b", labeljust="l")
        graph.attr(fontname="Courier", fontsize="11")
    return graph


def _checked_options(
    who: str,
    root: Value,
    rankdir: str,
    max_nodes: int | None,
    depth: int | None,
    precision: int,
    parameters: object,
) -> dict[Value, str]:
    """Check the options ``draw`` and ``engine.explore`` share; return the parameters with
    their names (``_parameter_names``).

    ``who`` names the function in the error messages.
    """
    if not isinstance(root, Value):
        raise TypeError(f"{who} expects a Value, got {type(root).__name__}: {root!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"{who}: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"{who}: max_nodes must be an int or None, got {max_nodes!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"{who}: max_nodes must be at least 1 (or None), got {max_nodes!r}")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"{who}: depth must be an int >= 0 or None, got {depth!r}")
    if not isinstance(precision, int) or precision < 1:
        raise ValueError(f"{who}: precision must be an int >= 1, got {precision!r}")
    return _parameter_names(parameters, who)


def _box_colour(node: Value, root: Value, parameter_set: set[Value]) -> str:
    """The fill of a Value's box: output, parameter, constant, leaf or intermediate (see the
    legend)."""
    if node is root:
        return OUTPUT_COLOUR
    if node in parameter_set:
        return PARAMETER_COLOUR
    if isinstance(node, Constant):
        return CONSTANT_COLOUR
    if not node._inputs:
        return LEAF_COLOUR
    return INTERIOR_COLOUR


def _op_attrs(picture: _Picture, node: Value) -> dict[str, str]:
    """The Graphviz attributes of the ellipse for the operation that made ``node``."""
    return {
        "label": f"<{_text(picture.ops[node])}>",
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": NEURON_COLOUR if node in picture.neurons else OP_COLOUR,
        "margin": "0.05,0.02",
        "height": "0.3",
    }


def _value_label(
    node: Value,
    name: str,
    colour: str,
    show_grad: bool,
    precision: int,
    hot: bool,
    cut: bool,
    *,
    named: bool,
    constant: bool,
) -> str:
    """The HTML-like label of a Value's box: ``name | data ... | grad ...``.

    A constant's box holds just its number; a named node (a label, or a
    parameter's name) shows its name in bold, others their grey ``v<i>``.
    """
    name_cell = f"<B>{_text(name)}</B>" if named else f'<FONT COLOR="#6b7280">{name}</FONT>'
    cells = [name_cell, f"data {_short(node.data, precision)}"]
    if constant:
        cells = [_short(node.data, precision)]
    if show_grad:
        cells.append(f"grad {_short(node.grad, precision)}")
    row = "".join(f"<TD>{cell}</TD>" for cell in cells)
    border = f' BORDER="2" COLOR="{HIGHLIGHT_COLOUR}"' if hot else ' BORDER="0"'
    style = ' STYLE="DASHED"' if cut else ""
    return (
        f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"'
        f'{style} BGCOLOR="{colour}"><TR>{row}</TR></TABLE>>'
    )


def _display_names(order: list[Value], parameter_names: dict[Value, str]) -> dict[Value, str]:
    """Each node's name in a picture: its label, else its parameter name, else ``v<i>``."""
    names = _node_names(order)
    for node, name in parameter_names.items():
        if name and not node.label and node in names:
            names[node] = name
    return names


def _parameter_names(parameters: object, who: str) -> dict[Value, str]:
    """``{Value: name}`` from ``draw``'s ``parameters=`` (names ``""`` where none are given).

    Accepts Values, ``(name, Value)`` pairs, a ``{name: Value}`` mapping, or
    anything with a ``named_parameters()`` method (an ``nn`` model).
    """
    if parameters is None:
        return {}
    if hasattr(parameters, "named_parameters"):
        parameters = parameters.named_parameters()
    elif isinstance(parameters, dict):
        parameters = parameters.items()
    named: dict[Value, str] = {}
    for item in parameters:  # type: ignore[attr-defined]
        if isinstance(item, Value):
            named.setdefault(item, "")  # pragma: no mutate (None: no name either, as "")
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Value):
            named[item[1]] = str(item[0])
        else:
            raise TypeError(
                f"{who}: parameters must be Values or (name, Value) pairs (e.g. "
                f"model.named_parameters()), got {type(item).__name__}: {item!r}"
            )
    return named


def _count_within(root: Value, limit: int, depth: int | None) -> int:
    """How many Values a picture of ``root`` holds (within ``depth`` operations).

    A breadth-first walk over the inputs that stops as soon as it has seen
    more than ``limit`` Values: a huge graph costs no more than that
    (``draw`` and ``engine.explore`` count this way before building anything).
    """
    seen = {root}
    frontier = [root]
    level = 0
    while frontier and (depth is None or level < depth):
        reached = []
        for node in frontier:
            for child in node._inputs:
                if child not in seen:
                    seen.add(child)
                    reached.append(child)
                    if len(seen) > limit:
                        return len(seen)
        frontier = reached
        level += 1
    return len(seen)


def _too_large_message(
    root: Value, count: int, max_nodes: int, collapse: bool, depth: int | None
) -> str:
    """The ``GraphTooLargeError`` text: the size, and every way out."""
    exact = count <= COUNT_FACTOR * max_nodes
    ways = []
    if not collapse:
        way = "draw(root, collapse=True) draws each neuron (w·x+b and its activation) as one node"
        if exact:  # small enough to find out how many nodes that would be
            collapsed = _Picture(root, True, depth, max_nodes)
            size = f"more than {max_nodes}" if collapsed.too_many else str(len(collapsed.drawn))
            way += f" ({size} nodes here)"
        ways.append(way)
    ways += [
        "draw(some_inner_value) draws the graph below one intermediate Value",
        "draw(root, depth=3) draws only the Values within 3 operations of root",
        "draw(root, max_nodes=None) draws everything anyway (dot may take a long time)",
    ]
    if not exact:  # the count stopped there
        size = f"more than {COUNT_FACTOR * max_nodes:,}"
    elif collapse:  # the collapsed picture stopped counting past max_nodes
        size = f"more than {max_nodes}"
    else:
        size = str(count)
    return (
        f"the graph has {size} Value nodes to draw, more than max_nodes={max_nodes}; "
        "a picture that large is slow to lay out and hard to read. Ways out:\n"
        + "\n".join(f"  - {way}" for way in ways)
    )
