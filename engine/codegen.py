r"""Writing a traced training step out as Python: the chain rule, one line per edge.

``write_step`` turns the traced graph of one example (``engine.tracing.Graph``)
into the source of one function that runs a whole batch:

* **once per step**: the parameters' numbers into local variables (``p0``,
  ``p1``, ...) and their gradients into accumulators (``gp0``, ...);
* **for each example**: the **forward** pass, every node's value in
  topological order (``v7`` is node 7, numbered as ``engine.draw`` numbers
  it); then the **backward** pass, every gradient $\partial L / \partial v_7$
  as ``g7``, in reverse order, each line adding *local derivative times
  gradient* (``g6 += d7 * g7``) exactly where ``engine.backprop`` adds
  ``child.grad += local * upstream``;
* **once per step** again: the ``extra`` term's forward and backward passes
  (its nodes are ``e3``, ``ge3``), after every example, as the eager backward
  pass reaches them last.

The same floats in the same order: every gradient starts at 0.0 and collects
its terms in the order the eager backward pass adds them, and the parameters'
accumulators carry on from ``p.grad`` across examples in the order the eager
pass visits the batch's graph (example 0 first). A node whose gradient is 0
passes nothing on (``if g7:``), as in ``engine.backprop``. There the skip also
requires every local derivative to be finite (``0 * inf`` is NaN); here one
check per example (the sum of their squares below 1e300) proves it for all of
them at once, and where it fails the function returns ``None`` and the step
runs eagerly.

Every name in the code is made here (``x0``, ``y``, ``p3``, ``v7``, ``g7``);
numbers are written by ``templates.number``; labels appear only in comments,
through ``ascii()``, on one line. The same graphs always give the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.templates import RULES, TERMS_PER_STATEMENT, Derivative, Names, Rule, number
from engine.tracing import Graph, Kind, Node

#: Variables per line where a statement lists many of them.
NAMES_PER_LINE = 12


@dataclass(frozen=True)
class Program:
    """One traced example's graph, and the label it was written for.

    ``label`` is ``None`` when the code did not read the label: the program
    then serves every example, with the label as a variable. Otherwise it
    serves the examples with exactly that label, written in as a number.
    """

    graph: Graph
    label: tuple[float, ...] | None


@dataclass(frozen=True)
class Layout:
    """The shape of a batch: inputs per example, and how many numbers a label has.

    ``label_size`` is ``None`` for a label that is one number (``y``), else the
    length of a label list (``y0``, ``y1``, ...).
    """

    inputs: int
    label_size: int | None
    parameter_count: int
    aux: bool


def write_step(
    programs: Sequence[Program], extra: Graph | None, layout: Layout, heading: str
) -> tuple[str, list[int]]:
    """The source of ``compiled_step``, and the indices of the parameters it uses.

    ``compiled_step(params, grads, X, Y, keys, seed)`` takes the used
    parameters' numbers and gradients (in the order returned), the batch, the
    index of each example's program in ``keys`` (when there are several), and
    $\\partial L / \\partial \\text{loss}_i$ as ``seed``. It returns ``(losses,
    outputs, extra_value, gradients)``, or ``None`` where a local derivative is
    too large or not finite for the zero-gradient skip to be exact. (The
    caller checks the parameters, in one C-level pass per step.)
    """
    graphs = [program.graph for program in programs] + ([extra] if extra else [])
    used = sorted({n.index for graph in graphs for n in graph.nodes if n.kind is Kind.PARAMETER})
    p = [f"p{i}" for i in used]
    out = _Lines()
    out.add(*(f"# {line}".rstrip() for line in heading.splitlines()))
    out.add("", "", "def compiled_step(params, grads, X, Y, keys, seed):")
    out.indent += 1
    out.add("# -- once per step: the parameters, and their gradients so far (p.grad) --")
    out.assign(p, "params")
    labels = _parameter_labels(graphs, used)
    if labels:
        out.add(f"# {labels}")
    out.assign([f"g{name}" for name in p], "grads")
    extra_value = "0.0"
    extra_part = None if extra is None else _Part(extra, None, None, prefix="e")
    if extra_part is not None:
        extra_value = _write_extra_forward(out, extra_part)
    out.add("losses = []", "outputs = []" if layout.aux else "outputs = None")
    out.add("for example, (x, y, key) in enumerate(zip(X, Y, keys)):")
    out.indent += 1
    if layout.inputs:
        out.assign([f"x{i}" for i in range(layout.inputs)], "x")
    for i, program in enumerate(programs):
        if program.label is None:
            if layout.label_size is not None:
                out.assign([f"y{j}" for j in range(layout.label_size)], "y")
            _write_example(out, _Part(program.graph, program.label, layout.label_size), layout)
            continue
        shown = ", ".join(map(repr, program.label))
        out.add(f"{'if' if i == 0 else 'elif'} key == {i}:  # the examples labelled {shown}")
        out.indent += 1
        _write_example(out, _Part(program.graph, program.label, layout.label_size), layout)
        out.indent -= 1
    out.indent -= 1
    if extra_part is not None:
        _write_extra_backward(out, extra_part)
    out.add(f"gradients = ({''.join(f'g{n}, ' for n in p)})")
    out.add(f"return losses, outputs, {extra_value}, gradients")
    return out.text(), used


# -- one example ---------------------------------------------------------------------


class _Part:
    """A graph with its names, rules and which gradients matter, worked out once.

    ``names[n]`` is the expression for node ``n``'s value (``x0``, ``y``,
    ``p3``, ``v7``, or a number); ``rules[n]`` an operation's rule, written for
    those names; ``needs[n]`` whether node ``n``'s gradient matters: a
    parameter's, or that of an operation on one.
    """

    def __init__(
        self, graph: Graph, label: tuple[float, ...] | None, label_size: int | None, prefix="v"
    ) -> None:
        self.graph = graph
        self.names: dict[int, str] = {}
        for n in graph.nodes:
            if n.kind is Kind.INPUT:
                name = f"x{n.index}"
            elif n.kind is Kind.LABEL:
                if label is not None:
                    name = number(label[n.index])
                else:
                    name = "y" if label_size is None else f"y{n.index}"
            elif n.kind is Kind.PARAMETER:
                name = f"p{n.index}"
            elif n.kind is Kind.CONSTANT:
                name = number(n.value.data)
            else:  # an operation, or a detached copy of one
                name = f"{prefix}{n.number}"
            self.names[n.number] = name
        self.rules: dict[int, Rule] = {}
        self.needs: dict[int, bool] = {}
        for n in graph.nodes:  # inputs come before the nodes made from them
            self.needs[n.number] = n.kind is Kind.PARAMETER or (
                n.kind is Kind.OPERATION and any(self.needs[i] for i in n.inputs)
            )
            if n.kind is Kind.OPERATION:
                value = self.names[n.number]
                inputs = tuple(self.names[i] for i in n.inputs)
                local = "d" + value[1:] if value.startswith("v") else "d" + value
                self.rules[n.number] = RULES[n.rule](Names(value, inputs, local, n.value._op))


def _write_example(out: _Lines, part: _Part, layout: Layout) -> None:
    """One example's forward pass, its loss (and outputs), the check, its backward pass."""
    graph, names = part.graph, part.names
    out.add("# forward: each node's value, in topological order")
    _write_forward(out, part)
    out.add(f"losses.append({names[graph.root]})")
    if layout.aux:
        shown = [names[i] for i in graph.outputs]
        out.add(f"outputs.append({shown[0] if len(shown) == 1 else '[' + ', '.join(shown) + ']'})")
    if not part.needs[graph.root]:
        return  # the loss does not depend on any parameter: nothing to propagate
    out.check(_checked(part), "a local derivative is infinite or huge")
    out.add("# backward: dL/d(node) for each node, in reverse order")
    _write_backward(out, part, seed="seed", next_example=True)


def _write_forward(out: _Lines, part: _Part) -> None:
    """Each operation's value (and named derivatives), each input before the nodes using it."""
    names, rules = part.names, part.rules
    for n in _forward_order(part.graph):
        if n.kind is Kind.OPERATION:
            rule = rules[n.number]
            first, *rest = rule.forward
            out.add(_commented(first, rule.title + _label(n)), *rest)
        elif n.kind is Kind.DETACHED:
            (source,) = n.inputs
            copy = f"{names[n.number]} = {names[source]}"
            out.add(_commented(copy, "detach: this number, a constant for the gradient"))


def _forward_order(graph: Graph) -> list[Node]:
    """The nodes in the order of their numbers, except that a node comes after its inputs.

    The numbers already are such an order, but for a detached leaf, numbered
    with the root's graph and copying a node numbered after it.
    """
    done: set[int] = set()
    order: list[Node] = []
    for start in graph.nodes:
        stack = [start]
        while stack:  # depth first, iteratively: inputs first
            n = stack[-1]
            if n.number in done:
                stack.pop()
                continue
            waiting = [graph.nodes[i] for i in n.inputs if i not in done]
            if waiting:
                stack.extend(waiting)
            else:
                done.add(n.number)
                order.append(stack.pop())
    return order


def _backward_nodes(graph: Graph, needs: dict[int, bool]) -> list[Node]:
    """The operations that pass a gradient on, in the eager backward pass's order.

    That is the reverse of the topological order of the root's graph (outputs
    computed besides the loss have no gradient).
    """
    loss_graph = graph.nodes[: graph.root + 1]
    return [n for n in reversed(loss_graph) if n.kind is Kind.OPERATION and needs[n.number]]


def _checked(part: _Part) -> list[str]:
    """The terms of the finiteness check: ``v3 * v3`` for each local derivative, or ``v8``.

    Every derivative of a node that passes a gradient on, as ``engine.backprop``
    tests all of a node's local derivatives before it skips it; not those that
    are finite whatever the numbers, nor parameters (checked once per step).
    A derivative that is a value its rule says is never negative (a relu's
    output) enters as it is: a sum of such numbers bounds each of them too.
    """
    nonnegative = {part.names[number] for number, rule in part.rules.items() if rule.nonnegative}
    terms: list[str] = []
    for n in _backward_nodes(part.graph, part.needs):
        for derivative in part.rules[n.number].derivatives:
            code = derivative.code
            if derivative.finite or _is_parameter(code) or _is_finite_number(code):
                continue
            term = code if code in nonnegative else f"{code} * {code}"
            if term not in terms:
                terms.append(term)
    return terms


def _write_backward(out: _Lines, part: _Part, seed: str, next_example: bool = False) -> None:
    """Every gradient, from the root's (``seed``) down, in the eager backward pass's order.

    A node is skipped when its gradient is 0 (``if g7:``). Where every
    gradient still to come must pass through one node (a *cut*: the output
    neuron of a network, the hinge loss's relu), a zero gradient there means
    none below gets one, and ``next_example`` moves on at once (``if not g7:
    continue``). Each gradient is set to 0.0 just before the part of the code
    that first adds to it, so an example that stops early sets few.
    """
    names, rules, needs = part.names, part.rules, part.needs
    nodes = _backward_nodes(part.graph, needs)
    position = {n.number: i for i, n in enumerate(nodes)}
    first_use: dict[int, int] = {}
    for i, n in enumerate(nodes):
        for j in n.inputs:
            if j in position and j not in first_use:
                first_use[j] = i
    cuts = _cuts(nodes, position) if next_example else set()
    segments = sorted({0, *(position[c] for c in cuts), len(nodes)})
    root_gradient = _gradient(names[nodes[0].number])
    for start, end in zip(segments, segments[1:]):
        n = nodes[start]
        g = _gradient(names[n.number])
        if start == 0:
            out.add(_commented(f"{root_gradient} = {seed}", "dL/d(this loss)"))
        else:
            out.add(_commented(f"if not {g}:", f"no gradient passes below v{n.number}:"))
            out.add("    continue  # the next example")
        starting = [m for m, i in first_use.items() if start <= i < end]
        out.assign_all([_gradient(names[m]) for m in sorted(starting, reverse=True)], "0.0")
        for i in range(start, end):
            n = nodes[i]
            g = _gradient(names[n.number])
            rule = rules[n.number]
            edges = [
                _edge(rule, names[n.number], names[j], derivative, g)
                for j, derivative in zip(n.inputs, rule.derivatives, strict=True)
                if needs[j]
            ]
            if i == start:  # the root, whose gradient is not 0, or a cut, checked above
                out.add(*edges)
            else:
                out.add(f"if {g}:")
                out.indent += 1
                out.add(*edges)
                out.indent -= 1


def _cuts(nodes: list[Node], position: dict[int, int]) -> set[int]:
    """The nodes every later gradient must pass through, in backward order.

    After the nodes before it have passed their gradients on, node ``n`` is a
    cut when every edge still open (from a processed node into a node not yet
    processed) leads into ``n``.
    """
    cuts = set()
    open_edges: dict[int, int] = {}  # node number -> edges leading into it, not yet processed
    for i, n in enumerate(nodes):
        if i > 0 and set(open_edges) == {n.number}:
            cuts.add(n.number)
        open_edges.pop(n.number, None)
        for j in n.inputs:
            if j in position:
                open_edges[j] = open_edges.get(j, 0) + 1
    return cuts


def _edge(rule: Rule, value: str, input_name: str, derivative: Derivative, g: str) -> str:
    """``g_input += d(value)/d(input) * g_value``, commented with the formula."""
    term = g if derivative.code == "1.0" else f"{derivative.code} * {g}"
    comment = f"{rule.title}: d{value}/d{input_name} = {derivative.math}"
    return _commented(f"{_gradient(input_name)} += {term}", comment)


def _gradient(name: str) -> str:
    """The gradient variable of a value variable: ``v7``: ``g7``, ``p3``: ``gp3``."""
    return "g" + name[1:] if name.startswith("v") else "g" + name


# -- the extra term -------------------------------------------------------------------


def _write_extra_forward(out: _Lines, part: _Part) -> str:
    """``extra()``'s forward pass, once per step; the expression for its value."""
    extra = part.graph
    root = extra.nodes[extra.root]
    if root.kind is Kind.PARAMETER:  # extra() returned a parameter itself
        out.add(_commented(f"gp{root.index} += 1.0", "dL/d(extra) = 1, before any example"))
        return part.names[extra.root]
    out.add("# -- once per step: extra()'s forward pass ------------------------------")
    _write_forward(out, part)
    if part.needs[extra.root]:
        out.check(_checked(part), "a local derivative is infinite or huge")
    return part.names[extra.root]


def _write_extra_backward(out: _Lines, part: _Part) -> None:
    """``extra()``'s backward pass, after every example, as the eager pass reaches it last."""
    extra = part.graph
    if extra.nodes[extra.root].kind is not Kind.OPERATION or not part.needs[extra.root]:
        return
    out.add("# -- once per step: extra()'s backward pass, after every example --------")
    _write_backward(out, part, seed="1.0")


# -- text -------------------------------------------------------------------------------


def _parameter_labels(graphs: list[Graph], used: list[int]) -> str:
    """``p0 'w.0', p1 'w.1', ...`` for up to a dozen labelled parameters (escaped); else ''."""
    values = {n.index: n.value for graph in graphs for n in graph.nodes if n.kind is Kind.PARAMETER}
    if len(used) > NAMES_PER_LINE or not any(values[i].label for i in used):
        return ""
    return ", ".join(f"p{i} {ascii(values[i].label)[:24]}" for i in used if values[i].label)


def _label(n: Node) -> str:
    """A node's label for a comment: escaped to ASCII on one line, at most 40 characters."""
    if not n.value.label:
        return ""
    text = ascii(n.value.label)
    return f" {text[:40]}{'...' if len(text) > 40 else ''}"


def _commented(code: str, comment: str) -> str:
    """``code`` with a comment, aligned in a column where the code is short."""
    return f"{code:<44}  # {comment}"


def _is_parameter(code: str) -> bool:
    return code.startswith("p") and code[1:].isdigit()


def _is_finite_number(code: str) -> bool:
    text = code.strip("()")
    return text not in ("inf", "-inf", "nan") and text[:1] in "-0123456789."


class _Lines:
    """Source lines at an indentation level, with a few statements that list many names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.indent = 0

    def add(self, *lines: str) -> None:
        for line in lines:
            for physical in line.split("\n"):
                self.lines.append(("    " * self.indent + physical).rstrip() if physical else "")

    def assign(self, names: list[str], source: str) -> None:
        """``(a, b, ...) = source``, wrapped."""
        if not names:
            return
        for i, line in enumerate(_rows(names, ", ")):
            self.add(("(" if i == 0 else "    ") + line)
        self.lines[-1] += f"{',' if len(names) == 1 else ''}) = {source}"

    def assign_all(self, names: list[str], value: str) -> None:
        """``a = b = ... = value``, a line per dozen names."""
        for start in range(0, len(names), NAMES_PER_LINE):
            self.add(" = ".join(names[start : start + NAMES_PER_LINE]) + f" = {value}")

    def check(self, terms: list[str], why: str) -> None:
        """``if not a * a + v8 + ... < 1e300: return None``, the test the zero-gradient skip needs.

        The terms are squares, or numbers never below 0: their sum is below
        1e300 only if each one is, so every local derivative is finite and
        below 1e300, and so is the sum of any node's (a sum of fewer than 1e8
        of them). A NaN fails the test too. Long sums go in pieces, so that no
        expression nests too deeply.
        """
        if not terms:
            return
        self.add(f"# {why}? then skipping a zero gradient is not exact")
        if len(terms) <= TERMS_PER_STATEMENT:
            rows = _rows(terms, " + ")
            if len(rows) == 1:
                self.add(f"if not {rows[0]} < 1e300:")
            else:
                self.add("if not (", *(f"    {row}" for row in rows), ") < 1e300:")
        else:
            for start in range(0, len(terms), TERMS_PER_STATEMENT):
                rows = _rows(terms[start : start + TERMS_PER_STATEMENT], " + ")
                target = "magnitude = (" if start == 0 else "magnitude += ("
                self.add(target + rows[0], *(f"    {row}" for row in rows[1:]))
                self.lines[-1] += ")"
            self.add("if not magnitude < 1e300:")
        self.indent += 1
        self.add("return None  # the whole step runs eagerly instead")
        self.indent -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _rows(items: list[str], joint: str) -> list[str]:
    """``items`` joined by ``joint``, broken into rows of about 80 characters."""
    rows, row = [], ""
    for item in items:
        piece = item if not row else f"{joint}{item}"
        if row and len(row) + len(piece) > 80:
            rows.append(row + joint.rstrip())
            row = item
        else:
            row += piece
    rows.append(row)
    return [r.rstrip() for r in rows]
