r"""Drills: the chain rule by hand, one node at a time, with hints that escalate.

``drill(L)`` turns any graph, the learner's own formula included, into
questions, one per node below the output: "What is dL/de?". They come in
reverse topological order, so every node's users were asked about first, and
each answer needs only the ones before it:

$$\frac{dL}{de} = \sum_{u \text{ uses } e} \frac{dL}{du}\,\frac{\partial u}{\partial e}.$$

Notation: $\partial u / \partial e$ is the **local derivative** of one
operation $u$ toward its input $e$ (the op's own rule), $dL/de$ the
**gradient**: how the output $L$ changes with $e$ through every path.

``question.answer(x)`` grades ``x`` with a tolerance (1% by default: three
significant digits are enough) and returns ``Feedback``. A wrong answer gets
the next hint: the op's derivative rule, then the upstream gradient $dL/du$,
then the product, then, for a value used more than once, "add both
contributions". Common slips are named at once: an answer that is one
contribution of several, the local derivative without the upstream
gradient, or the wrong sign.

Constants (numbers that met a Value) are not asked about. Computing the
answers runs ``backward()`` once and then puts every ``.grad`` back as it
was, so a learner's graph keeps its (unfilled) gradients.

>>> from engine import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> e = a * b; e.label = "e"
>>> L = e + 10; L.label = "L"
>>> practice = drill(L)
>>> [q.prompt for q in practice]
['What is dL/de?', 'What is dL/da?', 'What is dL/db?']
>>> practice["a"].answer(2.0).correct
False
>>> practice["a"].answer(-3.0)
Correct: dL/da = -3.0 (dL/de · ∂e/∂a = 1.0 · -3.0).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from engine.backprop import topological_order
from engine.exercises.compare import show
from engine.stepper import _node_names
from engine.value import Constant, Value

if TYPE_CHECKING:
    from engine.exercises.quiz import NumberQuestion

#: One graded answer: (question, answer, correct or None when not answered, message).
Row = tuple["Question | NumberQuestion", object, "bool | None", str]

#: Default tolerance of an answer: relative (1%), and absolute for answers near 0.
REL_TOL = 0.01
ABS_TOL = 1e-6


class Feedback:
    """The verdict on one answer: ``correct`` (bool) and ``message``.

    Shown as its message in a notebook and by ``print``; true when correct,
    so ``assert question.answer(x)`` works in a script.
    """

    __slots__ = ("correct", "message")

    def __init__(self, correct: bool, message: str) -> None:
        self.correct = correct
        self.message = message

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        mark = "✓" if self.correct else "✗"
        return f"{mark} {self.message}"


class _Use:
    """One use of a node: by ``user`` (its name ``user_name``), with local derivative ``local``."""

    __slots__ = ("user", "user_name", "position", "local", "upstream", "is_root")

    def __init__(
        self,
        user: Value,
        user_name: str,
        position: int,
        local: float,
        upstream: float,
        is_root: bool,
    ) -> None:
        self.user = user
        self.user_name = user_name
        self.position = position
        self.local = local
        self.upstream = upstream
        self.is_root = is_root

    @property
    def contribution(self) -> float:
        """$dL/du \\cdot \\partial u / \\partial e$: what this use adds to the node's gradient."""
        return self.upstream * self.local


class Question:
    """ "What is dL/de?" for one node ``e`` of a drill.

    * ``name``, ``node``: the node asked about; ``prompt``: the question;
    * ``answer(x)``: grade an answer, returns ``Feedback`` (a wrong one gets
      the next hint);
    * ``hint()``: the next hint without answering;
    * ``solved``, ``attempts``: progress so far.
    """

    def __init__(
        self,
        node: Value,
        name: str,
        root_name: str,
        gradient: float,
        uses: list[_Use],
        names: dict[Value, str],
        rel_tol: float,
        abs_tol: float,
    ) -> None:
        self.node = node
        self.name = name
        self.root_name = root_name
        self.prompt = f"What is d{root_name}/d{name}?"
        self.solved = False
        self.attempts = 0
        self._gradient = gradient
        self._uses = uses
        self._names = names
        self._rel_tol = rel_tol
        self._abs_tol = abs_tol
        self._hints = self._make_hints()
        self._hints_given = 0

    def __repr__(self) -> str:
        state = "solved" if self.solved else f"{self.attempts} attempts"
        return f"Question({self.prompt!r}, {state})"

    def __str__(self) -> str:
        return self.prompt

    # -- hints -------------------------------------------------------------------

    def _make_hints(self) -> list[str]:
        """The escalating hints: rule, upstream gradient, product, then the sum (if reused)."""
        big_l, e = self.root_name, self.name
        distinct: dict[Value, _Use] = {}
        for use in self._uses:
            distinct.setdefault(use.user, use)
        rules = []
        for user, use in distinct.items():
            here = [u for u in self._uses if u.user is user]
            rule = " + ".join(_rule(user, u.position, e, self._names) for u in here)
            local = math.fsum(u.local for u in here)
            both = f" ({e} is both of its inputs)" if len(here) > 1 else ""
            value = "" if rule in ("1", "−1") else f" = {show(local)}"
            rules.append(
                f"{use.user_name} = {_formula(user, self._names)}, so the local derivative "
                f"∂{use.user_name}/∂{e} = {rule}{value}{both}"
            )
        upstream = []
        for use in distinct.values():
            if use.is_root:
                upstream.append(f"d{big_l}/d{big_l} = 1 (the output itself)")
            else:
                upstream.append(
                    f"d{big_l}/d{use.user_name} = {show(use.upstream)} (a question before this one)"
                )
        products = [
            f"d{big_l}/d{use.user_name} · ∂{use.user_name}/∂{e} = {show(use.upstream)} · "
            f"{show(use.local)} = {show(use.contribution)}"
            for use in self._uses
        ]
        hints = [
            "The rule: " + "; ".join(rules) + ".",
            "The upstream gradient: " + "; ".join(upstream) + ".",
            "The chain rule multiplies them: " + "; ".join(products) + ".",
        ]
        if len(self._uses) > 1:
            terms = " + ".join(show(use.contribution) for use in self._uses)
            hints.append(
                f"{e} is used {_times(len(self._uses))}: add the contributions, "
                f"d{big_l}/d{e} = {terms} = {show(self._gradient)}."
            )
        return hints

    def hint(self) -> str:
        """The next hint (after the last one, the last one again)."""
        index = min(self._hints_given, len(self._hints) - 1)
        self._hints_given = min(self._hints_given + 1, len(self._hints))
        return f"Hint {index + 1} of {len(self._hints)}: {self._hints[index]}"

    # -- answering ---------------------------------------------------------------

    def _close(self, x: float, target: float) -> bool:
        return math.isclose(x, target, rel_tol=self._rel_tol, abs_tol=self._abs_tol)

    def is_right(self, x: float) -> bool:
        """True when ``x`` is the gradient, within the drill's tolerance (no hint, no attempt)."""
        return self._close(x, self._gradient)

    def answer(self, x: object) -> Feedback:
        """Grade ``x`` as d(output)/d(this node); a wrong answer gets a diagnosis and a hint."""
        number = _as_number(x)
        if number is None:
            return Feedback(
                False,
                f"Answer with a number, e.g. .answer(-6.0) (got {type(x).__name__}: {x!r}).",
            )
        self.attempts += 1
        if self.is_right(number):
            self.solved = True
            return Feedback(True, f"Correct: {self._solution()}.")
        return Feedback(
            False, f"Not quite: {show(number)}. " + self._diagnose(number) + self.hint()
        )

    def _solution(self) -> str:
        """``dL/de = -6.0 (dL/dd · ∂d/∂e = -2.0 · 3.0)``."""
        big_l, e = self.root_name, self.name
        terms = " + ".join(
            f"d{big_l}/d{use.user_name} · ∂{use.user_name}/∂{e}" for use in self._uses
        )
        numbers = " + ".join(f"{show(use.upstream)} · {show(use.local)}" for use in self._uses)
        return f"d{big_l}/d{e} = {show(self._gradient)} ({terms} = {numbers})"

    def first_hint(self) -> str:
        """The first hint (the op's rule), as a grading cell shows it under a wrong answer."""
        return self._hints[0]

    def _diagnose(self, x: float) -> str:
        """A named slip, when the answer is one: a partial sum, no upstream, no local, the sign."""
        contributions = [use.contribution for use in self._uses]
        if 2 <= len(contributions) <= 10:  # beyond 10 uses, 2**n sums are too many to try
            # every subset but the empty one (no slip) and the whole (the answer, graded right)
            for mask in range(1, 2 ** len(contributions) - 1):  # pragma: no mutate (0, 2**n)
                part = [c for i, c in enumerate(contributions) if mask >> i & 1]
                if any(part) and self._close(x, math.fsum(part)):
                    return (
                        f"That is only part of it: {self.name} is used "
                        f"{_times(len(contributions))}, and each use adds a contribution. "
                    )
        users = {use.user for use in self._uses}
        if len(users) == 1:
            use = self._uses[0]
            local = math.fsum(u.local for u in self._uses)
            if use.upstream != 1.0 and local != 0 and self._close(x, local):
                upstream = f"d{self.root_name}/d{use.user_name}"
                return (
                    f"That is the local derivative ∂{use.user_name}/∂{self.name} alone: the "
                    f"chain rule multiplies it by the upstream gradient {upstream}. "
                )
            if local != 1.0 and use.upstream != 0 and self._close(x, use.upstream):
                return (
                    f"That is the upstream gradient d{self.root_name}/d{use.user_name} alone: "
                    f"multiply it by the local derivative ∂{use.user_name}/∂{self.name}. "
                )
        if self._gradient != 0 and self._close(x, -self._gradient):
            return "Check the sign. "
        return ""


class Drill:
    """The questions of a drill, in order: ``drill[0]``, ``drill["e"]``, ``for q in drill``.

    ``next_question()`` is the first one not solved yet, ``check(answers)``
    grades a dict of answers at once (for a grading cell), and ``str(drill)``
    shows progress.
    """

    def __init__(self, root_name: str, questions: list[Question]) -> None:
        self.root_name = root_name
        self.questions = questions

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, key: int | str) -> Question:
        if isinstance(key, int):
            return self.questions[key]
        for question in self.questions:
            if question.name == key:
                return question
        names = ", ".join(q.name for q in self.questions)
        raise KeyError(f"no question about {key!r} in this drill; the nodes are: {names}")

    def next_question(self) -> Question | None:
        """The first question not solved yet, or ``None`` when all are."""
        return next((q for q in self.questions if not q.solved), None)

    def check(self, answers: Mapping[str, object]) -> DrillReport:
        """Grade ``{name: answer}`` for every question (``None`` or missing: not answered yet).

        Grading here gives no hints and counts no attempts: it is the
        grading cell's view. A name that is no node of the drill is reported.
        """
        if not isinstance(answers, Mapping):
            raise TypeError(
                "Drill.check expects a dict of answers, e.g. {'a': -3.0, 'b': 2.0}, "
                f"got {type(answers).__name__}"
            )
        rows = [grade(question, answers.get(question.name)) for question in self.questions]
        unknown = [name for name in answers if all(q.name != name for q in self.questions)]
        return DrillReport(self.root_name, rows, unknown)

    def __str__(self) -> str:
        solved = sum(q.solved for q in self.questions)
        lines = [f"Drill on {self.root_name}: {solved} of {len(self)} solved"]
        for i, question in enumerate(self.questions):
            state = "solved" if question.solved else "not yet"
            lines.append(f"  {i}. {question.prompt}  ({state})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        solved = sum(q.solved for q in self.questions)
        rows = [f"**Drill on {self.root_name}: {solved} of {len(self)} solved**", ""]
        rows += ["| # | question | |", "|---|---|---|"]
        for i, question in enumerate(self.questions):
            state = "✓ solved" if question.solved else "not yet"
            rows.append(f"| {i} | {question.prompt} | {state} |")
        return "\n".join(rows)


class DrillReport:
    """The grade of a dict of answers: ``passed`` and one row per question.

    ``rows`` holds ``(question, answer, correct, message)``; ``correct`` is
    ``None`` for a question not answered yet. ``unknown`` lists answers given
    for names that are no node of the drill. ``names``, when given, are the
    names the answers were given under (a ``Quiz``'s), one per row, and are
    shown beside the questions.
    """

    #: How a row names an answer given for no question (a quiz words it its own way).
    unknown_text = "no node of this drill"

    def __init__(
        self,
        root_name: str,
        rows: list[Row],
        unknown: list[str],
        names: list[str] | None = None,
    ) -> None:
        self.root_name = root_name
        self.rows = rows
        self.unknown = unknown
        self.names = names
        self.passed = all(correct for _, _, correct, _ in rows) and not unknown

    @property
    def title(self) -> str:
        """What the summary calls the questions: ``Drill on L``."""
        return f"Drill on {self.root_name}"

    @property
    def summary(self) -> str:
        right = sum(bool(correct) for _, _, correct, _ in self.rows)
        missing = sum(correct is None for _, _, correct, _ in self.rows)
        verdict = "passed" if self.passed else "not yet"
        extra = f", {missing} not answered yet" if missing else ""
        return f"{self.title}: {right} of {len(self.rows)} right{extra}: {verdict}"

    def _marked(self) -> list[tuple[str, str, str, str]]:
        """``(mark, name, prompt, message)`` per row; ``name`` is "" without ``names``."""
        names = self.names if self.names is not None else [""] * len(self.rows)
        return [
            ("✓" if correct else "·" if correct is None else "✗", name, question.prompt, message)
            for name, (question, _, correct, message) in zip(names, self.rows)
        ]

    def __str__(self) -> str:
        lines = [self.summary]
        for mark, name, prompt, message in self._marked():
            lines.append(f"  {mark} {name + ': ' if name else ''}{prompt} {message}")
        for name in self.unknown:
            lines.append(f"  ✗ {name!r} is {self.unknown_text}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        named = self.names is not None
        head = (
            "| | name | question | |\n|---|---|---|---|"
            if named
            else "| | question | |\n|---|---|---|"
        )
        rows = [f"**{self.summary}**", "", head]
        for mark, name, prompt, message in self._marked():
            cells = [mark, f"`{name}`"] if named else [mark]
            cells += [prompt.replace("|", "/"), message.replace("|", "/")]
            rows.append("| " + " | ".join(cells) + " |")
        for name in self.unknown:
            cells = (
                ["✗", f"`{name}`", "", self.unknown_text]
                if named
                else ["✗", f"`{name}`", self.unknown_text]
            )
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows)


def grade(question: Question | NumberQuestion, given: object) -> Row:
    """One row of a grading cell's report: ``(question, answer, correct, message)``.

    ``None`` is "not answered yet" (``correct`` is ``None``), a number is right
    or wrong (a wrong one shows the question's first hint), anything else is
    not a number. No hint is used up and no attempt counted.
    """
    number = _as_number(given)
    if given is None:
        return (question, None, None, "not answered yet")
    if number is None:
        return (question, given, False, f"not a number: {given!r}")
    if question.is_right(number):
        return (question, number, True, "correct")
    return (question, number, False, f"not {show(number)}. {question.first_hint()}".rstrip())


def _times(count: int) -> str:
    """``twice``, ``3 times``: how often a node is used."""
    return "twice" if count == 2 else f"{count} times"


def _as_number(x: object) -> float | None:
    """``x`` as a float (a number or a numeric string), else ``None``."""
    if isinstance(x, bool) or x is None:
        return None
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return None
    try:
        return float(x)  # numpy floats, Fractions
    except (TypeError, ValueError):
        return None


def drill(root: Value, *, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> Drill:
    """Questions "What is dL/dx?" for every node below ``root`` (constants left out).

    Names are the nodes' labels, or ``v0``, ``v1``, ... (as in ``engine.draw``).
    ``rel_tol`` and ``abs_tol`` set how close an answer must be.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"drill expects a Value (the output of a formula), got {type(root).__name__}"
        )
    order = topological_order(root)
    names = _node_names(order)
    gradients = _gradients(root, order)
    uses: dict[Value, list[_Use]] = {}
    for user in order:
        for position, (child, local) in enumerate(zip(user._inputs, user._local_grads)):
            uses.setdefault(child, []).append(
                _Use(user, names[user], position, local, gradients[user], user is root)
            )
    questions = [
        Question(
            node, names[node], names[root], gradients[node], uses[node], names, rel_tol, abs_tol
        )
        for node in reversed(order)
        if node is not root and not isinstance(node, Constant)
    ]
    if not questions:
        raise ValueError(
            "drill: the graph has no node below its output to ask about; build a formula "
            "from Values first, e.g. L = a * b + c"
        )
    return Drill(names[root], questions)


def _gradients(root: Value, order: list[Value]) -> dict[Value, float]:
    """$dL/dv$ for every node, by ``backward()``; every ``.grad`` is put back afterwards."""
    saved = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    try:
        root.backward()
        return {node: node.grad for node in order}
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def _formula(user: Value, names: dict[Value, str]) -> str:
    """The operation that made ``user``, with its inputs' names: ``a * b``, ``tanh(d)``."""
    args = [_operand(x, names) for x in user._inputs]
    op = user._op
    infix = {"+": " + ", "-": " - ", "*": " * ", "/": " / ", "**": " ** "}
    if op in infix and len(args) == 2:
        return infix[op].join(args)
    if op.startswith("**") and len(args) == 1:
        return f"{args[0]} {op[:2]} {op[2:]}"
    if op == "neg":
        return f"-{args[0]}"
    if op == "sum":
        return " + ".join(args)
    return f"{op}({', '.join(args)})"


def _operand(x: Value, names: dict[Value, str]) -> str:
    return show(x.data) if isinstance(x, Constant) else names[x]


def _rule(user: Value, position: int, e: str, names: dict[Value, str]) -> str:
    r"""The op's rule for $\partial u / \partial e$, in symbols: ``b``, ``1 − tanh²(d)``."""
    op = user._op
    inputs = [_operand(x, names) for x in user._inputs]
    u = names[user]
    if op in ("+", "sum"):
        return "1"
    if op == "-":
        return "1" if position == 0 else "−1"
    if op == "neg":
        return "−1"
    if op == "*":
        return f"{inputs[1 - position]} (the other factor)"
    if op == "/":
        a, b = inputs
        return f"1/{b}" if position == 0 else f"−{a}/{b}²"
    if op.startswith("**") and len(inputs) == 1:
        n = op[2:]
        return f"{n}·{e}^({n} − 1)"
    if op == "exp":
        return f"exp({e}) = {u}"
    if op == "log":
        return f"1/{e}"
    if op == "sin":
        return f"cos({e})"
    if op == "cos":
        return f"−sin({e})"
    if op == "tanh":
        return f"1 − tanh²({e}) = 1 − {u}²"
    if op == "sigmoid":
        return f"σ({e})·(1 − σ({e})) = {u}·(1 − {u})"
    if op == "relu":
        return f"1 if {e} > 0, else 0"
    if op == "w·x+b":
        count = len(inputs) // 2
        if position < count:
            return f"the input this weight multiplies, {inputs[count + position]}"
        if position < 2 * count:
            return f"the weight of this input, {inputs[position - count]}"
        return "1 (the bias)"
    if op == "max":
        return "1 for the largest input, 0 for the others"
    return "the local derivative this operation stored"
