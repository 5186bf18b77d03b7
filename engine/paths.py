r"""The chain rule as a sum over paths.

Follow the graph from the output $L$ down to a value $x$: every route is a
*path* $L = u_0 \to u_1 \to \dots \to u_k = x$, each step going from an
operation's result to one of its inputs. Multiply the local derivatives
along a path, and add those products over all the paths:

$$\frac{dL}{dx} = \sum_{\text{paths}} \; \prod_{j=1}^{k}
\frac{\partial u_{j-1}}{\partial u_j}$$

That sum is the gradient. It is why gradients are *added* (``+=``) wherever
a value is used more than once: each use is another path. ``y = x * x``
has two paths from ``y`` to ``x``, one per input of the product, each with
local derivative $x$, so $dy/dx = x + x$:

>>> from engine import Value
>>> x = Value(3.0, label="x")
>>> y = x * x
>>> y.label = "y"
>>> print(paths(y, x))
dy/dx is the sum, over the 2 paths from y to x, of the product of the local derivatives along each:
  y → x: ∂y/∂x = 3.0
  y → x: ∂y/∂x = 3.0
dy/dx = 3.0 + 3.0 = 6.0

``backward()`` computes the same sum without listing the paths: it adds at
every node as it goes, so its work grows with the number of edges, while the
number of paths can grow exponentially (each diamond ``x → (a, b) → y`` in a
chain doubles it: 20 diamonds make over a million paths). ``paths`` therefore
counts the paths first, and refuses to list more than ``max_paths``.

Both walks are iterative (no recursion on the depth of the graph), and the
paths come in a fixed order: depth first, each operation's inputs in order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

from engine.backprop import topological_order
from engine.stepper import _node_names
from engine.value import Value

#: How many paths ``paths`` lists before it refuses (``max_paths=None`` lists any number).
MAX_PATHS = 10_000

#: How many products the sum line writes out before it only gives the total.
_TERMS_SHOWN = 10

EdgesOf = Callable[[Value], Sequence[tuple[Value, float]]]


def _inputs_of(node: Value) -> Sequence[tuple[Value, float]]:
    """Each input of ``node`` with the local derivative of ``node`` toward it."""
    return tuple(zip(node._inputs, node._local_grads))


class Path:
    """One path from the output down to a value, with its local derivatives.

    * ``nodes``: the Values along the path, the output first, the value last,
    * ``names``: their names (labels, or ``v<i>`` as in ``engine.draw``),
    * ``local_grads``: ``local_grads[j]`` is $\\partial u_j / \\partial u_{j+1}$,
      the derivative of ``nodes[j]`` toward its input ``nodes[j + 1]``,
    * ``positions``: which input of ``nodes[j]`` the path enters (``x * x``
      has two paths to ``x``, through input 0 and through input 1),
    * ``product``: the local derivatives multiplied, from the output down
      (``1.0`` for the empty path from a value to itself).
    """

    __slots__ = ("nodes", "names", "local_grads", "positions", "product")

    def __init__(
        self,
        nodes: tuple[Value, ...],
        names: tuple[str, ...],
        local_grads: tuple[float, ...],
        positions: tuple[int, ...],
    ) -> None:
        self.nodes = nodes
        self.names = names
        self.local_grads = local_grads
        self.positions = positions
        product = 1.0
        for local in local_grads:
            product *= local
        self.product = product

    def __str__(self) -> str:
        """``L → d → a: ∂L/∂d * ∂d/∂a = -2.0 * 3.0 = -6.0``."""
        return self.text()

    def text(self, max_edges: int | None = None) -> str:
        """``str(path)``; a path of more than ``max_edges`` edges is shortened in the middle
        (``L → d → … → b → a (40 edges): ∂L/∂d * … * ∂b/∂a = -2.0 * … * 3.0 = -6.0``)."""
        names, locals_ = list(self.names), [repr(local) for local in self.local_grads]
        symbols = [f"∂{upper}/∂{lower}" for upper, lower in zip(names, names[1:])]
        edges = len(locals_)
        if edges == 0:
            return f"{names[0]}: the empty path (a value to itself) = 1.0"
        length = ""
        if max_edges is not None and edges > max_edges:
            keep = max(1, max_edges // 2)
            names = [*names[:keep], "…", *names[-keep:]]
            symbols = [*symbols[:keep], "…", *symbols[-keep:]]
            locals_ = [*locals_[:keep], "…", *locals_[-keep:]]
            length = f" ({edges} edges)"
        route = " → ".join(names) + length
        if edges == 1:
            return f"{route}: {symbols[0]} = {self.product!r}"
        return f"{route}: {' * '.join(symbols)} = {' * '.join(locals_)} = {self.product!r}"

    def __repr__(self) -> str:
        return f"Path({' → '.join(self.names)}, product={self.product!r})"


class PathSum:
    """Every path from ``root`` to ``leaf`` (a ``Path`` each), and the sum of their products.

    Iterate over it (or index it) for the paths; ``total`` is the sum of
    their products, added with ``math.fsum`` (correctly rounded). It equals
    ``leaf.grad`` after ``root.backward()`` from zero gradients, up to
    rounding: ``backward()`` adds the same products in another order,
    grouped at the nodes where paths meet. ``str()`` writes every path and
    the sum out.
    """

    def __init__(self, root_name: str, leaf_name: str, found: list[Path]) -> None:
        self.root_name = root_name
        self.leaf_name = leaf_name
        self.paths = found
        self.total = math.fsum(path.product for path in found)

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths)

    def __getitem__(self, index: int) -> Path:
        return self.paths[index]

    def header(self) -> str:
        """The first line of ``str()``: what is being summed."""
        gradient = f"d{self.root_name}/d{self.leaf_name}"
        route = f"from {self.root_name} to {self.leaf_name}"
        if len(self.paths) == 1:
            return f"{gradient} is the product of the local derivatives along the one path {route}:"
        return (
            f"{gradient} is the sum, over the {len(self.paths)} paths {route}, of the product "
            "of the local derivatives along each:"
        )

    def sum_line(self) -> str:
        """The last line of ``str()``: ``dL/dx = p1 + p2 + ... = total``."""
        gradient = f"d{self.root_name}/d{self.leaf_name}"
        products = [repr(path.product) for path in self.paths]
        if len(products) == 1:
            return f"{gradient} = {self.total!r}"
        if len(products) <= _TERMS_SHOWN:
            return f"{gradient} = {' + '.join(products)} = {self.total!r}"
        return f"{gradient} = the sum of these {len(products)} products = {self.total!r}"

    def __str__(self) -> str:
        lines = [self.header(), *(f"  {path}" for path in self.paths), self.sum_line()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"PathSum({self.root_name} to {self.leaf_name}: {len(self.paths)} paths, "
            f"total={self.total!r})"
        )


def count_paths(order: Sequence[Value], root: Value, leaf: Value, edges_of: EdgesOf) -> int:
    """How many paths lead from ``root`` to ``leaf``, without listing them.

    ``order`` is a topological order (inputs first) of the nodes to walk.
    Going from the output down, each node passes its own count on to each of
    its inputs, once per edge: $n(x) = \\sum_{\\text{edges } u \\to x} n(u)$,
    with $n(\\text{root}) = 1$. Python integers do not overflow, so the count
    is exact however large it is.
    """
    count: dict[Value, int] = {root: 1}
    for node in reversed(order):
        n = count.get(node)
        if not n:
            continue
        for child, _ in edges_of(node):
            count[child] = count.get(child, 0) + n
    return count.get(leaf, 0)


def walk_paths(
    order: Sequence[Value], root: Value, leaf: Value, edges_of: EdgesOf
) -> Iterator[tuple[tuple[Value, ...], tuple[float, ...], tuple[int, ...]]]:
    """Yield every path from ``root`` to ``leaf`` as ``(nodes, local_grads, positions)``.

    A depth-first walk with an explicit stack of input iterators, going only
    into inputs from which ``leaf`` can be reached (found first, in one pass
    over ``order``), so no time is spent on branches that lead nowhere. It is
    a generator: take as many paths as you need.
    """
    reaches = {leaf}
    for node in order:  # inputs come first, so each node sees its inputs' answers
        if node is not leaf and any(child in reaches for child, _ in edges_of(node)):
            reaches.add(node)
    if root not in reaches:
        return

    def onward(node: Value) -> Iterator[tuple[Value, float, int]]:
        return (
            (child, local, position)
            for position, (child, local) in enumerate(edges_of(node))
            if child in reaches
        )

    if root is leaf:
        yield (root,), (), ()
        return
    taken: list[tuple[Value, float, int]] = []  # the edges of the path so far
    pending = [onward(root)]
    while pending:
        edge = next(pending[-1], None)
        if edge is None:  # every way on from this node is done: step back up
            pending.pop()
            if taken:
                taken.pop()
            continue
        taken.append(edge)
        child = edge[0]
        if child is leaf:
            yield (
                (root, *(e[0] for e in taken)),
                tuple(e[1] for e in taken),
                tuple(e[2] for e in taken),
            )
            taken.pop()
        else:
            pending.append(onward(child))


def paths(root: Value, leaf: Value, *, max_paths: int | None = MAX_PATHS) -> PathSum:
    """Every path from ``root`` down to ``leaf``, with the product of the local derivatives.

    Returns a ``PathSum``: its paths (each a ``Path``, with ``.product``),
    and ``.total``, their sum, which is $d\\,\\text{root} / d\\,\\text{leaf}$.
    ``print`` it to see the chain rule as a sum over paths. ``leaf`` may be
    any Value that ``root`` depends on (or ``root`` itself: one empty path).
    Nothing is changed: no gradient is read or written.

    Raises ``TypeError`` if ``root`` or ``leaf`` is not a Value, and
    ``ValueError`` if ``root`` does not depend on ``leaf``, or if there are
    more than ``max_paths`` paths (they are counted before any is listed;
    ``max_paths=None`` lists them all, however many).

    >>> from engine import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.label = "c"
    >>> found = paths(c, a)
    >>> [path.product for path in found], found.total
    ([-3.0, 1.0], -2.0)
    """
    for what, value in (("root", root), ("leaf", leaf)):
        if not isinstance(value, Value):
            raise TypeError(f"paths: {what} must be a Value, got {type(value).__name__}: {value!r}")
    if max_paths is not None and (
        isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1
    ):
        raise ValueError(f"paths: max_paths must be an int >= 1 or None, got {max_paths!r}")
    order = topological_order(root)
    names = _node_names(order)
    if leaf not in names:
        raise ValueError(
            f"paths: root does not depend on {leaf!r}, so there is no path to it "
            "(its gradient would be 0); pass a Value that root was computed from"
        )
    count = count_paths(order, root, leaf, _inputs_of)
    if max_paths is not None and count > max_paths:
        raise ValueError(
            f"paths: there are {count:,} paths from {names[root]} to {names[leaf]}, more than "
            f"max_paths={max_paths:,}. Paths multiply wherever a value is used twice and the two "
            "uses meet again (n such diamonds in a row make 2**n paths). Ways out: ask about a "
            "value nearer the output; pass max_paths=None to list them all anyway; or run "
            f"backward(), which adds the same products in linear time, and read {names[leaf]}.grad"
        )
    found = [
        Path(nodes, tuple(names[node] for node in nodes), local_grads, positions)
        for nodes, local_grads, positions in walk_paths(order, root, leaf, _inputs_of)
    ]
    return PathSum(names[root], names[leaf], found)
