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

import numbers
import threading
from math import isfinite
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed after all of its inputs; ``root`` last.

    A depth-first search with an explicit stack: a node is appended once
    all of its inputs have been appended (post-order). When a node is first
    reached it goes back on the stack under a ``None`` marker, with its
    inputs on top; popping the marker means everything above it is done.
    A node whose inputs are all in order already (a leaf, or a neuron whose
    weights and inputs an earlier neuron reached) is appended at once: in a
    graph without cycles, every visited input is finished, and one C-level
    ``issuperset`` checks them all. The stack holds only nodes and markers,
    so the walk allocates nothing per node (and gives the garbage collector
    no work).
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
        if visited.issuperset(node._inputs):  # a leaf, or every input already in order
            order.append(node)
            continue
        stack.append(node)
        stack.append(None)  # come back to node after its inputs
        for child in node._inputs:
            if child not in visited:
                stack.append(child)
    return order


#: One backward pass at a time, in the whole process (see ``backpropagate``).
_backward_lock = threading.Lock()


def backpropagate(root: Value, gradient: float = 1.0) -> None:
    r"""Set ``v.grad`` to $g \cdot \partial\,\text{root} / \partial v$ for each node below ``root``.

    * The root is seeded with ``gradient`` $g$ (1 by default:
      $\partial\,\text{root} / \partial\,\text{root} = 1$), as
      ``torch.Tensor.backward(gradient)``; it must be a finite real number.
    * Interior nodes (results of operations) get their gradient recomputed
      from zero, so calling this twice never corrupts them.
    * Leaves (inputs, parameters) *accumulate*, as in PyTorch: two calls
      add two gradients. Training loops call ``zero_grad()`` between steps.
    * A node whose gradient is 0 passes nothing on: each of its terms would
      be $0 \cdot d = 0$ for a finite local derivative $d$. The loop checks
      that all of them are finite at once (a sum of floats is finite only if
      every term is), so an infinite or NaN local derivative still gives
      $0 \cdot \infty = \text{NaN}$, exactly as without the shortcut and as in
      PyTorch. Dead ReLUs and satisfied hinge margins make many of a ReLU
      network's gradients zero: in micrograd's demo, the nodes skipped hold
      half of the graph's edges at the first step, and nearly all of them
      once the network is trained.
    * Threads: one backward pass runs at a time (``_backward_lock``, taken
      once per call, not per node). Two threads whose graphs share leaves
      would otherwise interleave their ``grad +=`` on the same leaf and lose
      one of the two additions; with the lock each leaf gets the sum of both
      gradients, as ``.grad`` accumulation does in PyTorch.
    """
    seed = _checked_seed(gradient)
    with _backward_lock:
        order = topological_order(root)
        for node in order:
            if node._inputs:
                node.grad = 0.0
        root.grad += seed
        for node in reversed(order):
            upstream = node.grad
            if upstream == 0.0 and isfinite(sum(node._local_grads)):
                continue  # every term would be 0 * (a finite number) = 0: nothing to add
            for child, local in zip(node._inputs, node._local_grads):
                child.grad += local * upstream


def _checked_seed(gradient: object) -> float:
    """``gradient`` as a finite float, or a ``TypeError``/``ValueError`` that says what to pass."""
    if type(gradient) is float and isfinite(gradient):  # pragma: no mutate (a fast path)
        return gradient
    if isinstance(gradient, bool) or not isinstance(gradient, numbers.Real):
        hint = ""
        if hasattr(gradient, "_inputs"):  # a Value (engine.value imports this module)
            hint = "; pass its number, gradient=value.data"
        raise TypeError(
            "backward: gradient (the seed dL/droot) must be a real number, "
            f"got {type(gradient).__name__}: {gradient!r}{hint}"
        )
    try:
        seed = float(gradient)
    except OverflowError:  # an int beyond the largest float: never print all its digits
        raise ValueError(
            "backward: gradient is too large for a float (above about 1.8e308)"
        ) from None
    if not isfinite(seed):
        raise ValueError(
            f"backward: gradient must be a finite number, got {gradient!r}; "
            "a nan or inf seed would make every gradient nan or inf"
        )
    return seed
