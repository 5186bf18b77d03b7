"""The reports a student reads, compared whole with tests/golden/ (see test_pictures_golden).

``check_gradients`` and ``check_engine`` are graders: their verdicts are tested in
test_exercise_tools.py and test_check_engine.py; here it is the text around the verdict,
every row, mark, number and hint, in a terminal (``str``) and in a notebook (markdown).
Regenerate after a deliberate change with ``CHAINRULE_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from engine import Value, custom_op
from engine.exercises import KinkWarning, check_gradients

GOLDEN = Path(__file__).parent / "golden"


def mixed(x: Value, y: Value) -> Value:
    """Right toward x, wrong toward y (2 instead of 3), a kink where x = 0, a | in an error."""
    if y.data > 5:
        raise ValueError("y too big | try smaller")
    wrong_y = custom_op(y.data * 3.0, [y], [2.0], op="thrice")
    return abs(x) + wrong_y


def gradient_reports() -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KinkWarning)
        report = check_gradients(
            mixed,
            [(1.5, -2.0), (0.0, 1.0), (2.0, 6.0), (-1.0, 7.0)],
            expected=lambda x, y: abs(x) + 3.0 * y + (0.5 if x > 1 else 0.0),  # 1.5: wrong
        )
        single = check_gradients(lambda x: x * x, [0.5, -3.0], expected=lambda x: x * x)

    def forever(x: Value) -> Value:
        while True:
            pass

    stopped = check_gradients(forever, [1.0], time_limit=0.2)
    return {
        "gradients_report.txt": str(report),
        "gradients_report.md": report._repr_markdown_(),
        "gradients_single.txt": repr(single),
        "gradients_single.md": single._repr_markdown_(),
        "gradients_stopped.txt": str(stopped),
    }


SKELETON = """
class Value:
    def __init__(self, data):
        self.data = data
        self.grad = 0.0
        self._prev = ()
        self._backward = lambda: None

    def __add__(self, other):
        out = Value(self.data + other.data)
        out._prev = (self, other)

        def _backward():
            self.grad += out.grad
            other.grad = out.grad  # assigned, not added

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data)
        out._prev = (self, other)

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        raise NotImplementedError("write tanh")

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
"""


def engine_reports() -> dict[str, str]:
    import linecache

    from engine.exercises import buggy_value, check_engine

    linecache.cache["skeleton.py"] = (len(SKELETON), None, SKELETON.splitlines(True), "skeleton.py")
    namespace: dict = {"__name__": "skeleton"}
    exec(compile(SKELETON, "skeleton.py", "exec"), namespace)
    skeleton = check_engine(namespace["Value"])
    relu = check_engine(buggy_value("relu"))
    right = check_engine(Value)
    return {
        "engine_skeleton.txt": str(skeleton),
        "engine_skeleton.md": skeleton._repr_markdown_(),
        "engine_skeleton.json": skeleton.to_json(),
        "engine_relu_bug.txt": repr(relu),
        "engine_relu_bug.md": relu._repr_markdown_(),
        "engine_relu_bug.json": relu.to_json(),
        "engine_chainrule.txt": str(right),
    }


def planted_bug_reports() -> dict[str, str]:
    """Each planted bug's report."""
    from engine.exercises import buggy_value, check_engine, kinds

    return {f"engine_bug_{kind}.txt": str(check_engine(buggy_value(kind))) for kind in kinds()}


def lecture_variant(old: str, new: str, filename: str, *more: tuple[str, str]) -> type:
    """The lecture's engine (tests/exercise_solutions) with ``old`` replaced by ``new`` (and
    each further ``(old, new)`` of ``more``)."""
    import linecache

    solution = Path(__file__).parent / "exercise_solutions" / "build_your_own_micrograd.py"
    source = solution.read_text(encoding="utf-8").split("# %% engine\n", 1)[1]
    for before, after in [(old, new), *more]:
        assert source.count(before) == 1, before
        source = source.replace(before, after)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": filename}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["Value"]


def mistake_reports() -> dict[str, str]:
    """The findings' hints for a missing op, a wrong forward value and a backward that hangs."""
    from engine.exercises import check_engine

    missing = lecture_variant(
        "    def __mul__(self, other):\n",
        "    def __mul__(self, other):\n        raise NotImplementedError('write __mul__')\n",
        "missing_mul.py",
    )
    forward = lecture_variant(
        '        out = Value(self.data * other.data, (self, other), "*")\n',
        '        out = Value(self.data + other.data, (self, other), "*")\n',
        "wrong_forward.py",
    )
    hangs = lecture_variant(
        "    def backward(self):\n",
        "    def backward(self):\n        while True:\n            pass\n",
        "hangs.py",
    )
    return {
        "engine_missing_mul.txt": str(check_engine(missing)),
        "engine_wrong_forward.txt": str(check_engine(forward)),
        "engine_hangs.txt": str(check_engine(hangs, time_limit=0.2)),
    }


def diagnosis_reports() -> dict[str, str]:
    """The lecture's engine with one classic slip each: the findings a student reads."""
    from engine.exercises import check_engine

    slips = {
        # relu passes its output, not 1, for z > 0 (right only where z <= 0 or z == 1)
        "relu_passes_its_output": (
            "        self.grad += (out.data > 0) * out.grad\n",
            "        self.grad += out.data * out.grad\n",
        ),
        # the product assigns its second input's gradient: t * t keeps one contribution
        "mul_assigns": (
            "            other.grad += self.data * out.grad\n",
            "            other.grad = self.data * out.grad\n",
        ),
        # the output is seeded after the loop: no gradient flows
        "seeded_last": (
            "        self.grad = 1.0\n        for node in reversed(topo):\n"
            "            node._backward()\n",
            "        for node in reversed(topo):\n            node._backward()\n"
            "        self.grad = 1.0\n",
        ),
        # exp forgets the gradient from above
        "exp_alone": (
            "        def _backward():\n            self.grad += out.data * out.grad\n",
            "        def _backward():\n            self.grad += out.data\n",
        ),
    }
    reports = {
        f"engine_slip_{name}.txt": str(check_engine(lecture_variant(old, new, f"{name}.py")))
        for name, (old, new) in slips.items()
    }
    # one check at a time, so that its message is shown whole: t used three times (children
    # in a tuple: the same order every run), and a relu's wrong local derivative deep in the
    # MLP, under a gradient from above
    in_order = ("        self._prev = set(_children)\n", "        self._prev = tuple(_children)\n")
    only_subexpression = lecture_variant(*slips["mul_assigns"], "mul_assigns.py", in_order)
    relu_mlp = lecture_variant(*slips["relu_passes_its_output"], "relu_mlp.py")
    del relu_mlp.tanh  # the MLP's hidden layer is then relu
    reports["engine_slip_checks_one_by_one.txt"] = "\n".join(
        [
            str(check_engine(only_subexpression, checks=["subexpression"])),
            str(check_engine(relu_mlp, checks=["mlp"])),
        ]
    )
    return reports


def drill_reports() -> dict[str, str]:
    """A drill on L = (a * b + c) * f as a learner sees it: questions, feedback, the grade."""
    from engine.exercises import drill

    a, b, c, f = (Value(x, label=n) for x, n in [(2.0, "a"), (-3.0, "b"), (10.0, "c"), (-2.0, "f")])
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    practice = drill(loss)
    wrong, right = practice["a"].answer(-3.0), practice["a"].answer(6.0)
    grade = practice.check({"d": -2.0, "e": -2.0, "a": 5.0, "zz": 1.0})
    return {
        "drill.txt": "\n---\n".join(
            [str(practice), repr(practice), repr(practice["b"]), str(wrong), repr(right)]
        ),
        "drill.md": "\n---\n".join(
            [practice._repr_markdown_(), wrong._repr_markdown_(), right._repr_markdown_()]
        ),
        "drill_grade.txt": str(grade) + "\n---\n" + repr(grade),
        "drill_grade.md": grade._repr_markdown_(),
    }


def every_op_graph() -> Value:
    """One graph with every operation a drill has a rule for (and two it has none for), a
    constant, a value used twice by one node, and x used by many nodes."""
    from engine import maximum, sum_values, weighted_sum

    x, y, z = (Value(v, label=n) for v, n in [(0.5, "x"), (2.0, "y"), (1.5, "z")])
    w1, w2 = Value(0.3, label="w1"), Value(-0.4, label="w2")
    nodes = {
        "p": x + y,
        "q": x - y,
        "r": y - x,
        "s": (x + y) * (x - y),
        "t": x / y,
        "u": y / x,
        "v": x**3,
        "n": -x,
        "ex": x.exp(),
        "lg": y.log(),
        "sn": x.sin(),
        "cs": x.cos(),
        "th": x.tanh(),
        "sg": x.sigmoid(),
        "rl": x.relu(),
        "dead": (-y).relu(),
        "lk": x.leaky_relu(),
        "pw": x**y,
        "sq": y * y,
        "k": x + 3,
        "sm": sum_values([x, y, 1.5]),
        "wx": weighted_sum([w1, w2], [x, y], y),
        "mx": maximum(x, y),
        "zz": z * z,
        "z1": z + 1,
    }
    for name, node in nodes.items():
        node.label = name
    total = sum_values(list(nodes.values()))
    total.label = "total"
    return total * -1.5


def drill_every_op_reports() -> dict[str, str]:
    """Every question of the every-op drill: its hints to the last, and the feedback on the
    slips a learner makes (the local derivative alone, the upstream alone, the sign, one
    contribution of several, a wrong number, a non-number), then on the right answer."""
    from engine.exercises import drill

    loss = every_op_graph()
    loss.label = "L"
    practice = drill(loss)
    parts = [str(practice)]
    for question in practice:
        uses = question._uses
        slips = [sum(use.local for use in uses), uses[0].upstream, -question._gradient]
        slips += [use.contribution for use in uses[:3]]
        lines = [repr(question), str(question)]
        lines += [question.hint() for _ in range(len(question._hints) + 1)]
        wrong = [slip for slip in slips if not question.is_right(slip)]
        lines += [str(question.answer(slip)) for slip in [*wrong, 123.0, "abc", True]]
        lines += [str(question.answer(question._gradient)), repr(question)]
        parts.append("\n".join(lines))
    answers = {q.name: q._gradient for q in practice}
    answers.update({"x": "not a number", "y": None, "p": "1.0", "q": 7, "w1": False})
    grade = practice.check(answers)
    parts += [str(practice), str(grade), grade._repr_markdown_()]
    return {"drill_every_op.txt": "\n---\n".join(parts)}


def quiz_reports() -> dict[str, str]:
    """A lesson's quiz as a learner sees it: the questions, the feedback on every kind of
    answer (wrong, the wrong sign, not a number, right), the grading cell's report, and the
    messages of a teacher's mistakes in building one."""
    from engine.exercises import NumberQuestion, Quiz, drill

    quiz = Quiz()
    steps = quiz.ask(
        "steps",
        "How many steps make one epoch of 100 examples in batches of 32?",
        answer=4,
        hints=["Steps per epoch = ceil(N / B).", "N = 100, B = 32.", "ceil(3.125) = 4."],
    )
    w = quiz.ask("w", "Where is w | after one step?", answer=2.4, explanation="3 - 0.1 * 6")
    b = quiz.ask("b", "Which bias makes a majority gate?", between=(-2.0, -1.0), hints="-1.5?")
    dead = quiz.ask("dead", "What gradient passes a relu at -2?", answer=0.0, hints=["Flat."])
    neg = quiz.ask("neg", "What is d(-x)/dx?", answer=-1, hints=["-x = (-1) * x."])
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    quiz.add(drill(y)["x"], name="slope")
    quiz.add(drill(y * 2)["y"])
    lone = NumberQuestion("lone", "What is 2 + 0.5?", answer=2.5)
    parts = [str(quiz), repr(quiz), quiz._repr_markdown_()]
    grading = quiz.check({"steps": 3, "w": "2.4", "b": "abc", "slope": None, "zz": 1.0})
    parts += [str(grading), grading._repr_markdown_()]
    answers = [
        (steps, [-4, 3, "three", 5, 3]),
        (w, [1.0, -2.4]),
        (b, [-2.5, 1.5]),
        (dead, [0.5]),
        (neg, [1, 1.0]),
        (quiz["slope"], [-6.0]),
        (lone, [2.0, None]),
    ]
    for question, given in answers:
        lines = [repr(question), *(str(question.answer(a)) for a in given)]
        lines += [repr(question.first_hint()), repr(question.hint())]
        parts.append("\n".join(lines))
    parts.append(str(quiz))
    right = [(steps, 4), (w, 2.41), (b, -1.5), (dead, 1e-10), (neg, -1), (lone, 2.5)]
    parts.append("\n".join(f"{q!r}: {q.answer(a)} {q!r}" for q, a in right))
    parts += [str(quiz), quiz._repr_markdown_(), str(quiz.check({}))]
    mistakes = [
        lambda: quiz["nope"],
        lambda: Quiz()["x"],
        lambda: quiz.add(5),
        lambda: quiz.check([("steps", 4)]),
        lambda: quiz.ask("steps", "Again?", answer=1),
        lambda: quiz.ask("", "No name?", answer=1),
        lambda: quiz.ask("both", "?", answer=1, between=(0, 2)),
        lambda: quiz.ask("neither", "?"),
        lambda: quiz.ask("range", "?", between=(0, "2")),
        lambda: quiz.ask("text", "?", answer="four"),
        lambda: quiz.ask("flag", "?", answer=True),
    ]
    for mistake in mistakes:
        with pytest.raises((KeyError, TypeError, ValueError)) as error:
            mistake()
        parts.append(f"{error.type.__name__}: {error.value}")
    return {"quiz.txt": "\n---\n".join(parts)}


# Built inside the test (not at import), so that the mutation run sees which code each
# test reaches.
@pytest.mark.parametrize(
    "reports",
    [
        gradient_reports,
        engine_reports,
        planted_bug_reports,
        mistake_reports,
        drill_reports,
        drill_every_op_reports,
        quiz_reports,
        diagnosis_reports,
    ],
    ids=lambda f: f.__name__,
)
def test_reports_are_the_golden_ones(reports) -> None:
    for name, text in reports().items():
        path = GOLDEN / name
        if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), name


def test_only_x_times_y_plus_x_sees_a_product_that_assigns_its_first_inputs_gradient() -> None:
    """``a * a`` and ``a + a`` pass such an engine (the ``+=`` of the second input repairs
    ``a * a``); in ``x * y + x`` the add runs first and ``*`` then overwrites x's share."""
    from engine.exercises import check_engine

    solution = Path(__file__).parent / "exercise_solutions" / "build_your_own_micrograd.py"
    source = solution.read_text(encoding="utf-8").split("# %% engine\n", 1)[1]
    line = "            self.grad += other.data * out.grad\n"
    assert source.count(line) == 1
    namespace: dict = {"__name__": "mul_assigns"}
    exec(
        compile(source.replace(line, line.replace("+=", "=")), "mul_assigns.py", "exec"), namespace
    )
    report = check_engine(namespace["Value"])
    assert not report.passed and report["mul"].passed
    assert report["reuse"].message == (
        "x * y + x at x = 2.0, y = -3.0: x (data 2.0) has gradient -3.0; it should be -2.0. "
        "It is used twice (by the `*` node, and by the `+` node), so its gradient is the sum "
        "of 2 contributions, -3.0 + 1.0 = -2.0, but it holds only some of them: the others "
        "were overwritten. Add to .grad (+=) in every _backward, never assign it (=)"
    )
