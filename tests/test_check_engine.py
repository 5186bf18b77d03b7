"""check_engine grades students' engines: right ones pass, each classic mistake is named.

The engines under test: chainrule's own Value, micrograd 0.1.0, a correct engine in
the lecture's style (tests/exercise_solutions/build_your_own_micrograd.py), every
planted bug of buggy_value, and hostile classes that raise, recurse or loop forever.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import linecache
import math
import re
import time
from pathlib import Path

import pytest

from engine import Value
from engine.exercises import (
    ENGINE_CHECKS,
    MISTAKES,
    apply_fix,
    buggy_source,
    buggy_value,
    check_engine,
    check_fix,
    kinds,
)
from engine.exercises.bugs import BUGS, SOURCE

SOLUTIONS = Path(__file__).resolve().parent / "exercise_solutions"


def load_class(source: str, name: str = "Value", filename: str = "student_engine.py") -> type:
    """Compile ``source`` (a module defining ``name``) and return the class.

    The text is registered in linecache under ``filename``, as a file on disk would be
    found, so that reports can quote the student's lines.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "student_engine"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def lecture_source() -> str:
    path = SOLUTIONS / "build_your_own_micrograd.py"
    return path.read_text(encoding="utf-8").split("# %% engine\n", 1)[1]


def lecture_value() -> type:
    spec = importlib.util.spec_from_file_location(
        "lecture_value", SOLUTIONS / "build_your_own_micrograd.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Value


def variant(old: str, new: str, source: str | None = None) -> type:
    """The lecture engine with ``old`` (which must occur once) replaced by ``new``."""
    source = lecture_source() if source is None else source
    assert source.count(old) == 1, old
    return load_class(source.replace(old, new))


def failed(report) -> list[str]:
    return [check.name for check in report.checks if not check.passed]


def kinds_found(report) -> set[str]:
    return {finding.kind for finding in report.findings}


# -- correct engines pass ------------------------------------------------------------------


def test_chainrules_own_value_passes_every_check() -> None:
    report = check_engine(Value)
    assert report.passed
    assert [check.name for check in report.checks] == list(ENGINE_CHECKS)
    assert report.not_implemented == [] and report.findings == []
    assert all(check.status == "passed" and check.message == "" for check in report.checks)


def test_micrograd_passes_everything_it_implements() -> None:
    from micrograd.engine import Value as MicrogradValue

    report = check_engine(MicrogradValue)
    assert report.passed, str(report)
    assert [check.name for check in report.not_implemented] == [
        "tanh",
        "exp",
        "log",
        "sigmoid",
        "sin",
        "cos",
    ]
    assert all(check.status == "not implemented" for check in report.not_implemented)
    assert {"relu", "pow", "rtruediv", "reuse", "diamond", "subexpression", "mlp"} <= {
        check.name for check in report.checks
    }


def test_a_correct_lecture_style_engine_passes() -> None:
    report = check_engine(lecture_value())
    assert report.passed, str(report)
    assert [check.name for check in report.not_implemented] == ["log", "sigmoid", "sin", "cos"]
    assert "tanh" in [check.name for check in report.checks]


#: sin and cos for the lecture engine, written as a student would (issue 10: exercises ask
#: for them); ``{sin}`` and ``{cos}`` are the local derivatives.
TRIG = """
    def sin(self):
        out = Value(math.sin(self.data), (self,), "sin")

        def _backward():
            self.grad += {sin} * out.grad

        out._backward = _backward
        return out

    def cos(self):
        out = Value(math.cos(self.data), (self,), "cos")

        def _backward():
            self.grad += {cos} * out.grad

        out._backward = _backward
        return out

    def exp(self):"""


def with_trig(sin: str, cos: str) -> type:
    return variant("\n    def exp(self):", TRIG.format(sin=sin, cos=cos))


def test_a_students_sin_and_cos_are_graded() -> None:
    report = check_engine(with_trig("math.cos(self.data)", "-math.sin(self.data)"))
    assert report.passed, str(report)
    assert report["sin"].status == report["cos"].status == "passed"

    wrong = check_engine(with_trig("math.cos(self.data)", "math.sin(self.data)"))
    assert failed(wrong) == ["cos"]
    assert [(f.kind, f.op) for f in wrong.findings] == [("local_derivative", "cos")]
    assert "cos'(x) = −sin(x)" in wrong["cos"].message


def test_the_unplanted_bug_hunt_engine_passes() -> None:
    assert check_engine(load_class(SOURCE)).passed


# -- every planted bug is caught, with the right diagnosis ---------------------------------

#: kind -> (the diagnosis, the op it names, the checks that must fail, some that must pass)
EXPECTED = {
    "accumulate": ("accumulate", None, {"reuse", "mlp"}, {"mul", "add", "seed"}),
    "topological_order": ("topological_order", None, {"diamond", "mul"}, {"seed"}),
    "breadth_first": ("topological_order", None, {"diamond"}, {"reuse", "mul", "tanh", "mlp"}),
    "seed": ("seed", None, {"seed", "add", "mul", "mlp"}, {"core"}),
    "relu": ("relu", "relu", {"relu"}, {"tanh", "mul", "reuse", "diamond", "mlp"}),
    "tanh_derivative": ("local_derivative", "tanh", {"tanh"}, {"relu", "mul", "diamond"}),
    "mul_derivative": ("local_derivative", "mul", {"mul", "reuse"}, {"core"}),
    "pow_derivative": ("local_derivative", "pow", {"pow", "truediv"}, {"mul", "tanh"}),
    "upstream": ("upstream", "exp", {"exp"}, {"tanh", "mul", "relu", "mlp"}),
    "graph": ("graph", "tanh", {"tanh"}, {"relu", "mul", "mlp"}),
}


def test_every_kind_has_an_expectation() -> None:
    assert set(EXPECTED) == set(kinds()) == set(BUGS)
    assert all(len(description) > 30 for description in kinds().values())


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_planted_bug_is_caught_and_diagnosed(kind: str) -> None:
    diagnosis, op, must_fail, must_pass = EXPECTED[kind]
    report = check_engine(buggy_value(kind))
    assert not report.passed
    assert kinds_found(report) == {diagnosis}, str(report)
    assert op in {finding.op for finding in report.findings}, str(report)
    assert must_fail <= set(failed(report)), str(report)
    assert not must_pass & set(failed(report)), str(report)
    for check in report.checks:
        if not check.passed:
            assert check.message and check.diagnosis in MISTAKES


@pytest.mark.parametrize("kind", sorted(BUGS))
def test_each_bug_changes_exactly_one_place_of_the_source(kind: str) -> None:
    bug = BUGS[kind]
    assert SOURCE.count(bug.old) == 1
    diff = difflib.ndiff(SOURCE.splitlines(), buggy_source(kind).splitlines())
    removed = [line for line in diff if line.startswith("- ")]
    assert removed  # the bug is really there
    if kind != "breadth_first":
        assert len(removed) == 1  # one line: a bug a student can find and repair in one line


def test_the_relu_message_names_node_numbers_and_rule() -> None:
    report = check_engine(buggy_value("relu"))
    assert report["relu"].message == (
        "a.relu() at a = -2.0: your `relu` node (data 0.0) passes gradient 1.0 to its input "
        "a (data -2.0); it should pass 0.0, since relu'(z) = 0 for z ≤ 0"
    )
    assert report["relu"].diagnosis == "relu" and report["relu"].op == "relu"


def test_a_wrong_local_derivative_names_the_op_and_both_numbers() -> None:
    report = check_engine(buggy_value("tanh_derivative"))
    message = report["tanh"].message
    t = math.tanh(0.5)
    assert f"passes gradient {round(1 - t, 6)}" in message
    assert f"it should pass {round(1 - t * t, 6)}" in message
    assert "tanh'(x) = 1 − tanh²(x)" in message


def test_accumulation_is_shown_on_a_times_a_with_its_contributions() -> None:
    report = check_engine(buggy_value("accumulate"))
    message = report["reuse"].message
    assert message.startswith("a * a at a = 3.0: a (data 3.0) has gradient 3.0; it should be 6.0.")
    assert "both times by the `*` node" in message and "3.0 + 3.0 = 6.0" in message
    assert "(+=)" in message


def test_the_seed_message_says_what_the_roots_gradient_is() -> None:
    report = check_engine(buggy_value("seed"))
    assert report["seed"].message.startswith(
        "y = a * b at a = 2.0, b = -3.0: after backward(), the output's own gradient is 0.0; "
        "it must be 1.0"
    )
    text = str(report)
    assert "  ✗ add: the same mistake as in seed" in text  # repeated mistakes are one line


def test_ignoring_the_upstream_gradient_is_seen_only_under_an_upstream() -> None:
    report = check_engine(buggy_value("upstream"))
    message = report["exp"].message
    assert message.startswith("(a.exp()) * k at a = 0.5, k = -1.5:")  # alone it passes
    assert "dL/d(exp) = -1.5" in message


def test_a_missing_child_is_named_even_where_the_numbers_come_out_right() -> None:
    report = check_engine(buggy_value("graph"))
    assert report["tanh"].diagnosis == "graph"
    assert "does not list its input a (data 0.5) among its children" in report["tanh"].message


def test_an_op_built_from_a_wrong_one_is_not_a_finding_of_its_own() -> None:
    report = check_engine(buggy_value("pow_derivative"))
    assert report["truediv"].diagnosis == "local_derivative"  # a / b = a * b**-1 fails too
    assert "built from other operations" in report["truediv"].message
    assert [(f.kind, f.op) for f in report.findings] == [("local_derivative", "pow")]


# -- more student engines ---------------------------------------------------------------------


def test_a_recursive_backward_without_visited_set_is_an_ordering_mistake() -> None:
    recursive = variant(
        """        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
""",
        """        self.grad = 1.0
        self._run()

    def _run(self):
        self._backward()
        for child in self._prev:
            child._run()
""",
    )
    report = check_engine(recursive)
    assert kinds_found(report) == {"topological_order"}
    assert "diamond" in failed(report) and "reuse" not in failed(report)


def test_seeding_after_the_loop_is_named_as_no_flow() -> None:
    late = variant(
        """        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
""",
        """        for node in reversed(topo):
            node._backward()
        self.grad = 1.0
""",
    )
    report = check_engine(late)
    assert report["seed"].diagnosis == "no_flow"
    assert "no gradient flows at all" in report["seed"].message


def test_a_grad_that_became_a_value_is_not_a_number() -> None:
    mixed = variant(
        "            self.grad += other.data * out.grad\n",
        "            self.grad += other * out.grad\n",
    )
    report = check_engine(mixed)
    assert report["mul"].diagnosis == "not_a_number"
    assert "it is a Value itself" in report["mul"].message


def test_a_wrong_forward_value_is_named_with_its_formula() -> None:
    wrong = variant(
        '        out = Value(self.data * other.data, (self, other), "*")\n',
        '        out = Value(self.data + other.data, (self, other), "*")\n',
    )
    report = check_engine(wrong, checks=["mul"])
    assert report["mul"].diagnosis == "forward"
    assert report["mul"].message == (
        "a * b at a = 2.0, b = -3.0: your `*` node a * b has data -1.0; it should be "
        "2.0 * -3.0 = -6.0"
    )


def test_an_op_returning_a_float_is_named() -> None:
    floats = variant(
        "        out._backward = _backward\n        return out\n\n    def __pow__",
        "        out._backward = _backward\n        return out.data\n\n    def __pow__",
    )
    report = check_engine(floats, checks=["mul"])
    assert report["mul"].diagnosis == "not_a_value"
    assert report["mul"].message.startswith("your a * b returned a float, not a Value")


def test_a_small_error_in_a_derivative_is_caught() -> None:
    close = variant(
        "            self.grad += (1 - t**2) * out.grad\n",
        "            self.grad += (1 - t**2) * out.grad * 1.0001\n",
    )
    assert check_engine(close)["tanh"].diagnosis == "local_derivative"


def test_a_difference_of_rounding_only_is_not_a_mistake() -> None:
    """Numbers agree within a relative 1e-7 or an absolute 1e-9: a derivative off by 1e-8 of
    itself, or a zero gradient that comes out as 1e-12, is right."""
    rounded = variant(
        "            self.grad += (1 - t**2) * out.grad\n",
        "            self.grad += (1 - t**2) * out.grad * (1 + 1e-8)\n",
    )
    almost_zero = variant(
        "            self.grad += (out.data > 0) * out.grad\n",
        "            self.grad += (out.data > 0) * out.grad + 1e-12\n",
    )
    assert check_engine(rounded).passed and check_engine(almost_zero).passed


def test_number_operands_that_are_not_wrapped_get_a_hint() -> None:
    unwrapped = variant(
        "        other = other if isinstance(other, Value) else Value(other)\n"
        '        out = Value(self.data * other.data, (self, other), "*")\n',
        '        out = Value(self.data * other.data, (self, other), "*")\n',
    )
    report = check_engine(unwrapped)
    assert report["mul"].diagnosis == "exception"
    assert "AttributeError" in report["mul"].message
    assert "other = other if isinstance(other, Value) else Value(other)" in report["mul"].message


# -- hostile code: exceptions, recursion, infinite loops ----------------------------------

MINIMAL = """
class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._prev = set(_children)
        self._backward = lambda: None

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        BACKWARD
"""


def minimal(backward: str) -> type:
    return load_class(MINIMAL.replace("BACKWARD", backward), filename="hostile_engine.py")


def test_a_backward_that_loops_forever_times_out_with_its_line() -> None:
    started = time.perf_counter()
    report = check_engine(minimal("while True:\n            pass"), time_limit=0.3)
    elapsed = time.perf_counter() - started
    assert not report.passed
    assert report["seed"].diagnosis == "timeout" and report["add"].diagnosis == "timeout"
    stopped = r"did not finish within 0\.3 s; stopped at hostile_engine\.py:\d+ in backward"
    assert re.search(stopped, report["seed"].message)
    rest = [check for check in report.checks if check.status == "not run"]
    assert [check.name for check in rest] == ["mul", "reuse", "diamond", "subexpression", "mlp"]
    assert all("ran out of time" in check.message for check in rest)
    assert elapsed < 5  # two time limits and their stopping, not seven


def test_a_value_that_is_never_made_stops_the_core_check_in_time() -> None:
    forever = load_class(
        "class Value:\n    def __init__(self, x):\n        while True:\n            pass\n",
        filename="hostile_engine.py",
    )
    started = time.perf_counter()
    report = check_engine(forever, checks=["add"], time_limit=0.3)
    assert time.perf_counter() - started < 5
    assert report["core"].diagnosis == "timeout"
    assert re.search(r"did not finish within 0\.3 s; stopped at hostile_engine\.py:3", str(report))
    assert report["add"].status == "not run"


def test_a_backward_that_recurses_forever_is_a_recursion_error() -> None:
    report = check_engine(minimal("self.backward()"), time_limit=2.0)
    assert not report.passed
    check = report["seed"]
    assert check.diagnosis == "exception" and check.failure.exception == "RecursionError"
    assert re.search(r"hostile_engine\.py:\d+ in backward \(`self\.backward\(\)`\)", check.message)
    assert "a recursion that never ends" in check.message


def test_an_exception_is_reported_with_where_it_was_raised() -> None:
    report = check_engine(minimal("raise KeyError('lost')"))
    check = report["add"]
    assert check.failure.exception == "KeyError" and check.diagnosis == "exception"
    assert "raised KeyError: 'lost' at hostile_engine.py:" in check.message
    assert report.findings[0].hint.startswith("see hostile_engine.py:")


def test_a_skeleton_says_what_is_not_done_yet() -> None:
    skeleton = load_class(
        """
class Value:
    def __init__(self, data):
        self.data = data
        self.grad = 0.0

    def __add__(self, other):
        raise NotImplementedError("write __add__")

    def __mul__(self, other):
        raise NotImplementedError("write __mul__")

    def tanh(self):
        raise NotImplementedError("write tanh")

    def backward(self):
        raise NotImplementedError("write backward")
""",
        filename="skeleton.py",
    )
    report = check_engine(skeleton)
    assert not report.passed
    assert report["add"].message.startswith("not done yet: write __add__ (skeleton.py:")
    assert report["add"].diagnosis == "missing"
    assert "tanh" in [check.name for check in report.not_implemented]  # optional: not counted
    required = check_engine(skeleton, checks=["tanh"])
    assert required["tanh"].status == "failed"  # named by the teacher: it counts


def test_a_class_without_data_fails_core_and_nothing_else_runs() -> None:
    no_data = "class Value:\n    def __init__(self, x):\n        self.x = x\n"
    report = check_engine(load_class(no_data))
    assert report["core"].diagnosis == "exception"
    assert "AttributeError" in report["core"].message
    assert {check.status for check in report.checks[1:]} == {"not run"}


# -- choosing checks, and the report -------------------------------------------------------


def test_checks_selects_what_counts_and_named_ops_must_exist() -> None:
    from micrograd.engine import Value as MicrogradValue

    report = check_engine(MicrogradValue, checks=["mul", "tanh"])
    assert [check.name for check in report.checks] == ["core", "mul", "tanh"]
    assert not report.passed and report["tanh"].diagnosis == "missing"
    assert report["tanh"].message == "your Value has no tanh (for tanh(a))"
    grouped = check_engine(MicrogradValue, checks=["ops"])
    assert grouped.passed  # "ops": every op the class has
    assert "tanh" in [check.name for check in grouped.not_implemented]
    with pytest.raises(ValueError, match="unknown check 'bogus'"):
        check_engine(Value, checks=["bogus"])
    with pytest.raises(TypeError):
        check_engine(42)
    with pytest.raises(ValueError, match="time_limit must be positive"):
        check_engine(Value, time_limit=0)


def test_the_report_reads_well_and_converts_to_json() -> None:
    report = check_engine(buggy_value("relu"))
    text = str(report)
    assert text.splitlines()[0] == "check_engine(Value): 18 of 19 checks passed, FAILED"
    assert "  ✓ mul" in text and "  ✗ relu: a.relu() at a = -2.0" in text
    assert "not implemented (not counted): log, sigmoid" in text
    assert "To fix:\n  * relu passes gradient where its input was not positive (relu)" in text
    data = json.loads(report.to_json())
    assert data["passed"] is False and data["passed_count"] == 18 and data["total"] == 19
    assert data["findings"][0]["kind"] == "relu"
    relu = next(check for check in data["checks"] if check["name"] == "relu")
    assert relu["passed"] is False and relu["diagnosis"] == "relu"
    markdown = report._repr_markdown_()
    assert "| ✗ | `relu` |" in markdown and "**To fix:**" in markdown
    with pytest.raises(KeyError, match="no check named 'nope'"):
        report["nope"]


def test_each_check_reads_as_a_line_and_a_student_message_cannot_break_the_table() -> None:
    report = check_engine(minimal("raise ValueError('a | b\\nsecond line')"))
    assert str(report["core"]) == "✓ core"
    add = report["add"]
    assert str(add) == f"✗ add: {add.message}" and "a | b\nsecond line" in add.message
    markdown = report._repr_markdown_()
    row = next(line for line in markdown.splitlines() if line.startswith("| ✗ | `add` |"))
    assert "a \\| b second line" in row and row.count(" | ") == 2  # the student's | escaped
    with pytest.raises(KeyError) as missing:
        report["nope"]
    names = ", ".join(check.name for check in [*report.checks, *report.not_implemented])
    assert missing.value.args[0] == f"no check named 'nope' in this report; it has {names}"
    assert names.startswith("core, seed, add, mul, ")


# -- repairs ----------------------------------------------------------------------------------


def test_check_fix_passes_a_right_repair_and_fails_a_wrong_one() -> None:
    right = ("self.grad += (out.data >= 0) * out.grad", "self.grad += (out.data > 0) * out.grad")
    assert check_fix("relu", right).passed
    still_wrong = check_fix("relu", (right[0], "self.grad += 1.0 * out.grad"))
    assert not still_wrong.passed and still_wrong["relu"].diagnosis == "relu"
    assert not check_fix("relu", None).passed  # no repair yet: the bug shows
    missing = check_fix("relu", ("no such line", "x"))
    assert not missing.passed and "is not in the engine's source" in missing["fix"].message
    broken = check_fix("relu", (right[0], "self.grad += (out.data > 0 * out.grad"))
    assert not broken.passed and "could not be applied" in broken["fix"].message


def test_a_repair_spanning_lines_keeps_the_indentation() -> None:
    fix = ("for v in reversed(topo):", "self.grad = 1.0\nfor v in reversed(topo):")
    assert check_fix("seed", fix).passed


def test_a_planted_bug_lives_in_a_module_of_its_own_that_inspect_can_read() -> None:
    import inspect
    import sys

    planted = buggy_value("relu")
    assert sys.modules[planted.__module__].__file__ == "<buggy_value 'relu'>"
    shown = inspect.getsource(planted)
    assert shown.startswith("class Value:\n") and shown in buggy_source("relu")
    fix = ("self.grad += (out.data >= 0) * out.grad", "self.grad += (out.data > 0) * out.grad")
    fixed = buggy_value("relu", fix=fix)
    assert sys.modules[fixed.__module__].__file__ == "<buggy_value 'relu', fixed>"
    shown = inspect.getsource(fixed)
    assert fix[1] in shown and shown in apply_fix(buggy_source("relu"), *fix)


SOURCE_OF_F = "def f(x):\n    if x:\n        return x - 1\n    return x\n"


@pytest.mark.parametrize(
    ("old", "new", "result"),
    [
        ("return x - 1", "return x + 1", SOURCE_OF_F.replace("x - 1", "x + 1")),
        # the new lines keep their indentation relative to the first, and a blank one stays blank
        (
            "\n  return x - 1\n",
            "    y = x\n\n    if y:\n        return y\n",
            "def f(x):\n    if x:\n        y = x\n\n        if y:\n"
            "            return y\n    return x\n",
        ),
        ("return x - 1", "", "def f(x):\n    if x:\n\n    return x\n"),  # a line taken out
        ("if x:\n return x - 1", "return x", "def f(x):\n    return x\n    return x\n"),
    ],
)
def test_apply_fix_replaces_lines_whatever_their_indentation(old, new, result) -> None:
    assert apply_fix(SOURCE_OF_F, old, new) == result


@pytest.mark.parametrize(
    ("fix", "error", "message"),
    [
        (
            ("return x", 5),
            TypeError,
            "a fix is two strings: (the line with the bug, the line as it should be)",
        ),
        (
            ("\n\n", "x"),
            ValueError,
            "the fix's first string is empty: copy the line with the bug into it",
        ),
        (
            ("return y", "x"),
            ValueError,
            "the line 'return y' is not in the engine's source: copy it exactly as printed "
            "(indentation does not matter)",
        ),
        (
            ("return x\n", "x"),
            ValueError,
            "the line 'return x' occurs 2 times in the engine's source: copy it exactly as "
            "printed (indentation does not matter), with a line around it to tell which one",
        ),
    ],
)
def test_apply_fix_says_what_is_wrong_with_a_fix(fix, error, message) -> None:
    with pytest.raises(error) as refused:
        apply_fix(SOURCE_OF_F.replace("x - 1", "x"), *fix)
    assert str(refused.value) == message


def test_a_fix_that_is_not_a_pair_is_a_failed_fix_check() -> None:
    for fix in [("only the old line",), "a string", ("a", "b", "c")]:
        report = check_fix("relu", fix)
        assert str(report) == (
            "check_engine(Value): 0 of 1 checks passed, FAILED\n"
            "  ✗ fix: your fix could not be applied: a fix is a pair of strings: (the line "
            "with the bug, the line as it should be)\n"
            "To fix:\n"
            "  * something required is missing or not done yet: implement what the message "
            "names [fix]"
        ), str(report)
        assert report["fix"].status == "failed" and report["fix"].diagnosis == "missing"


def test_check_fix_passes_its_options_to_check_engine() -> None:
    fix = ("self.grad += (out.data >= 0) * out.grad", "self.grad += (out.data > 0) * out.grad")
    for given in [None, fix]:
        report = check_fix("relu", given, checks=["relu"])
        assert [check.name for check in report.checks] == ["core", "relu"]
