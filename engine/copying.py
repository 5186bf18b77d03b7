r"""Copying and pickling Values: whole graphs, at any depth, without recursion.

``copy.deepcopy(v)`` and ``pickle.dumps(v)`` copy ``v`` together with the graph
that made it: every node below it down to the leaves, each with its
``data``, ``grad``, ``label``, ``op``, local derivatives and any attribute set
on it. A copy is a working graph: ``backward()`` on it fills the copied
leaves' gradients and leaves the originals alone.

Python's own way of copying an object copies what it refers to first, by
recursion: one level per node, so a chain a few thousand operations deep
(or ``sum()`` of a few thousand Values, which is such a chain) stops with a
``RecursionError``. Both copies here walk the graph in topological order
instead, every node after its inputs, as ``backward()`` does:

* **deepcopy** copies each node from the copies of its inputs, made just
  before. Python's ``memo`` (the copies made so far in this ``deepcopy``
  call) is where it finds them, so a node reached twice is copied once:
  ``a*a`` stays ``a*a`` and, in ``copy.deepcopy([x, y])`` with ``y`` computed
  from ``x``, the copy of ``y`` is computed from the copy of ``x``.
* **pickle** does the same with the pickler's memo: the pickle of a node
  starts with the list of the nodes below it, inputs first, each of them
  pickled with its inputs already in the memo. While that list is written,
  its nodes are "pending" in this thread, so each is pickled on its own
  rather than with a list of its own (which would make a pickle quadratic
  in the depth). Which nodes are pending only decides how deep Python's
  recursion goes, never what is written: every form gives the same graph.

``copy.copy(v)`` is shallow: a new node with the same inputs.

>>> import copy, pickle
>>> from engine import Value
>>> x = Value(3.0, label="x")
>>> y = x * x
>>> y2 = copy.deepcopy(y)
>>> y2.backward()
>>> y2.inputs[0].grad, x.grad  # the copy's x, then the original's
(6.0, 0.0)
>>> y3 = pickle.loads(pickle.dumps(y))
>>> y3.inputs[0] is y3.inputs[1], y3.inputs[0].label
(True, 'x')
"""

from __future__ import annotations

import copy
import sys
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.backprop import topological_order

if TYPE_CHECKING:
    from engine.value import Value


def _attributes(node: Value) -> dict[str, Any] | None:
    """The node's own attributes beyond its slots (``label`` and any other), or ``None``.

    From Python 3.11 on, ``object.__getstate__`` reads them without making
    the empty ``__dict__`` that reading ``node.__dict__`` would create (and
    keep) on every node copied.
    """
    if sys.version_info >= (3, 11):  # pragma: no mutate (">" as well: 3.11.x > (3, 11))
        return object.__getstate__(node)[0]  # type: ignore[no-any-return, index]
    return node.__dict__ or None  # pragma: no mutate (Python 3.10 only: not run on 3.11)


def _new_node(
    cls: type[Value],
    data: float,
    grad: float,
    op: str,
    inputs: tuple[Value, ...],
    local_grads: tuple[float, ...],
) -> Value:
    """A node with these fields (how both copies, and unpickling, make one)."""
    node = object.__new__(cls)
    node.data = data
    node.grad = grad
    node._op = op
    node._inputs = inputs
    node._local_grads = local_grads
    return node


# -- copy.copy and copy.deepcopy ------------------------------------------------


def shallow_copy(node: Value) -> Value:
    """``copy.copy(node)``: a new node with the same inputs and a copy of its attributes."""
    new = _new_node(type(node), node.data, node.grad, node._op, node._inputs, node._local_grads)
    attributes = _attributes(node)
    if attributes:
        new.__dict__.update(attributes)
    return new


def deep_copy(root: Value, memo: dict[int, Any]) -> Value:
    """``copy.deepcopy(root)``: ``root`` and every node below it not copied yet in ``memo``."""
    for node in _not_yet_copied(root, memo):
        inputs = tuple(memo[id(child)] for child in node._inputs)
        new = _new_node(type(node), node.data, node.grad, node._op, inputs, node._local_grads)
        memo[id(node)] = new  # before its attributes: one of them may refer back to it
        attributes = _attributes(node)
        if attributes:
            new.__dict__.update(copy.deepcopy(attributes, memo))
    return memo[id(root)]  # type: ignore[no-any-return]


def _not_yet_copied(root: Value, memo: dict[int, Any]) -> list[Value]:
    """The nodes below ``root`` (``root`` included) that ``memo`` has no copy of, inputs first.

    A depth-first walk with an explicit stack of ``(node, inputs still to
    visit)``; a node is listed once all its inputs are, and the walk does
    not go below a node that is already copied.
    """
    order: list[Value] = []
    if id(root) in memo:  # pragma: no mutate (copy.deepcopy looks in memo before it calls us)
        return order
    seen = {id(root)}  # pragma: no mutate (a graph has no cycle: the root is below no node)
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(root._inputs))]
    while stack:
        node, inputs = stack[-1]
        for child in inputs:
            if id(child) not in seen and id(child) not in memo:
                seen.add(id(child))
                stack.append((child, iter(child._inputs)))
                break
        else:  # every input listed (or copied before): the node's turn
            stack.pop()
            order.append(node)
    return order


# -- pickle -------------------------------------------------------------------------


class _Pending(threading.local):
    """The nodes of this thread whose inputs the pickle being written holds already."""

    def __init__(self) -> None:
        self.nodes: weakref.WeakSet[Value] = weakref.WeakSet()


_pending = _Pending()


def reduce(node: Value) -> tuple[Any, ...]:
    """``node.__reduce_ex__``: how ``pickle`` writes a node (see the module docstring).

    A leaf, or a node pending in a list being written, is its own fields (its
    inputs are in the pickle already). Any other node is written after the
    list of every node below it, inputs first.
    """
    fields = (type(node), node.data, node.grad, node._op, node._inputs, node._local_grads)
    if not node._inputs or node in _pending.nodes:
        return _new_node, fields, _attributes(node)
    below = _NodesBelow(topological_order(node)[:-1])
    return _new_node_after, (below, *fields), _attributes(node)


def _new_node_after(below: list[Any], *fields: Any) -> Value:
    """Unpickling: the node, once the nodes ``below`` it are made (the list is not kept)."""
    return _new_node(*fields)


class _NodesBelow:
    """Pickles as the list of the nodes it holds, each written with its inputs already written."""

    def __init__(self, nodes: list[Value]) -> None:
        self.nodes = nodes

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        # (make an empty list, then append what the iterator gives, one by one)
        return list, (), None, _written_in_order(self.nodes)


def _written_in_order(nodes: list[Value]) -> Iterator[object]:
    """Hand the pickler ``nodes`` while they are pending; they stop pending at the end marker.

    The pickler may read ahead of what it has written, so the nodes stop
    pending when it writes the marker after them (or when it gives up).
    """
    pending = _pending.nodes
    pending.update(nodes)
    try:
        yield from nodes
        yield _EndOfList(nodes)
    except GeneratorExit:  # the pickle failed part-way
        pending.difference_update(nodes)
        raise


class _EndOfList:
    """The last item of a ``_NodesBelow`` list: writing it ends the nodes' pending."""

    def __init__(self, nodes: list[Value]) -> None:
        self.nodes = nodes

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        _pending.nodes.difference_update(self.nodes)
        return _nothing, ()


def _nothing() -> None:
    """Unpickling the end marker: nothing (the list it ends is thrown away)."""
