r"""One expression built in two engines, and the first place where they part.

``check_engine`` grades a student's engine by building every test expression
twice, once with the student's ``Value`` and once with chainrule's, node by
node. A ``Twin`` holds both versions of one node and remembers how it was
made (its operation and its inputs), so that after both backward passes
``compare`` can walk the graph from the output down and find the first node
whose gradient differs. Every node above it is right, so the mistake is in
what reached this node from the nodes that use it, and a few experiments
tell the classic mistakes apart:

* the output's own gradient is not 1: the root was not **seeded**;
* a node does not list one of its inputs among its children (``_prev``,
  ``inputs``, where the class shows them): the **graph** was not recorded
  (checked on every edge, even where the numbers come out right);
* in ``y = x + 3``, no gradient reaches ``x`` at all: **no flow** (the seed
  set after the loop, or no ``_backward`` ever called);
* the node's user, run again on fresh inputs with the same numbers, gives
  another local derivative than $\partial u / \partial x$: a wrong **local
  derivative** of that op (a **relu** that passes gradient where its input
  was negative is the classic case);
* run again under an upstream gradient $k \ne 1$, the user passes back its
  local derivative alone, not times $k$: it ignores the **upstream** gradient;
* the node is used several times and its gradient is the sum of some of the
  contributions, not all: the others were **overwritten** (``=`` instead of
  ``+=``);
* otherwise every user has the right gradient and the right rule, yet the
  sum is wrong: a user passed its gradient back before it had all of it, or
  more than once: backward did not run in reverse **topological order**.

The checks are designed so that each mistake shows where the others cannot:
reuse (``a * a``) needs ``+=`` but no ordering; a diamond with a long and a
short path needs the ordering but each op alone does not.

Everything here runs inside ``engine.exercises.sandbox.run_limited``: the
student's code may raise or hang at any line.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import Any

from engine.grad_mode import enable_grad
from engine.value import Constant, Value

#: Relative and absolute tolerance when comparing the student's numbers with chainrule's.
REL_TOL = 1e-7
ABS_TOL = 1e-9

#: Attribute names under which micrograd-style classes keep a node's children.
GRAPH_ATTRIBUTES = (
    "_prev",
    "_children",
    "children",
    "inputs",
    "_inputs",
    "prev",
    "_parents",
    "parents",
)

#: The upstream gradient used to see whether an op multiplies by ``out.grad``.
UPSTREAM = -2.5

#: How many of a student's nodes a walk looks at, at most (check_engine's graphs: < 300).
WALK_LIMIT = 10_000


class StudentMistake(Exception):
    """A finding about the student's engine, raised where it is found: ``kind`` and message."""

    def __init__(
        self, kind: str, message: str, op: str | None = None, derived: bool = False
    ) -> None:
        super().__init__(message)  # pragma: no mutate (caught in every check, read as .message)
        self.kind = kind
        self.message = message
        self.op = op
        self.derived = derived  # the op is built from others in the student's engine


# -- the operations, with their rules --------------------------------------------------


class Op:
    """One operation a student's engine may have.

    * ``key``: the check's name (``"mul"``); ``symbol``: how it reads (``"*"``);
    * ``template``: the expression with ``{0}``, ``{1}`` for its inputs;
    * ``rule``: its local derivatives, in words a student can check;
    * ``code``: the micrograd-style line that computes them.

    ``example`` is the op on named inputs, as a report writes it: ``a * b``,
    ``c - a`` (``c`` a number), ``a ** n``, ``relu(a)``.
    """

    __slots__ = ("key", "symbol", "template", "rule", "code")

    def __init__(
        self, key: str, symbol: str, template: str, rule: str, code: str
    ) -> None:  # pragma: no mutate block (runs at import, for OPS: fields in golden reports)
        self.key = key
        self.symbol = symbol
        self.template = template
        self.rule = rule
        self.code = code

    @property
    def example(self) -> str:
        second = "n" if self.key == "pow" else "c" if self.template.startswith("{1}") else "b"
        return self.template.format("a", second)


OPS: dict[str, Op] = {
    op.key: op
    for op in (
        Op(
            "add",
            "+",
            "{0} + {1}",
            "∂(a + b)/∂a = 1 and ∂(a + b)/∂b = 1",
            "self.grad += out.grad; other.grad += out.grad",
        ),
        Op(
            "mul",
            "*",
            "{0} * {1}",
            "∂(a·b)/∂a = b and ∂(a·b)/∂b = a",
            "self.grad += other.data * out.grad; other.grad += self.data * out.grad",
        ),
        Op(
            "sub",
            "-",
            "{0} - {1}",
            "∂(a − b)/∂a = 1 and ∂(a − b)/∂b = −1",
            "return self + (-other)",
        ),
        Op("neg", "neg", "-{0}", "∂(−a)/∂a = −1", "return self * -1"),
        Op(
            "truediv",
            "/",
            "{0} / {1}",
            "∂(a/b)/∂a = 1/b and ∂(a/b)/∂b = −a/b²",
            "return self * other**-1",
        ),
        Op(
            "pow",
            "**",
            "{0} ** {1}",
            "∂(aⁿ)/∂a = n·aⁿ⁻¹",
            "self.grad += other * self.data ** (other - 1) * out.grad",
        ),
        Op(
            "radd",
            "+",
            "{1} + {0}",
            "∂(c + a)/∂a = 1",
            "def __radd__(self, other): return self + other",
        ),
        Op(
            "rsub",
            "-",
            "{1} - {0}",
            "∂(c − a)/∂a = −1",
            "def __rsub__(self, other): return other + (-self)",
        ),
        Op(
            "rmul",
            "*",
            "{1} * {0}",
            "∂(c·a)/∂a = c",
            "def __rmul__(self, other): return self * other",
        ),
        Op(
            "rtruediv",
            "/",
            "{1} / {0}",
            "∂(c/a)/∂a = −c/a²",
            "def __rtruediv__(self, other): return other * self**-1",
        ),
        Op(
            "relu",
            "relu",
            "relu({0})",
            "relu'(z) = 1 for z > 0 and 0 for z ≤ 0",
            "self.grad += (out.data > 0) * out.grad",
        ),
        Op(
            "tanh",
            "tanh",
            "tanh({0})",
            "tanh'(x) = 1 − tanh²(x)",
            "self.grad += (1 - t**2) * out.grad",
        ),
        Op("exp", "exp", "exp({0})", "exp'(x) = exp(x)", "self.grad += out.data * out.grad"),
        Op("log", "log", "log({0})", "log'(x) = 1/x", "self.grad += (1 / self.data) * out.grad"),
        Op(
            "sigmoid",
            "sigmoid",
            "sigmoid({0})",
            "σ'(x) = σ(x)·(1 − σ(x))",
            "self.grad += s * (1 - s) * out.grad",
        ),
        Op(
            "sin",
            "sin",
            "sin({0})",
            "sin'(x) = cos(x)",
            "self.grad += math.cos(self.data) * out.grad",
        ),
        Op(
            "cos",
            "cos",
            "cos({0})",
            "cos'(x) = −sin(x)",
            "self.grad += -math.sin(self.data) * out.grad",
        ),
    )
}


# -- twins ---------------------------------------------------------------------------------


class Twin:
    """One node built in both engines: ``student`` (their Value) and ``reference`` (chainrule's).

    ``op`` is the key of the operation that made it (``""`` for a leaf),
    ``inputs`` the Twins it was made from, and ``apply`` the function that
    made it from its inputs' nodes (with any number operand baked in), so
    the student's op can be run again on fresh inputs. Operators on Twins
    apply the same Python operator to both sides.
    """

    __slots__ = ("student", "reference", "op", "inputs", "apply", "name", "text", "operands")

    def __init__(
        self,
        student: Any,
        reference: Value,
        op: str = "",
        inputs: tuple[Twin, ...] = (),
        apply: Callable[..., Any] | None = None,
        name: str = "",
        text: str = "",
        operands: tuple[str, ...] = (),
    ) -> None:
        self.student = student
        self.reference = reference
        self.op = op
        self.inputs = inputs
        self.apply = apply
        self.name = name
        self.text = text or name
        self.operands = operands  # number operands, as text: the 2 of a * 2

    @classmethod
    def leaf(cls, value_class: Callable[[float], Any], data: float, name: str) -> Twin:
        """A leaf named ``name`` holding ``data`` in both engines."""
        return cls(value_class(data), Value(data), name=name)  # messages name it, not its label

    @classmethod
    def made(
        cls, op: str, apply: Callable[..., Any], inputs: tuple[Twin, ...], *operands: str
    ) -> Twin:
        """``apply`` on ``inputs`` in both engines (``operands``: its numbers, as text)."""
        student = apply(*(t.student for t in inputs))
        reference = apply(*(t.reference for t in inputs))
        text = OPS[op].template.format(*(_parenthesized(t.text) for t in inputs), *operands)
        if not (hasattr(student, "data") and hasattr(student, "grad")):
            raise StudentMistake(
                "not_a_value",
                f"your {text} returned a {type(student).__name__}, not a Value: an operation "
                "returns a new Value that records its inputs, e.g. "
                "out = Value(self.data + other.data, (self, other), '+')",
                op,
            )
        return cls(student, reference, op, inputs, apply, text=text, operands=operands)

    def title(self) -> str:
        """``a`` for a named node, ``the `*` node a * b`` otherwise (the expression if short)."""
        if self.name:
            return self.name
        # no mutate: no node of check_engine's graphs has 30 or 31 characters (29, then 41)
        text = f" {self.text}" if len(self.text) <= 30 else ""  # pragma: no mutate (see above)
        return f"the `{OPS[self.op].symbol}` node{text}"

    def describe(self) -> str:
        """The title with the node's number: ``a (data 2.0)``."""
        return f"{self.title()} (data {show(self.reference.data)})"

    def formula(self) -> str:
        """The op on its inputs' numbers, ``tanh(0.5)``: what the node's data should be."""
        numbers = [show(t.reference.data) for t in self.inputs]
        return OPS[self.op].template.format(*numbers, *self.operands)

    # operators: each is the same Python operator on both sides
    def __add__(self, other: Twin | float) -> Twin:
        return _binary("add", operator.add, self, other)

    def __radd__(self, other: float) -> Twin:
        return _reflected("radd", operator.add, self, other)

    def __sub__(self, other: Twin | float) -> Twin:
        return _binary("sub", operator.sub, self, other)

    def __rsub__(self, other: float) -> Twin:
        return _reflected("rsub", operator.sub, self, other)

    def __mul__(self, other: Twin | float) -> Twin:
        return _binary("mul", operator.mul, self, other)

    def __rmul__(self, other: float) -> Twin:
        return _reflected("rmul", operator.mul, self, other)

    def __truediv__(self, other: Twin | float) -> Twin:
        return _binary("truediv", operator.truediv, self, other)

    def __rtruediv__(self, other: float) -> Twin:
        return _reflected("rtruediv", operator.truediv, self, other)

    def __pow__(self, exponent: float) -> Twin:
        return Twin.made("pow", lambda x: x**exponent, (self,), repr(exponent))

    def __neg__(self) -> Twin:
        return Twin.made("neg", operator.neg, (self,))

    def relu(self) -> Twin:
        return Twin.made("relu", lambda x: x.relu(), (self,))

    def tanh(self) -> Twin:
        return Twin.made("tanh", lambda x: x.tanh(), (self,))

    def exp(self) -> Twin:
        return Twin.made("exp", lambda x: x.exp(), (self,))

    def log(self) -> Twin:
        return Twin.made("log", lambda x: x.log(), (self,))

    def sigmoid(self) -> Twin:
        return Twin.made("sigmoid", lambda x: x.sigmoid(), (self,))

    def sin(self) -> Twin:
        return Twin.made("sin", lambda x: x.sin(), (self,))

    def cos(self) -> Twin:
        return Twin.made("cos", lambda x: x.cos(), (self,))


def _binary(op: str, function: Callable[[Any, Any], Any], left: Twin, right: Twin | float) -> Twin:
    """``left <op> right``: two Twins, or a Twin and a number (baked into ``apply``)."""
    if isinstance(right, Twin):
        return Twin.made(op, function, (left, right))
    return Twin.made(op, lambda x: function(x, right), (left,), repr(right))


def _reflected(op: str, function: Callable[[Any, Any], Any], right: Twin, left: float) -> Twin:
    """``number <op> twin`` (``2 - a``): the number stays on the left."""
    return Twin.made(op, lambda x: function(left, x), (right,), repr(left))


def _parenthesized(text: str) -> str:
    return f"({text})" if " " in text else text


def show(x: float) -> str:
    """A number as a report shows it: at most six significant digits."""
    if x == 0 or not math.isfinite(x) or 1e-4 <= abs(x) < 1e6:  # pragma: no mutate (1e-4 < : alike)
        return repr(round(x, 6))  # inf and nan round to themselves
    return f"{x:.6g}"


def close(x: float, y: float) -> bool:
    """True when two numbers agree to ``REL_TOL`` (or ``ABS_TOL`` near 0)."""
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def number(x: object, what: str) -> float:
    """``x`` as a float, or a ``StudentMistake`` saying that ``what`` is not a number."""
    if isinstance(x, numbers.Real):
        return float(x)
    kind = type(x).__name__
    hint = ""
    if hasattr(x, "data") and hasattr(x, "grad"):
        hint = "; it is a Value itself: use .data of the other Value (e.g. other.data * out.grad)"
    raise StudentMistake("not_a_number", f"{what} is a {kind}, not a number{hint}")


# -- walking the twin graph --------------------------------------------------------------


def twin_order(root: Twin) -> list[Twin]:
    """Every Twin ``root`` depends on, each after all of its inputs (an iterative DFS)."""
    order: list[Twin] = []
    seen: set[int] = set()
    stack: list[tuple[Twin, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in node.inputs)  # each seen one is skipped
    return order


def _reference_locals(user: Twin) -> list[float]:
    r"""$\partial\,\text{user} / \partial\,\text{input}_j$ in chainrule, one per twin input ``j``.

    chainrule makes every op one node whose inputs are the twin inputs'
    nodes in order, plus a ``Constant`` for a number operand.
    """
    node = user.reference
    positions = [i for i, x in enumerate(node._inputs) if not isinstance(x, Constant)]
    assert len(positions) == len(user.inputs)  # each twin op is one chainrule node
    for j, i in enumerate(positions):
        assert node._inputs[i] is user.inputs[j].reference
    return [node._local_grads[i] for i in positions]


# -- comparing ---------------------------------------------------------------------------


def compare(root: Twin, value_class: Callable[[float], Any], what: str) -> None:
    """Run both backward passes from ``root``; raise ``StudentMistake`` at the first difference.

    ``what`` names the expression in messages (``"x * y + x"``). Forward
    values are compared first (in topological order), then the output's own
    gradient, then every node's gradient from the output down.
    """
    order = twin_order(root)
    for twin in order:
        data = number(twin.student.data, f"the .data of {twin.title()}")
        if not close(data, twin.reference.data):
            right = show(twin.reference.data)
            if not twin.op:
                raise StudentMistake(
                    "forward", f"{what}: Value({right}).data is {show(data)}; it should be {right}"
                )
            raise StudentMistake(
                "forward",
                f"{what}: your {twin.title().removeprefix('the ')} has data {show(data)}; "
                f"it should be {twin.formula()} = {right}",
                twin.op,
            )
    root.student.backward()
    with enable_grad():
        root.reference.backward()
    seed = number(root.student.grad, "the output's .grad after backward()")
    if not close(seed, 1.0):
        raise StudentMistake(
            "seed",
            f"{what}: after backward(), the output's own gradient is {show(seed)}; it must be "
            "1.0 (dL/dL = 1): backward() starts by seeding it, before any gradient flows back",
        )
    users: dict[int, list[tuple[Twin, int]]] = {}
    for twin in order:
        for j, child in enumerate(twin.inputs):
            users.setdefault(id(child), []).append((twin, j))
    grads = {}
    for twin in reversed(order):
        grads[id(twin)] = number(twin.student.grad, f"the .grad of {twin.title()}")
    for twin in reversed(order):
        if twin is root or close(grads[id(twin)], twin.reference.grad):
            continue
        _diagnose(twin, users[id(twin)], order, grads, value_class, what)
    _check_recorded(order, what, "")  # right numbers, but would a longer graph work?


def _check_recorded(order: list[Twin], what: str, start: str) -> None:
    """Raise the ``graph`` mistake if a node does not reach one of its inputs (where visible).

    A micrograd-style op whose result forgets its children still updates its
    input's gradient through its closure, so on its own it looks right; but
    ``backward()`` never reaches the nodes below it. Where the class shows
    its graph (``_prev``, ``inputs``, ...), every edge is checked.
    """
    for twin in reversed(order):
        for child in twin.inputs:
            if not _reaches(twin.student, child.student):
                op = OPS[twin.op]
                raise StudentMistake(
                    "graph",
                    f"{what}: {start}your `{op.symbol}` node does not list its input "
                    f"{child.describe()} among its children, so backward() never reaches "
                    "what lies below it: pass the inputs when you make the result, e.g. "
                    f"Value(t, (self,), '{op.symbol}')",
                    twin.op,
                )


def _diagnose(
    node: Twin,
    uses: list[tuple[Twin, int]],
    order: list[Twin],
    grads: dict[int, float],
    value_class: Callable[[float], Any],
    what: str,
) -> None:
    """Raise the ``StudentMistake`` that explains why ``node``'s gradient differs."""
    got, expected = grads[id(node)], node.reference.grad
    start = f"{what}: {node.describe()} has gradient {show(got)}; it should be {show(expected)}."
    distinct = list({id(user): user for user, _ in uses}.values())
    _check_recorded(order, what, start.removeprefix(f"{what}: ") + " ")
    if not _gradient_flows(value_class):
        raise StudentMistake(
            "no_flow",
            f"{start} In fact no gradient flows at all: after y = x + 3 and y.backward(), "
            "y.grad is 1 but x.grad is 0. backward() must set self.grad = 1 first and then "
            "call every node's _backward(), in reverse topological order",
        )
    for user in distinct:
        theirs, ours = _replay(user, value_class), _reference_locals(user)
        for j, (local, right) in enumerate(zip(theirs, ours)):
            if not close(local, right):
                _wrong_local(user, j, local, right, what)
    for user in distinct:
        if not close(user.reference.grad, 1.0) and _ignores_upstream(user, value_class):
            op = OPS[user.op]
            upstream = user.reference.grad
            raise StudentMistake(
                "upstream",
                f"{start} Your `{op.symbol}` node passes back its local derivative alone, "
                f"without multiplying by its own gradient dL/d({op.symbol}) = {show(upstream)}: "
                "the chain rule is local derivative · out.grad",
                user.op,
                _is_derived(user),
            )
    contributions = [_reference_locals(user)[j] * user.reference.grad for user, j in uses]
    if len(uses) >= 2 and _partial_sum(got, contributions):
        terms = " + ".join(show(c) for c in contributions)
        raise StudentMistake(
            "accumulate",
            f"{start} It is used {_times(len(uses))} ({_uses_text(uses)}), so its gradient is "
            f"the sum of {len(uses)} contributions, {terms} = {show(expected)}, but it holds "
            "only some of them: the others were overwritten. Add to .grad (+=) in every "
            "_backward, never assign it (=)",
        )
    raise StudentMistake(
        "topological_order",
        f"{start} Every node that uses it has the right gradient and the right local "
        "derivative, so one of them passed its gradient back before it had received all of "
        "it (or passed it more than once): backward() must visit the nodes in reverse "
        "topological order, each node after every node that uses it",
    )


def _partial_sum(got: float, contributions: list[float]) -> bool:
    """True when ``got`` is the sum of some, not all, of the contributions.

    ``got`` is not their sum (``_diagnose`` is looking at a wrong gradient). A node used more
    than ten times is not searched: check_engine's graphs use a node at most three times.
    """
    if len(contributions) > 10:  # pragma: no mutate (at most 3 uses)
        return False  # pragma: no mutate (at most 3 uses)
    count = len(contributions)
    # no mask 0, nor all contributions; more masks only repeat those (pragma: the bounds)
    for mask in range(1, 2**count - 1):  # pragma: no mutate (see above)
        part = [c for i, c in enumerate(contributions) if mask >> i & 1]
        if any(part) and close(got, math.fsum(part)):
            return True
    return False


def _times(count: int) -> str:
    """``twice``, ``three times``: how often a node is used (check_engine's graphs: at most 3)."""
    return {2: "twice", 3: "three times"}.get(count, f"{count} times")  # pragma: no mutate (<= 3)


def _uses_text(uses: list[tuple[Twin, int]]) -> str:
    """``both times by the `*` node``, ``by the `+` node, and twice by the `*` node``, or
    ``by the `*` node, and by another `*` node``."""
    counts: dict[int, tuple[Twin, int]] = {}
    for user, _ in uses:
        counts[id(user)] = (user, counts.get(id(user), (user, 0))[1] + 1)
    if len(counts) == 1:  # one user, of both its inputs (every op has one or two)
        ((user, _),) = counts.values()
        return f"both times by the `{OPS[user.op].symbol}` node"
    parts = []
    named: set[str] = set()  # the symbols of the nodes named so far
    for user, count in counts.values():
        times = "" if count == 1 else f"{_times(count)} "
        symbol = OPS[user.op].symbol
        which = "another" if symbol in named else "the"
        named.add(symbol)
        parts.append(f"{times}by {which} `{symbol}` node")
    return ", and ".join(parts)


def _is_derived(user: Twin) -> bool:
    """True when the student's node for ``user`` is built from others (``a - b = a + (-b)``).

    Seen where the class shows its graph: some input is not a direct child,
    or the node has more children than the op has operands.
    """
    children = _children(user.student)
    if children is None:
        return False
    distinct = {id(child) for child in children}  # a * a lists a twice in a tuple
    if len(distinct) > len({id(t) for t in user.inputs}) + len(user.operands):
        return True  # more children than the op has operands: -a made as a * -1
    return not all(any(c is t.student for c in children) for t in user.inputs)


def _wrong_local(user: Twin, j: int, local: float, right: float, what: str) -> None:
    """Raise the wrong-local-derivative finding for input ``j`` of ``user``."""
    op = OPS[user.op]
    child = user.inputs[j]
    upstream = user.reference.grad
    rule = op.rule
    kind = "local_derivative"
    if user.op == "relu":
        z = child.reference.data
        # no mutate: z < 0 differs at z = 0 only, a kink where no check puts a relu
        rule = "relu'(z) = 0 for z ≤ 0" if z <= 0 else "relu'(z) = 1 for z > 0"  # pragma: no mutate
        if right == 0:
            kind = "relu"
    raise StudentMistake(
        kind,
        f"{what}: your `{op.symbol}` node (data {show(user.reference.data)}) passes gradient "
        f"{show(local * upstream)} to its input {child.describe()}; it should pass "
        f"{show(right * upstream)}, since {rule}"
        + (
            f" (your {op.example} is built from other operations: look at those first)"
            if _is_derived(user)
            else ""
        ),
        user.op,
        _is_derived(user),
    )


def _gradient_flows(value_class: Callable[[float], Any]) -> bool:
    """True when ``y = x + 3`` passes any gradient to ``x`` (the simplest graph there is)."""
    x = value_class(2.0)  # pragma: no mutate (any number: flow does not depend on it)
    y = x + value_class(3.0)  # pragma: no mutate (any number: flow does not depend on it)
    y.backward()
    return number(x.grad, "in y = x + 3, after y.backward(), x.grad") != 0


def _fresh_inputs(user: Twin, value_class: Callable[[float], Any]) -> list[Any]:
    """New student leaves with the numbers of ``user``'s inputs, one per input position."""
    return [value_class(t.reference.data) for t in user.inputs]


def _replay(user: Twin, value_class: Callable[[float], Any]) -> list[float]:
    """The student's local derivatives of ``user``'s op: the op alone on fresh leaves."""
    leaves = _fresh_inputs(user, value_class)
    out = user.apply(*leaves)
    out.backward()
    return [number(leaf.grad, "a leaf's .grad") for leaf in leaves]  # pragma: no mutate (text)


def _ignores_upstream(user: Twin, value_class: Callable[[float], Any]) -> bool:
    """True when the student's op passes back a local derivative unscaled under ``UPSTREAM``.

    ``user``'s op on fresh leaves, times a fresh leaf holding ``UPSTREAM``:
    the leaves must get ``UPSTREAM`` times their local derivatives. One input
    that gets its (nonzero) local derivative alone is enough: ``a - b`` built
    as ``a + (-b)`` ignores the upstream toward ``b`` only, where ``-b``
    ignores it.
    """
    locals_alone = _replay(user, value_class)
    leaves = _fresh_inputs(user, value_class)
    out = user.apply(*leaves)
    top = out * value_class(UPSTREAM)
    top.backward()
    # the grads were numbers in the check's own graph, and the product passed them on
    # (pragmas: the texts, and the verdict where it did not, which no engine reaches)
    if not close(number(out.grad, "a node's .grad"), UPSTREAM):  # pragma: no mutate (text)
        return False  # pragma: no mutate (the product itself went wrong: no conclusion)
    scaled = [number(leaf.grad, "a leaf's .grad") for leaf in leaves]  # pragma: no mutate (text)
    return any(close(s, d) and not close(d, 0.0) for s, d in zip(scaled, locals_alone))


def _children(node: object) -> list[Any] | None:
    """The node's children from the first graph attribute it has, or None if it shows none."""
    for name in GRAPH_ATTRIBUTES:
        children = getattr(node, name, None)
        if children is not None and not callable(children):
            return list(children)
    return None


def _reaches(start: object, target: object) -> bool:
    """True when ``target`` is among the nodes below ``start`` (or the class shows no graph).

    A walk by identity (a student's ``__eq__`` and ``__hash__`` are not trusted), at most
    ``WALK_LIMIT`` nodes (beyond that, it gives the benefit of the doubt).
    """
    if _children(start) is None:
        return True
    seen = {id(start)}  # pragma: no mutate (without it, start is walked once more at most)
    stack = [start]
    while stack and len(seen) < WALK_LIMIT:  # pragma: no mutate (<=: check graphs are small)
        node = stack.pop()
        for child in _children(node) or ():
            if child is target:
                return True
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen) >= WALK_LIMIT  # pragma: no mutate (>: check graphs are small)
