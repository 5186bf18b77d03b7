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


def lecture_variant(old: str, new: str, filename: str) -> type:
    """The lecture's engine (tests/exercise_solutions) with ``old`` replaced by ``new``."""
    import linecache

    solution = Path(__file__).parent / "exercise_solutions" / "build_your_own_micrograd.py"
    source = solution.read_text(encoding="utf-8").split("# %% engine\n", 1)[1]
    assert source.count(old) == 1, old
    source = source.replace(old, new)
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


# Built inside the test (not at import), so that the mutation run sees which code each
# test reaches.
@pytest.mark.parametrize(
    "reports",
    [gradient_reports, engine_reports, planted_bug_reports, mistake_reports, drill_reports],
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
