r"""Tracing: run a function on Values once, and record what a compiler must know about it.

``engine.compile`` writes out the graph of one example and replays it for every
example. That is right only if the function builds the same graph whatever the
numbers, so a trace records, besides the graph:

* **which operation made each node**: the function of ``engine.value`` whose
  ``_from_op`` call made it. A node made by ``custom_op`` is known only by its
  numbers at this one example, not by a formula, so it cannot be written out;
  and an op name alone proves nothing (``custom_op(..., op="relu")``).
* **which numbers the code looked at**: every read of ``.data``, ``.grad`` or
  ``.local_grads`` by code that is not one of the engine's operations. Python
  code that reads a number can branch on it (``if z.data > 0: ...``) and build
  another graph for another example; it can also hide it in a constant
  (``Value(z.data)``), which the replay would then reuse for every example.
* **which leaves ``detach()`` made, and from which node**: a detached number
  (softmax's shift) is a constant for the gradient but is computed anew for
  every example;
* where each node was made, and where each number was read, so that an error
  can point at the line of code.

How: while the function runs, ``Value.data``, ``Value.grad`` and
``Value._local_grads`` are not the plain slots of ``Value`` but ``_Watched``
descriptors, which store and return the very same numbers and note who reads or
writes them (``sys._getframe``). The slots are put back when the function
returns or raises, so outside a trace nothing is slower. Other threads see the
same numbers, unwatched; one trace runs at a time.

``analyse`` then turns the record into a ``Graph``: the nodes in topological
order (numbered as ``engine.draw`` numbers them), each an input, the label, a
parameter, a constant or an operation with its rule; and it refuses, with a
``CompileError`` that names the node and the line, every graph that a replay
could get wrong.
"""

from __future__ import annotations

import enum
import linecache
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from engine import grad_mode
from engine.backprop import topological_order
from engine.templates import RULES
from engine.value import Value, _from_op, custom_op


class CompileError(ValueError):
    """``engine.compile`` cannot write out this function: the message says which node and why."""


# -- what an operation is ----------------------------------------------------------

#: The code of every engine function that makes nodes: their reads of ``.data`` are
#: how an operation computes, not a look at the numbers by the traced code.
_OPERATIONS: dict[CodeType, Callable[..., object]] = {f.__code__: f for f in RULES}
_OPERATIONS[custom_op.__code__] = custom_op  # pragma: no mutate (None is refused alike)
_FROM_OP = _from_op.__code__
_INIT = Value.__init__.__code__
_DETACH = Value.detach.__code__
_COMPREHENSIONS = ("<listcomp>", "<genexpr>", "<setcomp>", "<dictcomp>")


@dataclass(frozen=True)
class Site:
    """A line of code: where a node was made or a number was read."""

    filename: str
    line: int
    function: str

    @staticmethod
    def of(frame: FrameType) -> Site:
        return Site(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)

    def __str__(self) -> str:
        # the last two parts of the path (nn/softmax.py): no machine's directories in messages
        where = "/".join(Path(self.filename).parts[-2:])
        text = linecache.getline(self.filename, self.line).strip()
        return f"{where}:{self.line} in {self.function}" + (f": `{text}`" if text else "")


#: chainrule's own packages: a node is said to be made where code outside them made it.
_LIBRARY = ("engine", "nn")


def _caller_outside_engine(frame: FrameType | None) -> Site | None:
    """The first frame, from ``frame`` outwards, whose code is not chainrule's own (the user's)."""
    while frame is not None:
        package = frame.f_globals.get("__name__", "").split(".")[0]
        if package not in _LIBRARY:
            return Site.of(frame)
        frame = frame.f_back
    return None


@dataclass(frozen=True)
class Reading:
    """A look at a number by the traced code: which Value, which attribute, where."""

    node: Value
    attribute: str
    site: Site


@dataclass
class Record:
    """What happened while the traced function ran."""

    made_by: dict[Value, Callable[..., object] | None] = field(default_factory=dict)
    created: set[Value] = field(default_factory=set)
    detached: dict[Value, Value] = field(default_factory=dict)  # leaf -> the node it detaches
    detaching: Value | None = None  # the node whose number detach() has just read
    sites: dict[Value, Site | None] = field(default_factory=dict)
    readings: list[Reading] = field(default_factory=list)
    writes: list[Reading] = field(default_factory=list)


# -- watching the slots ---------------------------------------------------------------

_lock = threading.Lock()
_tracing_thread: int | None = None  # pragma: no mutate ("" is no thread's id either)


class _Watched:
    """One slot of ``Value`` during a trace: the same numbers, with their readers noted."""

    def __init__(self, slot: Any, name: str, record: Record, thread: int) -> None:
        self.slot, self.name, self.record, self.thread = slot, name, record, thread

    def __get__(self, node: Value | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        number = self.slot.__get__(node, owner)  # pragma: no mutate (owner: read if node is None)
        if threading.get_ident() == self.thread:
            frame = sys._getframe(1)
            while frame.f_code.co_name in _COMPREHENSIONS and frame.f_back is not None:
                frame = frame.f_back  # [v.data for v in inputs] reads for the op around it
            if frame.f_code is _DETACH:
                self.record.detaching = node
            elif frame.f_code not in _OPERATIONS:
                self.record.readings.append(Reading(node, self.name, Site.of(frame)))
        return number

    def __set__(self, node: Value, number: Any) -> None:
        self.slot.__set__(node, number)
        if self.name != "data" or threading.get_ident() != self.thread:
            return
        writer = sys._getframe(1)
        if writer.f_code is _FROM_OP:  # a new node, made by the function that called _from_op
            maker = writer.f_back
            self.record.made_by[node] = _OPERATIONS.get(maker.f_code) if maker else None
        elif writer.f_code is _INIT:  # a new leaf: Value(number), or a node's detach()
            maker = writer.f_back
            if maker is not None and maker.f_code is _DETACH and self.record.detaching is not None:
                self.record.detached[node] = self.record.detaching
            else:
                self.record.created.add(node)
        else:
            self.record.writes.append(Reading(node, "data", Site.of(writer)))
            return
        self.record.sites[node] = _caller_outside_engine(writer.f_back)


@contextmanager
def _watching() -> Iterator[Record]:
    """Watch ``Value``'s numbers inside the block (one trace at a time); restore the slots after."""
    global _tracing_thread
    me = threading.get_ident()
    if _tracing_thread == me:
        raise CompileError(
            "a compiled step was traced or run while tracing another one; per_example "
            "(and extra) must compute with Value operations only"
        )
    record = Record()
    names = ("data", "grad", "_local_grads")
    with _lock:
        slots = {name: Value.__dict__[name] for name in names}
        _tracing_thread = me
        try:
            for name in names:
                setattr(Value, name, _Watched(slots[name], name, record, me))
            yield record
        finally:
            for name in names:
                setattr(Value, name, slots[name])
            _tracing_thread = None  # pragma: no mutate ("" is no thread's id either)


def run_traced(function: Callable[..., Any], *args: Any) -> tuple[Any, Record]:
    """``function(*args)`` with the graph recorded and watched; its result and the record."""
    with _watching() as record, grad_mode.enable_grad():
        result = function(*args)
    return result, record


# -- from the record to a graph --------------------------------------------------------


class Kind(enum.Enum):
    """What a node of a traced graph is, for the code that replays it."""

    INPUT = "input"  # x[i]: a new number for every example
    LABEL = "label"  # y (or y[i]): a new number for every example, or a constant per label
    PARAMETER = "parameter"  # params[i]: read once per step, its gradient accumulated
    CONSTANT = "constant"  # a number the function wrote in (1 in 1 - y * s)
    DETACHED = "detached"  # node.detach(): that node's number, a constant for the gradient
    OPERATION = "operation"  # the result of one of the engine's operations


@dataclass(frozen=True)
class Node:
    """One node of a traced graph."""

    value: Value
    number: int
    kind: Kind
    index: int = 0  # of the input, label entry or parameter
    rule: Callable[..., object] | None = None  # the engine function that made an operation
    inputs: tuple[int, ...] = ()  # an operation's inputs; the node a detached leaf copies


@dataclass
class Graph:
    """A traced example, ready to write out: nodes in topological order, then the rest.

    First the root's graph, numbered as ``engine.draw`` numbers it, then the
    nodes only the further outputs need, then those only detached leaves need.

    ``root`` is the number of the node whose gradient the backward pass starts
    from; ``outputs`` the numbers of the further Values the function returned;
    ``label_read`` where the code read the label's number (``None`` if it did not).
    """

    nodes: list[Node]
    root: int
    outputs: list[int]
    label_read: Site | None

    def signature(self) -> list[tuple[object, ...]]:
        """The graph without its numbers (but with its constants): equal for the same structure."""
        return [
            (
                n.kind,
                n.index,
                n.rule,
                n.value._op,
                n.inputs,
                n.value.data.hex() if n.kind is Kind.CONSTANT else None,
            )
            for n in self.nodes
        ]


class _Dependence(enum.IntEnum):
    """What a number depends on: nothing, the label only, or anything else that changes."""

    CONSTANT = 0
    LABEL = 1
    VARYING = 2


def analyse(
    record: Record,
    root: Value,
    outputs: Sequence[Value],
    inputs: Sequence[Value],
    labels: Sequence[Value],
    params: dict[Value, int],
    root_may_be_parameter: bool = False,
) -> Graph:
    """The traced graph of ``root`` (and ``outputs``), or a ``CompileError`` saying why not.

    ``inputs`` and ``labels`` are the leaves the function was given; ``params``
    maps each parameter to its index. Refused: a node made by ``custom_op`` or
    computed before the trace, a leaf that is none of these, a parameter as the
    root (unless ``root_may_be_parameter``: ``extra`` may return one), numbers
    written by the traced code, and numbers it read that change from one
    example to the next (reading the label's is allowed: the compiler then
    writes one program per label).
    """
    if not isinstance(root, Value):
        raise CompileError(
            f"per_example must return a Value (the example's loss), got "
            f"{type(root).__name__}: {root!r}"
        )
    role: dict[Value, tuple[Kind, int]] = {}
    for i, v in enumerate(inputs):
        role.setdefault(v, (Kind.INPUT, i))
    for i, v in enumerate(labels):
        role.setdefault(v, (Kind.LABEL, i))
    for v, i in params.items():
        role.setdefault(v, (Kind.PARAMETER, i))
    if role.get(root, (None,))[0] is Kind.PARAMETER and not root_may_be_parameter:
        raise CompileError(
            "per_example returns a parameter itself, not a loss computed from it; "
            "return an operation's result (for example 1.0 * p)"
        )
    for reading in record.writes:
        raise CompileError(
            f"the traced code changes a number: `.{reading.attribute}` of "
            f"{_describe(reading.node, record)} is set at {reading.site}. A compiled step "
            "replays the operations, not such changes; compute new numbers with Value "
            "operations instead"
        )

    order = topological_order(root)
    number = {v: i for i, v in enumerate(order)}
    more = list(outputs)
    for v in order:  # order grows: detached leaves need the nodes they copy, and theirs
        if v in record.detached:
            more.append(record.detached[v])
        while more:
            for u in topological_order(more.pop(0)):
                if u not in number:
                    number[u] = len(order)
                    order.append(u)

    for v in reversed(order):  # the Value from outside nearest the root: the one the code used
        if v._inputs and v not in record.made_by and v not in role:
            raise CompileError(
                f"node v{number[v]} ({v._op!r}) was computed before the traced code ran, "
                "which uses it from outside: its number would not be recomputed for each "
                "example. Compute it inside per_example (or in extra)"
            )
    nodes = []
    for i, v in enumerate(order):
        kind, index = role.get(v, (None, 0))
        if kind is not None:
            nodes.append(Node(v, i, kind, index))
        elif v._inputs:
            nodes.append(_operation(v, i, number, record))
        elif v in record.created:
            nodes.append(Node(v, i, Kind.CONSTANT))
        elif v in record.detached:
            nodes.append(Node(v, i, Kind.DETACHED, inputs=(number[record.detached[v]],)))
        elif v in record.made_by:
            raise CompileError(
                f"node v{i} was made by {v._op or 'an operation'} under no_grad() "
                f"({_describe(v, record)}): its number depends on the example, but no "
                "graph records how; compute it with recording on"
            )
        else:
            raise CompileError(
                f"the traced code uses a leaf Value that is not in params ({v!r}): a "
                "compiled step computes the gradients of params only. Add it to params "
                "to train it, or use a plain number to keep it constant"
            )
    dependence = _dependence(record, role)
    label_read = None
    for reading in record.readings:
        depends = dependence(reading.node, reading.attribute)
        if depends is _Dependence.VARYING:
            where = f"node v{number[reading.node]}" if reading.node in number else "a Value"
            shown = reading.attribute.lstrip("_")  # pragma: no mutate (no X starts a name)
            raise CompileError(
                f"the traced code looks at a number that changes from one example to the "
                f"next: it reads `.{shown}` of {where} "
                f"({_describe(reading.node, record)}) at {reading.site}. A compiled step "
                "replays the graph of one example for every example, which is right only "
                "if the code builds the same graph whatever the numbers, and code that "
                "reads a number may branch on it or keep it as a constant. Compute the "
                "loss with Value operations alone, or train without engine.compile"
            )
        if depends is _Dependence.LABEL and label_read is None:
            label_read = reading.site

    return Graph(nodes, number[root], [number[v] for v in outputs], label_read)


def _operation(v: Value, i: int, number: dict[Value, int], record: Record) -> Node:
    """The node of an operation's result; refused if a ``custom_op`` made it."""
    rule = record.made_by[v]
    if rule is None or rule is custom_op:
        raise CompileError(
            f"node v{i} was made by custom_op ({_describe(v, record)}): engine.compile "
            "knows a custom operation only by its numbers at one example, not by its "
            "formula, so it cannot write it out. Build it from the engine's operations, "
            "or train without engine.compile"
        )
    return Node(v, i, Kind.OPERATION, rule=rule, inputs=tuple(number[u] for u in v._inputs))


def _describe(v: Value, record: Record) -> str:
    """A node for an error message: its op (or 'leaf'), label and where it was made."""
    what = f"{v._op!r}" if v._op else "a leaf"
    if v.label:
        what += f" labelled {v.label!r}"
    site = record.sites.get(v)
    return f"{what}, made at {site}" if site else what


def _dependence(
    record: Record, role: dict[Value, tuple[Kind, int]]
) -> Callable[[Value, str], _Dependence]:
    """A function telling what a Value's ``data`` (or ``grad``, ``_local_grads``) depends on."""
    known: dict[Value, _Dependence] = {}

    def leaf(v: Value) -> _Dependence:  # (not a detached leaf: of_data follows those)
        kind = role.get(v, (None,))[0]
        if kind is Kind.LABEL:
            return _Dependence.LABEL
        if v in record.created:
            return _Dependence.CONSTANT
        return _Dependence.VARYING  # inputs, parameters, other Values made elsewhere

    def of_data(start: Value) -> _Dependence:
        stack = [start]
        while stack:  # an iterative post-order walk: no recursion limit
            v = stack[-1]
            if v in known:
                stack.pop()
            elif v in record.detached:  # as the node it copies
                source = record.detached[v]
                if source in known:
                    known[v] = known[source]
                    stack.pop()
                else:
                    stack.append(source)
            elif not v._inputs:
                known[v] = leaf(v)
                stack.pop()
            elif v not in record.made_by:
                known[v] = _Dependence.VARYING  # computed outside the trace
                stack.pop()
            else:
                missing = [u for u in v._inputs if u not in known]
                if missing:
                    stack.extend(missing)
                else:
                    known[v] = max(known[u] for u in v._inputs)
                    stack.pop()
        return known[start]

    def dependence(v: Value, attribute: str) -> _Dependence:
        if attribute == "grad":  # a node made here has grad 0; another's grad is state
            made_here = v in record.created or v in record.made_by
            return _Dependence.CONSTANT if made_here else _Dependence.VARYING
        return of_data(v)

    return dependence
