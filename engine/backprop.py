r"""The backward pass: the chain rule, applied in reverse topological order.

For an output $L$ and a node $v$ used by the nodes $u_1, \dots, u_k$:

$$\frac{\partial L}{\partial v} = \sum_{j} \frac{\partial L}{\partial u_j}\,
\frac{\partial u_j}{\partial v}$$

Each $\partial u_j / \partial v$ is a *local derivative*, stored on $u_j$ when
it was computed. So once every user of $v$ knows its own gradient, $v$'s
gradient is a sum of products. Visiting the nodes in reverse topological
order (every node after all the nodes that use it) guarantees exactly that.

Both walks below use an explicit stack instead of recursion, so a graph a
million nodes deep is no harder than a small one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed after all of its inputs; ``root`` last.

    A depth-first search with an explicit stack: a node is appended once
    all of its inputs have been appended (post-order). When a node is first
    reached it goes back on the stack under a ``None`` marker, with its
    inputs on top; popping the marker means everything above it is done.
    The stack holds only nodes and markers, so the walk allocates nothing
    per node (and gives the garbage collector no work).
    """
    if not hasattr(root, "_inputs"):  # not a Value (engine.value imports this module)
        raise TypeError(f"expected a Value, got {type(root).__name__}: {root!r}")
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # a marker: the node under it has all its inputs in order
            order.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append(node)
        stack.append(None)  # come back to node after its inputs
        for child in node._inputs:
            if child not in visited:
                stack.append(child)
    return order


def backpropagate(root: Value) -> None:
    r"""Set ``v.grad`` to $\partial\,\text{root} / \partial v$ for every node below ``root``.

    * Interior nodes (results of operations) get their gradient recomputed
      from zero, so calling this twice never corrupts them.
    * Leaves (inputs, parameters) *accumulate*, as in PyTorch: two calls
      add two gradients. Training loops call ``zero_grad()`` between steps.
    * The root is seeded with $\partial\,\text{root} / \partial\,\text{root} = 1$.
    """
    order = topological_order(root)
    for node in order:
        if node._inputs:
            node.grad = 0.0
    root.grad += 1.0
    for node in reversed(order):
        upstream = node.grad
        for child, local in zip(node._inputs, node._local_grads):
            child.grad += local * upstream
