r"""Grading a student's own scalar engine: ``check_engine(Value)``.

Thousands of students write their own micrograd. ``check_engine`` takes such
a class, anything shaped like micrograd's ``Value`` (``Value(number)``,
``.data``, ``.grad``, ``.backward()``, operators, ``relu``/``tanh``/``exp``
methods), builds the same expressions with it and with chainrule, and
compares every forward value and every gradient. ``engine.exercises.compare``
explains how the first difference is traced to a classic mistake.

The checks, in the order they run (``ENGINE_CHECKS`` lists them):

=================  ===========================================================
``core``           ``Value(2.0).data == 2.0``, ``.grad`` starts at 0, ``backward`` exists
``seed``           after ``y.backward()``, ``y.grad == 1`` (the output is seeded)
``add`` ...        each operation on its own at several points, then under an
                   upstream gradient (``(a * b) * k``): ``add``, ``mul``, ``sub``,
                   ``neg``, ``truediv``, ``pow``, ``radd``, ``rsub``, ``rmul``,
                   ``rtruediv``, ``relu``, ``tanh``, ``exp``, ``log``, ``sigmoid``,
                   ``sin``, ``cos``
``reuse``          a value used twice: ``a * a``, ``a + a``, ``x * y + x``
``diamond``        a node reached by a long and a short path
``subexpression``  a subexpression used by several nodes, twice by one of them
``mlp``            a small MLP's squared-error loss, built from the student's Values
=================  ===========================================================

Which operations the class has is probed first: an operation it does not
have is "not implemented", which is not a failure (micrograd 0.1.0 has no
``tanh`` and passes everything it has). A method that raises
``NotImplementedError`` (a skeleton's "not done yet") is not implemented
too. ``core``, ``seed``, ``add``, ``mul`` and the four structural checks
always count. A teacher who passes ``checks=[...]`` chooses the checks that
count, and every check named there must be implemented; the name ``"ops"``
stands for every operation check, each counted where the class has it.

Every check runs with a time limit in a worker thread
(``engine.exercises.sandbox``): an exception becomes a failed check that
names the exception and the student's line, an infinite loop a failed check
after ``time_limit`` seconds. After two checks have run out of time the
others are not run (each would wait as long).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from engine.exercises.compare import OPS, StudentMistake, Twin, compare, number
from engine.exercises.sandbox import Failure, Outcome, run_limited
from engine.grad_mode import enable_grad

#: Every kind of mistake a report can name, with its title.
MISTAKES: dict[str, str] = {
    "seed": "the output's gradient is not seeded with 1",
    "no_flow": "no gradient flows back from the output",
    "graph": "an operation does not record its inputs",
    "forward": "an operation computes the wrong value",
    "local_derivative": "an operation has the wrong local derivative",
    "relu": "relu passes gradient where its input was not positive",
    "upstream": "an operation ignores the gradient from above (out.grad)",
    "accumulate": "gradients are assigned (=) instead of added (+=)",
    "topological_order": "backward() does not visit the nodes in reverse topological order",
    "not_a_number": "a .data or .grad is not a number",
    "not_a_value": "an operation returns something other than a Value",
    "exception": "your code raised an exception",
    "timeout": "your code did not finish in time",
    "missing": "something required is missing or not done yet",
}

_HINTS: dict[str, str] = {
    "seed": "start backward() with self.grad = 1.0 (dL/dL = 1), before the loop over the nodes",
    "no_flow": (
        "backward() sets self.grad = 1.0 first, then calls _backward() on every node in "
        "reverse topological order"
    ),
    "graph": "make each result with its inputs as children: Value(data, (self, other), '*')",
    "relu": "relu'(z) = 0 for z ≤ 0: self.grad += (out.data > 0) * out.grad",
    "upstream": "multiply each local derivative by out.grad: self.grad += local * out.grad",
    "accumulate": (
        "a Value used several times receives one contribution per use: add them up "
        "(self.grad += ...) in every _backward, never assign (=)"
    ),
    "topological_order": (
        "build a list in which every node comes after its inputs (a depth-first search that "
        "appends a node once its children are done), then call _backward() on reversed(topo)"
    ),
    "not_a_number": "keep .data and .grad plain numbers: use other.data, not other, in arithmetic",
    "not_a_value": "return a new Value: out = Value(data, (self, other), '+'); return out",
    "exception": "read the line shown: it raised during the check",
    "timeout": "look for a loop that never ends (a while loop, a walk without a visited set)",
    "missing": "implement what the message names",
    # (an op's wrong value gets its rule instead: see _hint)
    "forward": "a Value keeps the number it is made with: self.data = data",
}

#: The class attribute each operation check needs.
_NEEDS: dict[str, str] = {
    "add": "__add__",
    "mul": "__mul__",
    "sub": "__sub__",
    "neg": "__neg__",
    "truediv": "__truediv__",
    "pow": "__pow__",
    "radd": "__radd__",
    "rsub": "__rsub__",
    "rmul": "__rmul__",
    "rtruediv": "__rtruediv__",
    "relu": "relu",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sigmoid": "sigmoid",
    "sin": "sin",
    "cos": "cos",
}

_STRUCTURE = ("reuse", "diamond", "subexpression", "mlp")

#: Every check by name, with what it tests (in the order they run).
ENGINE_CHECKS: dict[str, str] = {
    "core": "Value(2.0).data is 2.0, .grad starts at 0, and backward() exists",
    "seed": "after y.backward(), y.grad is 1 (the output is seeded)",
    **{
        key: f"{OPS[key].example} on its own and under an upstream gradient; {OPS[key].rule}"
        for key in _NEEDS
    },
    "reuse": "a value used twice: a * a, a + a, x * y + x (gradients add up)",
    "diamond": "a node reached by a long and a short path (reverse topological order)",
    "subexpression": "a subexpression used by several nodes, twice by one of them",
    "mlp": "a small MLP's squared-error loss, built from your Values",
}

#: The checks that always count (unless ``checks=`` says otherwise).
_ALWAYS = ("core", "seed", "add", "mul", *_STRUCTURE)

#: How many checks may run out of time before the rest are not run.
MAX_TIMEOUTS = 2


# -- what a report holds ------------------------------------------------------------------


class CheckResult:
    """One check's result.

    * ``name``: the check (a key of ``ENGINE_CHECKS``);
    * ``passed``: True when it passed;
    * ``status``: ``"passed"``, ``"failed"``, ``"not implemented"`` or ``"not run"``;
    * ``message``: what went wrong (``""`` when it passed);
    * ``diagnosis``: the kind of mistake (a key of ``MISTAKES``) or ``None``;
    * ``op``: the operation the mistake is in (``"tanh"``) or ``None``;
    * ``failure``: the exception or timeout (``engine.exercises.sandbox.Failure``), or ``None``.
    """

    __slots__ = ("name", "passed", "status", "message", "diagnosis", "op", "failure", "derived")

    def __init__(
        self,
        name: str,
        status: str,
        message: str = "",
        diagnosis: str | None = None,
        op: str | None = None,
        failure: Failure | None = None,
        derived: bool = False,
    ) -> None:
        self.name = name
        self.status = status
        self.passed = status == "passed"
        self.message = message
        self.diagnosis = diagnosis
        self.op = op
        self.failure = failure
        self.derived = derived  # the op is built from others in the student's engine

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        text = f"{mark} {self.name}"
        return f"{text}: {self.message}" if self.message else text

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.status!r}, diagnosis={self.diagnosis!r})"

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-able fields."""
        return {
            "name": self.name,
            "passed": self.passed,
            "status": self.status,
            "message": self.message,
            "diagnosis": self.diagnosis,
            "op": self.op,
            "failure": self.failure.to_dict() if self.failure else None,
        }


class Finding:
    """One mistake a report names: its ``kind`` (a key of ``MISTAKES``), the ``op`` it is in,
    a ``hint`` on how to fix it, and the ``checks`` that showed it."""

    __slots__ = ("kind", "op", "hint", "checks")

    def __init__(self, kind: str, op: str | None, hint: str, checks: list[str]) -> None:
        self.kind = kind
        self.op = op
        self.hint = hint
        self.checks = checks

    @property
    def title(self) -> str:
        """The mistake in words, with its op: ``an operation has the wrong ... (tanh)``."""
        return MISTAKES[self.kind] + (f" ({self.op})" if self.op else "")

    def __str__(self) -> str:
        return f"{self.title}: {self.hint} [{', '.join(self.checks)}]"

    def __repr__(self) -> str:
        return f"Finding({self.kind!r}, op={self.op!r})"


class EngineReport:
    """What ``check_engine`` found.

    * ``passed``: True when every check that counts passed;
    * ``checks``: the ``CheckResult`` of every check that counts, in order;
    * ``not_implemented``: the operation checks skipped because the class
      does not have them (not failures), as ``CheckResult``s saying why;
    * ``findings``: the distinct mistakes, each with a hint (``Finding``).

    ``str(report)`` is a readable summary, ``report.to_json()`` the same for
    autograders, and ``report["relu"]`` one check's result.
    """

    def __init__(
        self, class_name: str, checks: list[CheckResult], not_implemented: list[CheckResult]
    ) -> None:
        self.class_name = class_name
        self.checks = checks
        self.not_implemented = not_implemented
        self.passed = bool(checks) and all(check.passed for check in checks)
        self.findings = _findings(checks)

    def __getitem__(self, name: str) -> CheckResult:
        for check in (*self.checks, *self.not_implemented):
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r} in this report; it has {self._names()}")

    def _names(self) -> str:
        return ", ".join(c.name for c in (*self.checks, *self.not_implemented))

    @property
    def summary(self) -> str:
        """``check_engine(Value): 17 of 19 checks passed``."""
        count = sum(check.passed for check in self.checks)
        verdict = "all passed" if self.passed else "FAILED"
        return (
            f"check_engine({self.class_name}): {count} of {len(self.checks)} checks passed, "
            f"{verdict}"
        )

    def _messages(self) -> list[tuple[CheckResult, str]]:
        """Each check with the message to show: a mistake seen before is named, not repeated."""
        shown: list[tuple[CheckResult, str]] = []
        first: dict[tuple[object, ...], str] = {}
        for check in self.checks:
            if check.passed:
                shown.append((check, ""))
                continue
            key = (check.diagnosis, check.op, check.failure.location if check.failure else None)
            if check.diagnosis is not None and key in first:
                shown.append((check, f"the same mistake as in {first[key]}"))
            else:
                first.setdefault(key, check.name)
                shown.append((check, check.message))
        return shown

    def __str__(self) -> str:
        lines = [self.summary]
        for check, message in self._messages():
            mark = "✓" if check.passed else "✗"
            lines.append(
                f"  {mark} {check.name}: {message}" if message else f"  {mark} {check.name}"
            )
        if self.not_implemented:
            names = ", ".join(check.name for check in self.not_implemented)
            lines.append(f"  not implemented (not counted): {names}")
        if self.findings:
            lines.append("To fix:")
            lines += [f"  * {finding}" for finding in self.findings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        rows = ["| | check | result |", "|---|---|---|"]
        for check, message in self._messages():
            mark = "✓" if check.passed else "✗"
            text = _markdown_cell(message) if message else "passed"
            rows.append(f"| {mark} | `{check.name}` | {text} |")
        parts = [f"**{self.summary}**", "\n".join(rows)]
        if self.not_implemented:
            names = ", ".join(f"`{check.name}`" for check in self.not_implemented)
            parts.append(f"Not implemented (not counted): {names}")
        if self.findings:
            parts.append(
                "**To fix:**\n\n"
                + "\n".join(f"* {_markdown_cell(str(finding))}" for finding in self.findings)
            )
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able data: passed, counts, every check, findings."""
        return {
            "class": self.class_name,
            "passed": self.passed,
            "passed_count": sum(check.passed for check in self.checks),
            "total": len(self.checks),
            "checks": [check.to_dict() for check in self.checks],
            "not_implemented": [check.to_dict() for check in self.not_implemented],
            "findings": [
                {
                    "kind": finding.kind,
                    "op": finding.op,
                    "title": finding.title,
                    "hint": finding.hint,
                    "checks": finding.checks,
                }
                for finding in self.findings
            ],
        }

    def to_json(self) -> str:
        """``to_dict()`` as indented JSON text."""
        return json.dumps(
            self.to_dict(),
            indent=2,
            ensure_ascii=False,  # pragma: no mutate (None is false too)
        )


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _findings(checks: list[CheckResult]) -> list[Finding]:
    """The distinct (kind, op) of the failed checks, in order, each with its hint.

    An op built from others in the student's engine (``a - b`` as ``a + (-b)``)
    fails whenever those do, or when its nodes are visited in the wrong
    order: its finding is left out when a mistake is found outside such ops.
    """
    found: dict[tuple[str, str | None], Finding] = {}
    derived: set[tuple[str, str | None]] = set()
    for check in checks:
        if check.passed or check.diagnosis is None:
            continue
        key = (check.diagnosis, check.op)
        if check.failure is not None and check.failure.location:  # the same line: one finding
            key = (check.diagnosis, check.failure.location)
        if key not in found:
            found[key] = Finding(check.diagnosis, check.op, _hint(check), [])
            if check.derived:
                derived.add(key)
        found[key].checks.append(check.name)
    if len(derived) == len(found):
        return list(found.values())
    return [finding for key, finding in found.items() if key not in derived]


def _hint(check: CheckResult) -> str:
    """How to fix the mistake a failed check shows."""
    kind, op = check.diagnosis, check.op
    if kind in ("local_derivative", "forward") and op in OPS:
        return f"{OPS[op].rule}; in micrograd style: {OPS[op].code}"
    if kind in ("exception", "timeout") and check.failure and check.failure.location:
        return f"see {check.failure.location}"
    if kind == "missing" and check.failure and check.failure.location:
        return f"write the code that raises NotImplementedError at {check.failure.location}"
    return _HINTS[kind or "missing"]  # pragma: no mutate (a finding always has a kind)


# -- the checks ---------------------------------------------------------------------------


class _Context:
    """What every check needs: the student's class, the ops it has, and what is running."""

    def __init__(self, value_class: Callable[[float], Any], available: set[str]) -> None:
        self.value_class = value_class
        self.available = available
        # the MLP's hidden activation, chosen just before the mlp check (its only reader) runs
        self.activation: str | None = None  # pragma: no mutate (never read before it is set)
        # the expression being checked, for messages about exceptions
        self.current = ""  # pragma: no mutate (None is false too)
        # whether it mixes numbers with Values (a * 3.0), read as true or false only
        self.number_operand = False  # pragma: no mutate (None is false too)

    def leaves(self, data: dict[str, float]) -> list[Twin]:
        """One named leaf per entry of ``data``, in both engines."""
        return [Twin.leaf(self.value_class, x, name) for name, x in data.items()]

    def check(self, text: str, build: Callable[..., Twin], data: dict[str, float]) -> None:
        """Build ``build(*leaves)`` in both engines and compare everything (see ``compare``)."""
        shown = ", ".join(f"{name} = {x!r}" for name, x in data.items())
        self.current = f"{text} at {shown}"
        self.number_operand = any(character.isdigit() for character in text)
        compare(build(*self.leaves(data)), self.value_class, self.current)


class _Case(NamedTuple):
    """One expression of an operation check, ``text``, built by ``build`` at ``data``."""

    text: str
    build: Callable[..., Twin]
    data: tuple[float, ...]


def _cases(
    text: str, build: Callable[..., Twin], *points: float | tuple[float, ...]
) -> list[_Case]:  # pragma: no mutate block (runs at import; cases shown in golden/engine_*)
    return [_Case(text, build, p if isinstance(p, tuple) else (p,)) for p in points]


#: Each operation check's expressions and points: away from kinks, and asymmetric so
#: that swapped inputs show (at a = 2, b = -3, ∂(a·b)/∂a = -3 differs from a).
_OP_CASES: dict[str, list[_Case]] = {
    "add": [
        *_cases("a + b", lambda a, b: a + b, (2.0, -3.0), (-0.5, 4.0)),
        *_cases("a + 2.5", lambda a: a + 2.5, 1.5),
    ],
    "mul": [
        *_cases("a * b", lambda a, b: a * b, (2.0, -3.0), (-1.5, 0.5)),
        *_cases("a * 3.0", lambda a: a * 3.0, 1.7),
    ],
    "sub": [
        *_cases("a - b", lambda a, b: a - b, (2.0, -3.0)),
        *_cases("a - 2.5", lambda a: a - 2.5, 1.5),
    ],
    "neg": _cases("-a", lambda a: -a, 2.0, -0.7),
    "truediv": [
        *_cases("a / b", lambda a, b: a / b, (3.0, -2.0)),
        *_cases("a / 4.0", lambda a: a / 4.0, 1.5),
    ],
    "pow": [
        *_cases("a ** 2", lambda a: a**2, 1.7),
        *_cases("a ** 3", lambda a: a**3, -1.3),
        *_cases("a ** -1", lambda a: a**-1, 0.8),
        *_cases("a ** 0.5", lambda a: a**0.5, 2.3),
    ],
    "radd": _cases("2.5 + a", lambda a: 2.5 + a, 1.5),
    "rsub": _cases("2.5 - a", lambda a: 2.5 - a, 1.5),
    "rmul": _cases("3.0 * a", lambda a: 3.0 * a, 1.7),
    "rtruediv": _cases("2.0 / a", lambda a: 2.0 / a, 1.6, -0.8),
    "relu": _cases("a.relu()", lambda a: a.relu(), -2.0, 1.5, -0.3, 0.7),
    "tanh": _cases("a.tanh()", lambda a: a.tanh(), 0.5, -1.2),
    "exp": _cases("a.exp()", lambda a: a.exp(), 0.5, -1.2),
    "log": _cases("a.log()", lambda a: a.log(), 0.5, 2.5),
    "sigmoid": _cases("a.sigmoid()", lambda a: a.sigmoid(), 0.5, -1.2),
    "sin": _cases("a.sin()", lambda a: a.sin(), 0.5, -2.2),
    "cos": _cases("a.cos()", lambda a: a.cos(), 0.5, -2.2),
}

#: The upstream gradient of every op check's second pass, ``op(...) * k``.
_K = -1.5


def _check_op(key: str, ctx: _Context) -> None:
    """Every case of one operation, alone and then times a leaf ``k`` (where ``*`` exists)."""
    for text, build, point in _OP_CASES[key]:
        data = dict(zip("ab", point))
        ctx.check(text, build, data)
        if "mul" in ctx.available:
            ctx.check(
                f"({text}) * k",
                lambda *leaves, build=build: build(*leaves[:-1]) * leaves[-1],
                {**data, "k": _K},
            )


def _check_seed(ctx: _Context) -> None:
    """``y = a * b`` (or ``a + b``): after ``y.backward()``, ``y.grad`` must be 1."""
    if "mul" in ctx.available:
        ctx.check("y = a * b", lambda a, b: a * b, {"a": 2.0, "b": -3.0})
    else:
        ctx.check("y = a + b", lambda a, b: a + b, {"a": 2.0, "b": -3.0})


def _check_reuse(ctx: _Context) -> None:
    """A value used twice gets two contributions: ``a * a``, ``a + a``, ``x * y + x``."""
    ctx.check("a * a", lambda a: a * a, {"a": 3.0})
    ctx.check("a + a", lambda a: a + a, {"a": 3.0})
    ctx.check("x * y + x", lambda x, y: x * y + x, {"x": 2.0, "y": -3.0})


def _diamond(a: Twin, b: Twin, c: Twin, d: Twin, e: Twin, f: Twin) -> Twin:
    """``m = a * b`` reaches the output by a short path (``m * c``) and a long one.

    The long path is three nodes, ``((m + d) * e) * f``, and each path has a
    node of its own between ``m`` and the output. A backward pass that walks
    breadth-first from the output reaches ``m`` through the short path before
    the long path has given it its share; one that walks depth-first, either
    way round, reaches ``m`` through one path before the other path's node has
    run; one that recurses without a visited set runs ``m`` twice.
    """
    m = _named(a * b, "m")
    short = m * c
    long = _named(_named(m + d, "p") * e, "q") * f
    return short + long


def _subexpression(a: Twin, b: Twin, c: Twin, d: Twin) -> Twin:
    """``t = a * b + c`` used three times: ``(t * t) * (t + d)``."""
    t = _named(a * b + c, "t")
    return (t * t) * (t + d)


def _named(twin: Twin, name: str) -> Twin:
    twin.name = name
    return twin


def _check_diamond(ctx: _Context) -> None:
    ctx.check(
        "y = m * c + ((m + d) * e) * f with m = a * b",
        _diamond,
        {"a": 1.5, "b": -2.0, "c": 0.5, "d": 3.0, "e": -1.0, "f": 2.0},
    )


def _check_subexpression(ctx: _Context) -> None:
    ctx.check(
        "y = (t * t) * (t + d) with t = a * b + c",
        _subexpression,
        {"a": 1.5, "b": -2.0, "c": 0.5, "d": 3.0},
    )


#: The small MLP: 2 inputs, 3 hidden neurons, 1 output. Some hidden neurons
#: have a negative input (a dead ReLU), some a positive one.
_MLP_HIDDEN = [([0.5, -0.3], 0.1), ([-0.8, 0.2], -0.2), ([0.1, 0.9], 0.05)]
_MLP_OUTPUT = ([0.7, -0.4, 0.6], 0.3)
_MLP_DATA = [([2.0, -1.0], 1.0), ([-0.5, 1.5], -1.0)]


def _check_mlp(ctx: _Context) -> None:
    """The squared-error loss of a 2-3-1 MLP over two examples, from the student's Values."""
    data = {}
    for j, (weights, bias) in enumerate(_MLP_HIDDEN):
        data.update({f"layers.0.neurons.{j}.w.{i}": w for i, w in enumerate(weights)})
        data[f"layers.0.neurons.{j}.b"] = bias
    weights, bias = _MLP_OUTPUT
    data.update({f"layers.1.neurons.0.w.{i}": w for i, w in enumerate(weights)})
    data["layers.1.neurons.0.b"] = bias
    activation = ctx.activation

    def loss(*leaves: Twin) -> Twin:
        p = dict(zip(data, leaves))
        total = None
        for x, target in _MLP_DATA:
            hidden = []
            for j in range(len(_MLP_HIDDEN)):
                z = p[f"layers.0.neurons.{j}.w.0"] * x[0] + p[f"layers.0.neurons.{j}.w.1"] * x[1]
                z = z + p[f"layers.0.neurons.{j}.b"]
                hidden.append(getattr(z, activation)() if activation else z)
            out = p["layers.1.neurons.0.w.0"] * hidden[0]
            for i in (1, 2):
                out = out + p[f"layers.1.neurons.0.w.{i}"] * hidden[i]
            error = out + p["layers.1.neurons.0.b"] + (-target)
            square = error * error
            total = square if total is None else total + square
        return total

    shape = f"{activation} hidden layer" if activation else "no activation"
    ctx.current = f"the MLP's loss ({shape})"
    ctx.number_operand = True  # w * x with x a number
    compare(loss(*ctx.leaves(data)), ctx.value_class, ctx.current)


_STRUCTURE_CHECKS: dict[str, Callable[[_Context], None]] = {
    "seed": _check_seed,
    "reuse": _check_reuse,
    "diamond": _check_diamond,
    "subexpression": _check_subexpression,
    "mlp": _check_mlp,
}


def _check_core(value_class: Callable[[float], Any]) -> type | StudentMistake:
    """``Value(2.0)`` has ``.data == 2.0``, ``.grad == 0`` and a ``backward`` method.

    Returns the class of ``Value(2.0)``, or the mistake found (as every check's runner
    does: raised out of the check, it would read as an exception in the student's code).
    """
    try:
        v = value_class(2.0)
        data = number(v.data, "Value(2.0).data")
        if data != 2.0:
            raise StudentMistake("forward", f"Value(2.0).data is {data!r}; it should be 2.0")
        grad = number(v.grad, "Value(2.0).grad")
        if grad != 0:
            raise StudentMistake(
                "missing", f"a new Value's .grad is {grad!r}; it should start at 0"
            )
        if not callable(getattr(v, "backward", None)):
            raise StudentMistake("missing", "your Value has no backward() method")
    except StudentMistake as mistake:
        return mistake
    return type(v)


# -- running the checks -------------------------------------------------------------------


def check_engine(
    value_class: Callable[[float], Any],
    *,
    checks: Iterable[str] | None = None,
    time_limit: float = 2.0,  # pragma: no mutate (a test would wait 2 s to see it)
) -> EngineReport:
    """Grade a student's micrograd-style ``Value`` class against chainrule.

    Returns an ``EngineReport``: ``.passed``, ``.checks`` (each with
    ``.name``, ``.passed``, ``.message``), ``.findings`` and a readable
    ``str()``. Never raises because of the student's code: exceptions and
    infinite loops (``time_limit`` seconds per check) become failed checks.

    * ``checks``: the names of the checks that count (keys of
      ``ENGINE_CHECKS``, or ``"ops"`` for every operation the class has);
      by default ``core``, ``seed``, ``add``, ``mul``, ``reuse``,
      ``diamond``, ``subexpression``, ``mlp`` and every other operation
      the class has. A check named here must be implemented.

    >>> from engine import Value
    >>> check_engine(Value).passed
    True
    """
    if not callable(value_class):
        raise TypeError(
            f"check_engine expects the student's Value class, got {type(value_class).__name__}"
        )
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)):
        raise TypeError(f"check_engine: time_limit must be a number of seconds, got {time_limit!r}")
    if not time_limit > 0:
        raise ValueError(f"check_engine: time_limit must be positive, got {time_limit!r}")
    plan = _plan(checks)
    class_name = getattr(value_class, "__name__", type(value_class).__name__)

    core = run_limited(lambda: _check_core(value_class), time_limit)
    results: list[CheckResult] = []
    skipped: list[CheckResult] = []
    if not core.ok or not isinstance(core.value, type):
        # (a fresh context: the core's result reads neither the class nor the ops it has)
        results.append(_result("core", core, _Context(value_class, set())))  # pragma: no mutate
        not_run = "not run: core failed (Value(2.0), .data, .grad, backward() come first)"
        results += [CheckResult(name, "not run", not_run) for name, _ in plan if name != "core"]
        return EngineReport(class_name, results, skipped)
    results.append(CheckResult("core", "passed"))

    kind = core.value
    available = {key for key, attr in _NEEDS.items() if _defines(kind, attr)}
    ctx = _Context(value_class, available)
    timeouts = 0
    for name, required in plan:
        if name == "core":
            continue
        if name in _NEEDS and name not in available:
            message = f"your Value has no {_NEEDS[name]} (for {OPS[name].example})"
            if required:
                results.append(CheckResult(name, "failed", message, "missing", name))
            else:
                skipped.append(CheckResult(name, "not implemented", message))
            continue
        if timeouts >= MAX_TIMEOUTS:
            results.append(
                CheckResult(name, "not run", f"not run: {MAX_TIMEOUTS} checks ran out of time")
            )
            continue
        if name == "mlp":
            ctx.activation = _mlp_activation(results, available)
        run = _runner(name, ctx)
        result = _result(name, run_limited(run, time_limit), ctx)
        timeouts += result.diagnosis == "timeout"
        if result.status == "not implemented" and not required:
            skipped.append(result)
        else:
            if result.status == "not implemented":
                result = CheckResult(
                    name, "failed", result.message, "missing", result.op, result.failure
                )
            results.append(result)
    return EngineReport(class_name, results, skipped)


def _plan(checks: Iterable[str] | None) -> list[tuple[str, bool]]:
    """``(name, required)`` for every check to run, in ``ENGINE_CHECKS`` order (``core`` always
    runs first, named or not)."""
    if checks is None:
        wanted = {name: name in _ALWAYS for name in ENGINE_CHECKS}
    else:
        if isinstance(checks, str):
            checks = [checks]
        wanted = {}
        for name in checks:
            if name == "ops":
                for key in _NEEDS:  # (read as true or false only: None would do as well)
                    wanted.setdefault(key, False)  # pragma: no mutate
            elif name in ENGINE_CHECKS:
                wanted[name] = True
            else:
                raise ValueError(
                    f"check_engine: unknown check {name!r}; valid names: "
                    f"{', '.join(ENGINE_CHECKS)}, or 'ops' for every operation"
                )
    return [(name, wanted[name]) for name in ENGINE_CHECKS if name in wanted]


def _defines(kind: type, attribute: str) -> bool:
    """True when the class ``kind`` has a method ``attribute`` (a placeholder such as
    ``relu = None`` is not one; ``object`` itself has none of ``_NEEDS``' methods)."""
    return callable(getattr(kind, attribute, None))


def _mlp_activation(results: list[CheckResult], available: set[str]) -> str | None:
    """The MLP's hidden activation: tanh or relu, preferring one whose own check passed."""
    passed = {result.name for result in results if result.passed}
    for name in ("tanh", "relu"):
        if name in passed:
            return name
    for name in ("tanh", "relu"):
        if name in available:
            return name
    return None


def _runner(name: str, ctx: _Context) -> Callable[[], StudentMistake | None]:
    """The function that runs check ``name``: returns the mistake it finds, or ``None``."""

    def run() -> StudentMistake | None:
        with enable_grad():  # chainrule's side must record its graph
            try:
                if name in _STRUCTURE_CHECKS:
                    _needs_add_and_mul(name, ctx)
                    _STRUCTURE_CHECKS[name](ctx)
                else:
                    _check_op(name, ctx)
            except StudentMistake as mistake:
                return mistake
        return None

    return run


def _needs_add_and_mul(name: str, ctx: _Context) -> None:
    """The structural checks build graphs from ``+`` and ``*``; ``seed`` needs one of them
    (``a * b``, or else ``a + b``)."""
    missing = [OPS[op].example for op in ("add", "mul") if op not in ctx.available]
    if name == "seed":
        if len(missing) == 2:
            raise StudentMistake("missing", f"this check needs {' or '.join(missing)}")
    elif missing:
        raise StudentMistake("missing", f"this check needs {' and '.join(missing)}")


def _result(name: str, outcome: Outcome[StudentMistake | None], ctx: _Context) -> CheckResult:
    """A ``CheckResult`` from a check's outcome: passed, a mistake found, or a failure."""
    failure = outcome.failure
    if failure is None:
        mistake = outcome.value
        if mistake is None:
            return CheckResult(name, "passed")
        return CheckResult(
            name, "failed", mistake.message, mistake.kind, mistake.op, derived=mistake.derived
        )
    where = f"{ctx.current}: " if ctx.current else ""
    op = name if name in _NEEDS else None
    if failure.exception == "NotImplementedError":
        # a NotImplementedError of the student's class has a line of theirs: place is not ""
        place = f" ({failure.location})" if failure.location else ""  # pragma: no mutate
        text = failure.detail or "a method raises NotImplementedError"
        return CheckResult(
            name, "not implemented", f"not done yet: {text}{place}", "missing", op, failure
        )
    message = f"{where}your code {failure}"
    if failure.exception in ("AttributeError", "TypeError") and ctx.number_operand:
        message += (
            "; to accept a number as an operand, wrap it first: "
            "other = other if isinstance(other, Value) else Value(other)"
        )
    return CheckResult(name, "failed", message, failure.kind, op, failure)
