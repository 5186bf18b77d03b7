r"""Writing a traced training step out as Python: the chain rule, one line per edge.

``write_step`` turns the traced graph of one example (``engine.tracing.Graph``)
into the source of one function that runs a whole batch:

* **once per step**: the parameters' numbers into local variables (``p0``,
  ``p1``, ...) and their gradients into accumulators (``gp0``, ...); then a
  bound on the size of every number the examples can reach (below);
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
requires every local derivative to be finite (``0 * inf`` is NaN); here a
check (the sum of their squares below 1e300) proves it for all of them at
once, and where it fails the function returns ``None`` and the step runs
eagerly. The check is made **once per step** where it can be: the bound pass
is the forward pass on sizes (each operation's bound rule, from
``engine.templates``, on bounds of the parameters', inputs' and labels'
sizes), and the check on those bounds holds for every example of the batch
(each term is at most its bound). Where a bound is too large (``careful``),
or an operation has no bound rule, each example is checked before its
backward pass.

Every name in the code is made here (``x0``, ``y``, ``p3``, ``v7``, ``g7``);
numbers are written by ``templates.number``; labels appear only in comments,
through ``ascii()``, on one line. The same graphs always give the same text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.templates import (
    RULES,
    TERMS_PER_STATEMENT,
    Derivative,
    Names,
    Rule,
    constant,
    number,
)
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
    aux: bool


def write_step(
    programs: Sequence[Program], extra: Graph | None, layout: Layout, heading: str
) -> tuple[str, list[int]]:
    """The source of ``compiled_step``, and the indices of the parameters it uses.

    ``compiled_step(params, grads, X, Y, keys, seed)`` takes the used
    parameters' numbers and gradients (in the order returned), the batch, the
    index of each example's program in ``keys`` (when there are several), and
    $\\partial L / \\partial \\text{loss}_i$ as ``seed``. It returns ``(losses,
    outputs, extra_value, gradients)``, or ``None`` where a parameter or a
    local derivative is too large or not finite for the zero-gradient skip to
    be exact.
    """
    graphs = [program.graph for program in programs] + ([extra] if extra else [])
    used = sorted({n.index for graph in graphs for n in graph.nodes if n.kind is Kind.PARAMETER})
    p = [f"p{i}" for i in used]
    out = _Lines()
    out.add(*(f"# {line}".rstrip() for line in heading.splitlines()))
    out.add("", "", "def compiled_step(params, grads, X, Y, keys, seed):")
    out.indent = 1  # the function's body
    out.add("# -- once per step: the parameters, and their gradients so far (p.grad) --")
    out.assign(p, "params")
    labels = _parameter_labels(graphs, used)
    if labels:
        out.add(f"# {labels}")
    out.assign([f"g{name}" for name in p], "grads")
    if p:
        out.add(
            "# a parameter infinite, NaN or huge? then skipping a zero gradient is not exact",
            _commented("bp = hypot(*params)", "|p| <= bp for every parameter p"),
            "if not bp < 1e150:",
            "    return None  # the whole step runs eagerly instead",
        )
    extra_value = "0.0"
    extra_part = None if extra is None else _Part(extra, None, None, prefix="e")
    if extra_part is not None:
        extra_value = _write_extra_forward(out, extra_part)
    parts = [_Part(program.graph, program.label, layout.label_size) for program in programs]
    bounded = _write_bounds(out, parts, programs)
    out.add("losses = []", "outputs = []" if layout.aux else "outputs = None")
    before = 6 + 2 * len(p) + len(_assigned(out.lines))  # local variables before the loop
    keyed = len(programs) > 1 or programs[0].label is not None
    loop = ["example", "x", "y", *(["key"] if keyed else []), "losses", "outputs"]
    if any(bounded):
        loop.append("careful")
    if keyed:
        out.add("for example, (x, y, key) in enumerate(zip(X, Y, keys)):")
    else:
        out.add("for example, (x, y) in enumerate(zip(X, Y)):")
    out.indent += 1
    if layout.inputs:
        loop += [f"x{i}" for i in range(layout.inputs)]
        out.assign([f"x{i}" for i in range(layout.inputs)], "x")
    if layout.label_size is not None and not keyed:
        loop += [f"y{j}" for j in range(layout.label_size)]
    for i, (program, part) in enumerate(zip(programs, parts)):
        if program.label is None:  # the one program, whatever the label
            if layout.label_size is not None:
                out.assign([f"y{j}" for j in range(layout.label_size)], "y")
            _write_example(out, part, layout, bounded[i])
        else:
            shown = ", ".join(map(repr, program.label))
            out.add(f"{'if' if i == 0 else 'elif'} key == {i}:  # the examples labelled {shown}")
            out.indent += 1
            _write_example(out, part, layout, bounded[i])
            out.indent -= 1
    out.indent -= 1
    if extra_part is not None:
        _write_extra_backward(out, extra_part)
    out.add(f"gradients = ({''.join(f'g{n}, ' for n in p)})")
    out.add(f"return losses, outputs, {extra_value}, gradients")
    hot = list(dict.fromkeys(loop + [name for part in parts for name in _forward_names(part)]))
    if before + len(hot) > 256:
        _name_first(out, hot)
    return out.text(), used


def _name_first(out: _Lines, names: list[str]) -> None:
    """Name an example's numbers at the top of the function, so that Python reads them fastest.

    CPython numbers a function's local variables in the order they first
    appear, and the first 256 are the quickest to read and write (the others
    need an extra instruction, ``EXTENDED_ARG``, each time). The parameters,
    their gradients and the ``extra`` term come first in the code, so without
    this an example's numbers, read hundreds of times per example, would be
    numbered past them.
    """
    top = _Lines()
    top.indent = 1
    top.add(
        "# (Python numbers local variables in the order they first appear, and reads the",
        "# first 256 quickest: one example's numbers are named first, before each is set.)",
    )
    top.assign_all(names, "None")  # pragma: no mutate (None for "None": written the same)
    start = out.lines.index("def compiled_step(params, grads, X, Y, keys, seed):") + 1
    out.lines[start:start] = top.lines


def _forward_names(part: _Part) -> list[str]:
    """The variables an example's forward pass sets, in the order it sets them."""
    names: list[str] = []
    for n in _forward_order(part.graph):
        if n.kind is Kind.OPERATION:
            names += _assigned(part.rules[n.number].forward)
        elif n.kind is Kind.DETACHED:
            names.append(part.names[n.number])
    return names


#: The start of a statement that sets variables: ``v7 = ...``, ``v7, d7 = ...``.
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) =(?!=)")


def _assigned(lines: Sequence[str]) -> list[str]:
    """The variables that statements set, in order (not those of ``(a, b) = ...`` unpacking)."""
    names: list[str] = []
    for line in lines:
        match = _ASSIGNMENT.match(line)
        if match:
            names += match[1].split(", ")
    return list(dict.fromkeys(names))


# -- one example ---------------------------------------------------------------------


class _Part:
    """A graph with its names, rules and which gradients matter, worked out once.

    ``names[n]`` is the expression for node ``n``'s value (``x0``, ``y``,
    ``p3``, ``v7``, or a number); ``rules[n]`` an operation's rule, written for
    those names; ``needs[n]`` whether node ``n``'s gradient matters: a
    parameter's, or that of an operation on one; ``bounds[n]`` a bound on the
    size of node ``n``'s value for every example (``bx`` for any input, ``by``
    for any label, ``bp`` for any parameter, ``bv7``, or a number), or ``None``
    where its operation (or one below it) has no bound rule.
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
        self.bounds: dict[int, str | None] = {}
        for n in graph.nodes:  # inputs come before the nodes made from them
            self.needs[n.number] = n.kind is Kind.PARAMETER or (
                n.kind is Kind.OPERATION and any(self.needs[i] for i in n.inputs)
            )
        for n in _forward_order(graph):  # a detached copy after the node it copies
            self.bounds[n.number] = self._leaf_bound(n)
            if n.kind is Kind.OPERATION:
                value = self.names[n.number]
                inputs = tuple(self.names[i] for i in n.inputs)
                local = "d" + value[1:] if value.startswith("v") else "d" + value
                bounds = tuple(self.bounds[i] or "inf" for i in n.inputs)
                names = Names(value, inputs, local, n.value._op, bounds)
                rule = RULES[n.rule](names)
                self.rules[n.number] = rule
                known = rule.bound is not None and all(self.bounds[i] for i in n.inputs)
                self.bounds[n.number] = names.bound if known else None

    def _leaf_bound(self, n: Node) -> str | None:
        """A bound on a leaf's size (a detached copy's: its node's), ``None`` for an operation."""
        if n.kind is Kind.INPUT:
            return "bx"
        if n.kind is Kind.PARAMETER:
            return "bp"
        if n.kind is Kind.DETACHED:
            return self.bounds[n.inputs[0]]
        if n.kind is Kind.LABEL and self.names[n.number] in ("y", f"y{n.index}"):
            return "by"
        if n.kind in (Kind.LABEL, Kind.CONSTANT):  # a number written into the code
            return number(abs(constant(self.names[n.number])))
        return None


def _write_example(out: _Lines, part: _Part, layout: Layout, bounded: bool) -> None:
    """One example's forward pass, its loss (and outputs), the check, its backward pass.

    ``bounded``: the bound pass has checked the example's derivatives once per
    step, and this example needs checking only where that failed (``careful``).
    """
    graph, names = part.graph, part.names
    out.add("# forward: each node's value, in topological order")
    _write_forward(out, part)
    out.add(f"losses.append({names[graph.root]})")
    if layout.aux:
        shown = [names[i] for i in graph.outputs]
        out.add(f"outputs.append({shown[0] if len(shown) == 1 else '[' + ', '.join(shown) + ']'})")
    if not part.needs[graph.root]:
        return  # the loss does not depend on any parameter: nothing to propagate
    terms = [term for term, _ in _checked(part)]
    if bounded:
        out.add("if careful:  # a bound above is too large: check this example's own numbers")
        out.indent += 1
        out.check(terms, "a local derivative is infinite or huge")
        out.indent -= 1
    else:
        out.check(terms, "a local derivative is infinite or huge")
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


def _checked(part: _Part) -> list[tuple[str, str | None]]:
    """The terms of the finiteness check, ``v3 * v3`` or ``v8``, each with the same on bounds.

    Every derivative of a node that passes a gradient on, as ``engine.backprop``
    tests all of a node's local derivatives before it skips it; not those that
    are finite whatever the numbers, nor parameters (checked once per step).
    A derivative that is a value its rule says is never negative (a relu's
    output) enters as it is: a sum of such numbers bounds each of them too.
    Beside each term, the same term on the derivative's bound (``bv3 * bv3``),
    at least the term for every example; ``None`` where there is no bound.
    """
    nonnegative = {part.names[number] for number, rule in part.rules.items() if rule.nonnegative}
    terms: dict[str, str | None] = {}
    for n in _backward_nodes(part.graph, part.needs):
        for derivative in part.rules[n.number].derivatives:
            code, bound = derivative.code, derivative.bound
            if derivative.finite or _is_parameter(code) or _is_finite_number(code):
                continue
            if part.bounds[n.number] is None:  # its rule's bounds need the inputs' bounds
                bound = None
            if code in nonnegative:
                terms.setdefault(code, bound)
            else:
                terms.setdefault(f"{code} * {code}", bound and f"{bound} * {bound}")
    return list(terms.items())


def _write_bounds(out: _Lines, parts: list[_Part], programs: Sequence[Program]) -> list[bool]:
    """The bound pass, once per step, and ``careful``: whether the bounds fail the check.

    For each program whose every checked derivative has a bound: the bounds
    of the nodes those need, in forward order, then the check on the bounds.
    Returns, per program, whether it has a bound pass (its examples then
    check their own numbers only where ``careful``).
    """
    bounded = [bool(terms) and all(b for _, b in terms) for terms in map(_checked, parts)]
    if not any(bounded):
        return bounded
    out.add(
        "# -- once per step: how large can any number get? --------------------",
        "# The forward pass on sizes (interval arithmetic): every input of every",
        "# example has |x| <= bx, every label |y| <= by, every parameter |p| <= bp,",
        "# and each operation's rule bounds its value from its inputs' bounds, so",
        "# |v7| <= bv7 for every example. If the local derivatives' bounds pass the",
        "# check, every example passes it, and none needs checking on its own.",
    )
    needed = [_needed(part) if bound else set() for part, bound in zip(parts, bounded)]
    leaves = {part.bounds[i] for part, numbers in zip(parts, needed) for i in numbers}
    if "bx" in leaves:
        out.add(_commented("bx = hypot(*chain(*X))", "|x| <= bx for every input x"))
    if "by" in leaves:
        labels = "hypot(*Y)" if "y" in _label_names(parts) else "hypot(*chain(*Y))"
        out.add(_commented(f"by = {labels}", "|y| <= by for every label y"))
    first = True
    for part, program, numbers in zip(parts, programs, needed):
        if not numbers:
            continue
        if program.label is not None:
            out.add(f"# the examples labelled {', '.join(map(repr, program.label))}")
        for n in _forward_order(part.graph):
            if n.number in numbers and n.kind is Kind.OPERATION:
                rule = part.rules[n.number]
                first_line, *rest = rule.bound
                out.add(_commented(first_line, rule.title + _label(n)), *rest)
        out.bound_check([bound for _, bound in _checked(part)], first)
        first = False
    return bounded


def _needed(part: _Part) -> set[int]:
    """The nodes whose bounds the check needs, each after the nodes its bound needs.

    A checked derivative's bound is an input's bound (``*``: the other
    factor's) or one its node's bound statements set (tanh's: the value's).
    """
    numbers: set[int] = set()
    stack: list[int] = []
    for n in _backward_nodes(part.graph, part.needs):
        inputs = {part.bounds[i]: i for i in n.inputs}
        for derivative in part.rules[n.number].derivatives:
            if derivative.finite or derivative.bound is None:
                continue  # pragma: no mutate (break: see tests/MUTATION.md)
            if derivative.bound in inputs:
                stack.append(inputs[derivative.bound])
            elif constant(derivative.bound) is None:
                stack.append(n.number)
    while stack:
        i = stack.pop()
        if i not in numbers:
            numbers.add(i)
            stack.extend(part.graph.nodes[i].inputs)
    return numbers


def _label_names(parts: list[_Part]) -> set[str]:
    """The names the labels go by in the code: ``y``, or ``y0``, ``y1``, ..., or numbers."""
    return {
        part.names[n.number] for part in parts for n in part.graph.nodes if n.kind is Kind.LABEL
    }


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
            pairs = zip(n.inputs, rule.derivatives, strict=True)  # pragma: no mutate (same length)
            edges = [
                _edge(rule, names[n.number], names[j], derivative, g)
                for j, derivative in pairs
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
    open_ends: set[int] = set()  # the nodes that open edges lead into
    for n in nodes:
        if open_ends == {n.number}:  # (none is open before the root)
            cuts.add(n.number)
        open_ends.discard(n.number)
        open_ends.update(j for j in n.inputs if j in position)
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
        out.check([term for term, _ in _checked(part)], "a local derivative is infinite or huge")
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
    value = constant(code)
    return value is not None and math.isfinite(value)


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
        of them). A NaN fails the test too.
        """
        if not terms:
            return
        self.add(f"# {why}? then skipping a zero gradient is not exact")
        self.add(f"if not {self._sum(terms, 'magnitude')} < 1e300:")
        self.indent += 1
        self.add("return None  # the whole step runs eagerly instead")
        self.indent -= 1

    def bound_check(self, terms: list[str], first: bool) -> None:
        """``careful = not (bv3 * bv3 + bv8 + ... < 1e300)``: the check, on the bounds.

        Each term on the bounds is at least the term on any example's numbers,
        so where this sum passes, every example's does. ``first``: the first
        program's (the next ones keep ``careful`` once it is set).
        """
        total = self._sum(terms, "magnitude_bound")
        if "\n" in total:  # a sum over several lines: named first, for a readable test
            self.add(f"magnitude_bound = {total}")
            total = "magnitude_bound"
        self.add(f"careful = {'' if first else 'careful or '}not ({total} < 1e300)")

    def _sum(self, terms: list[str], name: str) -> str:
        """``a * a + v8 + ...`` as an expression; long sums go in pieces, added up as ``name``.

        In pieces, so that no expression nests too deeply for Python's compiler.
        """
        if len(terms) > TERMS_PER_STATEMENT:
            for start in range(0, len(terms), TERMS_PER_STATEMENT):
                rows = _rows(terms[start : start + TERMS_PER_STATEMENT], " + ")
                target = f"{name} = (" if start == 0 else f"{name} += ("
                self.add(target, *(f"    {row}" for row in rows), ")")
            return name
        rows = _rows(terms, " + ")
        if len(rows) == 1:
            return rows[0]
        return "(\n" + "\n".join(f"    {row}" for row in rows) + "\n)"  # (add() indents each line)

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
