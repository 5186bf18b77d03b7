"""check_gradients, drill, the sandbox that runs a student's code, and apply_fix."""

from __future__ import annotations

import functools
import math
import os
import re
import sys
import threading
import time
import warnings

import pytest

from engine import Value, custom_op, sum_values
from engine.exercises import (
    KinkWarning,
    apply_fix,
    buggy_value,
    check_fix,
    check_gradients,
    drill,
)
from engine.exercises.sandbox import run_limited, where


def gelu(x: Value) -> Value:
    cdf = 0.5 * (1.0 + math.erf(x.data / math.sqrt(2.0)))
    pdf = math.exp(-0.5 * x.data**2) / math.sqrt(2.0 * math.pi)
    return custom_op(x.data * cdf, [x], [cdf + x.data * pdf], op="gelu")


def gelu_floats(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


# -- check_gradients ------------------------------------------------------------------------


def test_a_right_activation_passes_with_one_row_per_point() -> None:
    points = [-3.0, -0.5, 0.0, 0.4, 2.5]
    report = check_gradients(gelu, points, expected=gelu_floats)
    assert report.passed and not report.kinks and not report.errors
    assert [row.point for row in report.rows] == [(p,) for p in points]
    for row in report.rows:
        assert row.ok is True and row.input == 0
        assert row.error == abs(row.analytic - row.numeric) < 1e-8
    assert [row.ok for row in report.values] == [True] * 5
    assert report.summary == (
        "check_gradients(gelu): 5 of 5 gradients agree with finite differences, "
        "5 of 5 values right: passed"
    )


def test_a_wrong_derivative_fails_without_raising_and_marks_the_rows() -> None:
    def half_gelu(x: Value) -> Value:  # Φ(x) alone: the product rule's second term is missing
        cdf = 0.5 * (1.0 + math.erf(x.data / math.sqrt(2.0)))
        return custom_op(x.data * cdf, [x], [cdf], op="gelu")

    report = check_gradients(half_gelu, [-1.0, 0.0, 1.0], expected=gelu_floats)
    assert not report.passed
    assert [row.ok for row in report.rows] == [False, True, False]  # at 0, x φ(x) = 0
    assert report.rows[0].analytic == pytest.approx(0.158655, abs=1e-6)
    assert report.rows[0].numeric == pytest.approx(-0.0833155, abs=1e-6)
    assert "NO <--" in str(report) and "| ✗ |" in report._repr_markdown_()


def test_the_right_gradient_of_the_wrong_function_fails_on_values() -> None:
    report = check_gradients(lambda x: x.silu(), [-1.0, 1.0], expected=gelu_floats)
    assert all(row.ok for row in report.rows)  # silu's own gradient is right
    assert not report.passed and [row.ok for row in report.values] == [False, False]
    assert "value at -1: " in str(report)


def test_kinks_are_warned_about_and_not_counted() -> None:
    with pytest.warns(KinkWarning, match=r"at 0 the function has a kink or a jump"):
        report = check_gradients(lambda x: x.relu() + abs(x), [-1.0, 0.0, 2.0])
    assert [row.kink for row in report.rows] == [False, True, False]
    assert report.rows[1].ok is None and report.kinks == [report.rows[1]]
    assert report.passed
    with pytest.warns(KinkWarning):
        assert check_gradients(lambda x: x.step(), [0.0, 1.0]).kinks  # a jump
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # smooth functions, even curved ones: no warning
        curved = check_gradients(lambda x: x.log() + x.tanh(), [0.01, 1.0, 50.0])
        big = check_gradients(lambda x: x * 1e6 + 3e8, [0.0, 1.0])
    assert not curved.kinks and not big.kinks and curved.passed and big.passed


def test_only_kinks_is_not_a_pass() -> None:
    with pytest.warns(KinkWarning):
        assert not check_gradients(lambda x: abs(x), [0.0]).passed


def test_several_inputs_give_one_row_per_input() -> None:
    report = check_gradients(lambda x, y: x * y + x.exp(), [(1.0, 2.0), (0.5, -1.0)])
    assert [(row.point, row.input) for row in report.rows] == [
        ((1.0, 2.0), 0),
        ((1.0, 2.0), 1),
        ((0.5, -1.0), 0),
        ((0.5, -1.0), 1),
    ]
    assert report.rows[0].analytic == pytest.approx(2.0 + math.e)
    assert report.passed


def test_a_function_that_raises_or_returns_a_float_is_an_error_not_a_crash() -> None:
    report = check_gradients(lambda x: x.log(), [1.0, -1.0])
    assert not report.passed and report.errors[0][0] == (-1.0,)
    assert "ValueError: log of a non-positive number" in report.errors[0][1]
    floats = check_gradients(lambda x: x.data * 2, [1.0, 2.0])
    assert not floats.passed
    assert "error at 1, 2: your function returned a float, not a Value" in str(floats)
    assert "not a Value" in floats.errors[0][1]


def test_a_function_that_never_ends_is_stopped() -> None:
    def forever(x: Value) -> Value:
        while True:
            pass

    started = time.perf_counter()
    report = check_gradients(forever, [1.0], time_limit=0.3)
    assert time.perf_counter() - started < 3
    assert not report.passed and "did not finish within 0.3 s" in report.errors[0][1]


def test_bad_points_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="points must be a list of points"):
        check_gradients(gelu, 1.0)
    with pytest.raises(ValueError, match="points is empty"):
        check_gradients(gelu, [])
    with pytest.raises(ValueError, match="same number of inputs"):
        check_gradients(lambda x, y: x * y, [(1.0, 2.0), (1.0,)])
    with pytest.raises(TypeError, match="function of Values"):
        check_gradients(3, [1.0])


# -- drills --------------------------------------------------------------------------------


def chain() -> Value:
    a, b, c, f = (Value(x, label=n) for x, n in [(2.0, "a"), (-3.0, "b"), (10.0, "c"), (-2.0, "f")])
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


def test_questions_come_users_first_and_leave_the_graph_untouched() -> None:
    L = chain()
    practice = drill(L)
    assert [q.prompt for q in practice] == [
        "What is dL/dd?",
        "What is dL/de?",
        "What is dL/da?",
        "What is dL/db?",
        "What is dL/dc?",
        "What is dL/df?",
    ]
    assert all(q.node.grad == 0.0 for q in practice) and L.grad == 0.0  # answers stay hidden
    assert practice[2] is practice["a"] and len(practice) == 6
    with pytest.raises(KeyError, match="the nodes are: d, e, a, b, c, f"):
        practice["z"]


def test_a_right_answer_within_tolerance_is_correct() -> None:
    practice = drill(chain())
    assert not practice["a"].answer(6.1)  # 1.7% off
    feedback = practice["a"].answer(6.04)  # 0.7% off: three significant digits
    assert feedback.correct and bool(feedback)
    assert str(feedback) == "Correct: dL/da = 6.0 (dL/de · ∂e/∂a = -2.0 · -3.0)."
    assert practice["a"].solved and practice["a"].attempts == 2
    assert drill(chain())["b"].answer("-4")  # a number typed as text


def test_hints_escalate_rule_upstream_product() -> None:
    question = drill(chain())["a"]
    first = question.answer(1.0).message
    assert "Hint 1 of 3: The rule: e = a * b, so the local derivative ∂e/∂a = b" in first
    second = question.answer(1.0).message
    assert "Hint 2 of 3: The upstream gradient: dL/de = -2.0" in second
    third = question.answer(1.0).message
    assert "Hint 3 of 3: The chain rule multiplies them: dL/de · ∂e/∂a = -2.0 · -3.0 = 6.0" in third
    assert "Hint 3 of 3" in question.answer(1.0).message  # the last hint stays
    assert not question.solved and question.attempts == 4


def test_common_slips_are_named() -> None:
    practice = drill(chain())
    assert "the local derivative ∂e/∂a alone" in practice["a"].answer(-3.0).message
    assert "the upstream gradient dL/de alone" in practice["a"].answer(-2.0).message
    assert "Check the sign" in practice["a"].answer(-6.0).message
    assert "Answer with a number" in practice["a"].answer("six").message
    assert practice["a"].attempts == 3  # a non-number is not an attempt


def test_a_value_used_twice_gets_the_add_both_hint() -> None:
    x = Value(3.0, label="x")
    u = x * x
    u.label = "u"
    v = 3 * x
    v.label = "v"
    y = u + v
    y.label = "y"
    practice = drill(y)
    assert [q.name for q in practice] == ["u", "v", "x"]  # the constant 3 is not asked about
    question = practice["x"]
    part = question.answer(6.0).message
    assert "That is only part of it: x is used 3 times" in part
    assert (
        "∂u/∂x = x (the other factor) + x (the other factor) = 6.0 (x is both of its inputs)"
        in part
    )
    for _ in range(3):
        last = question.answer(0.0).message
    assert (
        "Hint 4 of 4: x is used 3 times: add the contributions, dy/dx = 3.0 + 3.0 + 3.0 = 9.0"
        in last
    )
    assert question.answer(9.0)


def test_check_grades_a_dict_without_hints() -> None:
    practice = drill(chain())
    grade = practice.check({"d": -2.0, "e": -2.0, "a": 5.0, "zz": 1.0})
    assert not grade.passed
    assert [correct for _, _, correct, _ in grade.rows] == [True, True, False, None, None, None]
    assert grade.unknown == ["zz"]
    text = str(grade)
    assert text.startswith("Drill on L: 2 of 6 right, 3 not answered yet: not yet")
    assert "✗ What is dL/da? not 5.0. The rule: e = a * b" in text
    assert "'zz' is no node of this drill" in text
    assert practice["a"].attempts == 0  # grading is not practising
    right = {"d": -2, "e": -2, "a": 6, "b": -4, "c": -2, "f": 4}
    assert practice.check(right).passed
    with pytest.raises(TypeError, match="dict of answers"):
        practice.check([1, 2])


def test_drill_shows_progress_and_rejects_a_leaf() -> None:
    practice = drill(chain())
    practice["d"].answer(-2.0)
    assert str(practice).splitlines()[:2] == [
        "Drill on L: 1 of 6 solved",
        "  0. What is dL/dd?  (solved)",
    ]
    assert practice.next_question() is practice["e"]
    assert "| 0 | What is dL/dd? | ✓ solved |" in practice._repr_markdown_()
    with pytest.raises(ValueError, match="no node below its output"):
        drill(Value(1.0))
    with pytest.raises(TypeError, match="drill expects a Value"):
        drill(3.0)


def test_the_rules_of_every_common_op_are_written_out() -> None:
    z = Value(0.5, label="z")
    t = z.tanh()
    t.label = "t"
    w = t * 2
    w.label = "w"
    r = w.exp()
    r.label = "r"
    s = r.log()
    s.label = "s"
    u = s.sin()
    u.label = "u"
    c = u.cos()
    c.label = "c"
    hints = {q.name: q._hints[0] for q in drill(c)}
    assert "∂c/∂u = −sin(u)" in hints["u"]
    assert "∂u/∂s = cos(s)" in hints["s"]
    assert "∂s/∂r = 1/r" in hints["r"]
    assert "∂t/∂z = 1 − tanh²(z) = 1 − t² = 0.786448" in hints["z"]
    assert "r = exp(w), so the local derivative ∂r/∂w = exp(w) = r" in hints["w"]
    assert "w = t * 2.0, so the local derivative ∂w/∂t = 2.0 (the other factor)" in hints["t"]


def test_a_value_used_by_two_nodes_is_told_to_add_both() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    L = e + a
    L.label = "L"
    question = drill(L)["a"]
    assert [question.hint() for _ in range(4)] == [
        "Hint 1 of 4: The rule: e = a * b, so the local derivative ∂e/∂a = b (the other factor) "
        "= -3.0; L = e + a, so the local derivative ∂L/∂a = 1.",
        "Hint 2 of 4: The upstream gradient: dL/de = 1.0 (a question before this one); "
        "dL/dL = 1 (the output itself).",
        "Hint 3 of 4: The chain rule multiplies them: dL/de · ∂e/∂a = 1.0 · -3.0 = -3.0; "
        "dL/dL · ∂L/∂a = 1.0 · 1.0 = 1.0.",
        "Hint 4 of 4: a is used twice: add the contributions, dL/da = -3.0 + 1.0 = -2.0.",
    ]
    assert question.answer(1.0).message.startswith(
        "Not quite: 1.0. That is only part of it: a is used twice, and each use adds a "
        "contribution. "
    )


PART = "That is only part of it"


def test_every_partial_sum_of_the_contributions_is_named_and_nothing_else() -> None:
    """x is used by three nodes, with contributions -10, 3 and 1: each one alone and each
    pair is "only part of it"; a number that is no such sum is not."""
    x = Value(2.0, label="x")
    u = x * 3
    u.label = "u"
    v = x * -10
    v.label = "v"
    y = sum_values([u, v, x])
    y.label = "y"
    question = drill(y)["x"]
    assert [use.contribution for use in question._uses] == [-10.0, 3.0, 1.0]
    for part in [-10.0, 3.0, 1.0, -7.0, -9.0, 4.0]:
        assert PART in question.answer(part).message, part
    for other in [0.5, -8.0, 6.0]:
        assert PART not in question.answer(other).message, other
    assert "Check the sign" in question.answer(6.0).message  # dy/dx = -6


def test_partial_sums_are_searched_for_a_value_used_up_to_ten_times() -> None:
    """Ten uses are 1022 partial sums to try; beyond ten the search would grow too slow for a
    notebook, so an answer there gets the hint alone."""

    def used(times: int) -> Value:
        x = Value(1.0, label="x")
        return sum_values([x * k for k in range(1, times + 1)])

    ten, eleven = drill(used(10))["x"], drill(used(11))["x"]
    assert ten.answer(1.0).message.startswith(f"Not quite: 1.0. {PART}: x is used 10 times")
    assert eleven.answer(1.0).message.startswith("Not quite: 1.0. Hint 1 of 4: The rule:")


def test_the_local_derivative_alone_and_the_sign_are_named_whatever_the_upstream() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    twice = e * 2
    twice.label = "M"
    local_alone = drill(twice)["a"].answer(-3.0).message
    assert local_alone.startswith(
        "Not quite: -3.0. That is the local derivative ∂e/∂a alone: the chain rule multiplies "
        "it by the upstream gradient dM/de. Hint 1 of 3"
    )
    total = a + b
    total.label = "s"
    assert drill(total)["a"].answer(-1).message == (
        "Not quite: -1.0. Check the sign. Hint 1 of 3: The rule: s = a + b, so the local "
        "derivative ∂s/∂a = 1."
    )


def test_an_answer_near_a_zero_gradient_is_right_within_the_absolute_tolerance() -> None:
    z = Value(-1.0, label="z")
    dead = z.relu() * 2  # a relu at -1 passes no gradient: dL/dz = 0
    assert drill(dead)["z"].answer(1e-7)  # rounding noise, within 1e-6
    assert not drill(dead)["z"].answer(2e-6)
    assert drill(dead, abs_tol=1e-5)["z"].answer(2e-6)


def test_answers_are_numbers_of_any_kind_and_anything_else_is_no_attempt() -> None:
    from decimal import Decimal
    from fractions import Fraction

    question = drill(chain())["a"]
    assert question.answer(Fraction(6)) and question.answer(Decimal("6.0"))
    for not_a_number in ["six", None, True, [6.0]]:
        feedback = question.answer(not_a_number)
        assert feedback.correct is False and not feedback
        assert feedback.message == (
            "Answer with a number, e.g. .answer(-6.0) "
            f"(got {type(not_a_number).__name__}: {not_a_number!r})."
        )
    assert question.attempts == 2


def test_next_question_is_none_once_all_are_solved() -> None:
    practice = drill(chain())
    for question, gradient in zip(practice, [-2.0, -2.0, 6.0, -4.0, -2.0, 4.0]):
        assert practice.next_question() is question
        assert question.answer(gradient)
    assert practice.next_question() is None


def test_a_bar_in_an_answer_does_not_break_the_markdown_table() -> None:
    table = drill(chain()).check({"a": "1|2"})._repr_markdown_()
    assert "| ✗ | What is dL/da? | not a number: '1/2' |" in table.splitlines()


def test_drill_refuses_what_it_cannot_drill_with_a_whole_message() -> None:
    with pytest.raises(TypeError) as not_a_value:
        drill(3.0)
    assert str(not_a_value.value) == "drill expects a Value (the output of a formula), got float"
    with pytest.raises(ValueError) as a_leaf:
        drill(Value(1.0))
    assert str(a_leaf.value) == (
        "drill: the graph has no node below its output to ask about; build a formula from "
        "Values first, e.g. L = a * b + c"
    )
    with pytest.raises(TypeError) as not_a_dict:
        drill(chain()).check([("a", 6.0)])
    assert str(not_a_dict.value) == (
        "Drill.check expects a dict of answers, e.g. {'a': -3.0, 'b': 2.0}, got list"
    )


# -- the sandbox -----------------------------------------------------------------------------


def test_run_limited_returns_values_and_describes_failures() -> None:
    assert run_limited(lambda: 42, 1.0).value == 42
    outcome = run_limited(lambda: 1 / 0, 1.0)
    assert outcome.failure.exception == "ZeroDivisionError"
    assert outcome.failure.location.startswith("test_exercise_tools.py:")
    assert run_limited(lambda: exec("raise SystemExit(3)"), 1.0).failure.exception == "SystemExit"


def test_a_loop_that_swallows_exceptions_is_still_stopped() -> None:
    def stubborn() -> None:
        while True:
            try:
                while True:
                    pass
            except Exception:  # what a careless student writes; the stop is not an Exception
                pass

    before = threading.active_count()
    started = time.perf_counter()
    outcome = run_limited(stubborn, 0.2)
    assert time.perf_counter() - started < 2
    assert outcome.failure.kind == "timeout" and "in stubborn" in outcome.failure.location
    time.sleep(0.05)
    assert threading.active_count() == before  # the worker thread has ended


def test_where_names_the_deepest_frame_outside_chainrule() -> None:
    def inner() -> None:
        raise RuntimeError("here")

    try:
        Value(1.0).backward() if False else inner()
    except RuntimeError as error:
        location, code = where(error.__traceback__)
    assert location.startswith("test_exercise_tools.py:") and location.endswith(" in inner")
    assert code == 'raise RuntimeError("here")'


def test_a_failure_is_one_sentence_with_only_what_is_known() -> None:
    def empty() -> None:
        raise ValueError()

    def endless(n: int) -> int:
        return endless(n + 1)

    here = os.path.basename(__file__)
    no_message = run_limited(empty, 1.0).failure
    line = empty.__code__.co_firstlineno + 1
    assert str(no_message) == f"raised ValueError at {here}:{line} in empty (`raise ValueError()`)"
    nowhere = run_limited(functools.partial(math.log, -1.0), 1.0).failure  # no line of theirs
    assert str(nowhere) == "raised ValueError: math domain error"
    recursion = run_limited(lambda: endless(0), 5.0).failure
    line = endless.__code__.co_firstlineno + 1
    assert str(recursion) == (
        f"raised RecursionError: maximum recursion depth exceeded at {here}:{line} in endless "
        "(`return endless(n + 1)`) (a recursion that never ends: a graph walk without a "
        "visited set, or a method that calls itself)"
    )


def test_a_notebook_cell_is_called_a_cell_and_a_file_by_its_base_name() -> None:
    places = {
        "/tmp/ipykernel_4242/1234.py": "cell",  # Jupyter
        "<ipython-input-3-5e2f>": "cell",  # IPython
        "<string>": "<string>",
        "/home/student/hw/answer.py": "answer.py",
    }
    for filename, shown in places.items():
        namespace: dict = {}
        exec(compile("def f():\n    return 1 / 0\n", filename, "exec"), namespace)
        failure = run_limited(namespace["f"], 1.0).failure
        assert str(failure) == f"raised ZeroDivisionError: division by zero at {shown}:2 in f"


def test_an_error_inside_the_standard_library_is_shown_at_the_students_line() -> None:
    import statistics

    def average_of_nothing() -> float:
        return statistics.mean([])

    line = average_of_nothing.__code__.co_firstlineno + 1
    theirs = run_limited(average_of_nothing, 1.0).failure
    assert (theirs.location, theirs.code) == (
        f"{os.path.basename(__file__)}:{line} in average_of_nothing",
        "return statistics.mean([])",
    )
    # with no line of theirs at all, the standard library's line is better than none
    only_stdlib = run_limited(functools.partial(statistics.mean, []), 1.0).failure
    assert re.fullmatch(r"statistics\.py:\d+ in mean", only_stdlib.location)
    assert only_stdlib.code.startswith("raise StatisticsError(")


def test_an_import_that_fails_is_shown_at_the_students_line_not_inside_importlib() -> None:
    import importlib

    def load() -> object:
        return importlib.import_module("no_such_module_for_chainrule")

    failure = run_limited(load, 1.0).failure
    line = load.__code__.co_firstlineno + 1
    assert str(failure) == (
        "raised ModuleNotFoundError: No module named 'no_such_module_for_chainrule' at "
        f"{os.path.basename(__file__)}:{line} in load "
        '(`return importlib.import_module("no_such_module_for_chainrule")`)'
    )


def test_code_that_swallows_every_stop_is_abandoned_after_five_tries() -> None:
    """A bare ``except:`` catches even the stop; after 5 tries 0.2 s apart the grader gives up
    (this one ends by itself 5 s after it started, and sleeps meanwhile, not to burden the
    tests that follow)."""

    def swallows_every_stop() -> str:
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline:
            try:
                time.sleep(0.01)
            except BaseException:  # what no one should write
                pass
        return "finished late"

    started = time.perf_counter()
    outcome = run_limited(swallows_every_stop, 0.2)
    assert time.perf_counter() - started < 3.0
    assert outcome.failure.to_dict() == {
        "kind": "timeout",
        "exception": "",
        "detail": "0.2 s (and it kept running after being stopped: it is still running in the "
        "background; restart Python to stop it)",
        "location": "",
        "code": "",
    }
    assert str(outcome.failure) == (
        "did not finish within 0.2 s (and it kept running after being stopped: it is still "
        "running in the background; restart Python to stop it): an infinite loop?"
    )


def test_code_that_swallows_the_first_stop_gets_another() -> None:
    def swallows_the_first_stop() -> str:
        try:
            while True:
                pass
        except BaseException:  # swallowed once
            pass
        deadline = time.perf_counter() + 5.0
        while time.perf_counter() < deadline:
            time.sleep(0.01)
        return "finished late"

    outcome = run_limited(swallows_the_first_stop, 0.2)
    assert outcome.value is None
    failure = outcome.failure
    assert (failure.kind, failure.exception, failure.detail) == ("timeout", "", "0.2 s")
    assert "; stopped at test_exercise_tools.py:" in str(outcome.failure)
    assert failure.location.endswith(" in swallows_the_first_stop")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is sent by os.kill on POSIX only")
def test_pressing_stop_stops_the_students_code_too() -> None:
    """Ctrl-C (or a notebook's stop button) while a grader waits: the KeyboardInterrupt
    reaches the user, and the student's loop is stopped, not left running."""
    import signal

    workers = []

    def forever() -> None:
        workers.append(threading.current_thread())
        while True:
            pass

    # Ctrl-C as in an interactive Python, even where the tests were started with SIGINT
    # ignored (a shell's background job: `nohup ... &`)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    press_stop = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    try:
        press_stop.start()
        with pytest.raises(KeyboardInterrupt):
            run_limited(forever, 10.0)
        press_stop.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    (worker,) = workers
    assert not worker.is_alive()


def test_the_students_code_runs_in_a_daemon_thread_named_for_the_grader() -> None:
    """A daemon, so that Python can still exit when a thread had to be abandoned; named, so
    that a debugger or a traceback ("Exception in thread ...") says whose it is."""
    worker = run_limited(threading.current_thread, 1.0).value
    assert worker is not threading.main_thread()
    assert (worker.name, worker.daemon) == ("chainrule-grader", True)


def test_a_platform_that_refuses_a_large_stack_runs_the_code_on_the_default_one(
    monkeypatch,
) -> None:
    from engine.exercises import sandbox

    real_stack_size = threading.stack_size
    refused = []

    def refuse_large(*size: int) -> int:
        if size and size[0] == sandbox.WORKER_STACK_SIZE:
            refused.append(size[0])
            raise ValueError("size not valid")
        return real_stack_size(*size)

    monkeypatch.setattr(threading, "stack_size", refuse_large)
    assert run_limited(lambda: 42, 1.0).value == 42
    assert refused == [sandbox.WORKER_STACK_SIZE]
    assert threading.stack_size() == real_stack_size()  # put back as it was


def test_a_machine_that_cannot_start_a_thread_is_a_clear_error(monkeypatch) -> None:
    def cannot_start(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", cannot_start)
    with pytest.raises(RuntimeError) as refused:
        run_limited(lambda: 42, 1.0)
    assert str(refused.value) == "could not start a thread to run the student's code in"


def test_a_result_that_comes_as_the_time_runs_out_is_dropped(monkeypatch) -> None:
    """The stop may land after the student's code has returned but before its result is kept
    (here made certain by a pause at that point): no late result is used, it is a plain
    timeout, with no line, as the student's code had ended."""
    from engine.exercises import sandbox

    real_call = sandbox._call

    def call_then_pause(function, seconds):
        outcome = real_call(function, seconds)
        time.sleep(0.3)  # the stop lands here
        return outcome

    monkeypatch.setattr(sandbox, "_call", call_then_pause)
    outcome = run_limited(lambda: 42, 0.2)
    assert outcome.value is None
    assert outcome.failure.to_dict() == {
        "kind": "timeout",
        "exception": "",
        "detail": "0.2 s",
        "location": "",
        "code": "",
    }
    assert str(outcome.failure) == "did not finish within 0.2 s: an infinite loop?"


def test_code_that_has_returned_is_not_stopped_while_its_thread_ends() -> None:
    """The time limit may run out just as the student's code returns: its result is kept,
    and nothing is planted in the thread that is finishing."""
    from engine.exercises.sandbox import Outcome, _stop

    release, finished = threading.Event(), []

    def finishing() -> None:
        release.wait()
        finished.append(True)

    thread = threading.Thread(target=finishing, daemon=True)
    thread.start()
    _stop(thread, [Outcome(value=42)], threading.Lock())
    release.set()
    thread.join(1.0)
    assert finished == [True]


# -- apply_fix --------------------------------------------------------------------------------


def test_apply_fix_replaces_lines_whatever_their_indentation() -> None:
    source = "def f(x):\n    if x:\n        return 1\n    return 2\n"
    assert apply_fix(source, "return 1", "return 3") == (
        "def f(x):\n    if x:\n        return 3\n    return 2\n"
    )
    two = apply_fix(source, "if x:\n    return 1", "if not x:\n    return 1")
    assert two == "def f(x):\n    if not x:\n        return 1\n    return 2\n"
    indented = apply_fix(source, "if x:\n    return 1", "    if not x:\n\n        return 1\n")
    assert indented == "def f(x):\n    if not x:\n\n        return 1\n    return 2\n"
    assert apply_fix(source, "return 1", "") == "def f(x):\n    if x:\n\n    return 2\n"


HOW_TO_COPY = "copy it exactly as printed (indentation does not matter)"


@pytest.mark.parametrize(
    ("old", "new", "error", "message"),
    [
        (
            "return 5",
            "x",
            ValueError,
            f"the line 'return 5' is not in the engine's source: {HOW_TO_COPY}",
        ),
        (
            "return 2",
            "x",
            ValueError,
            f"the line 'return 2' occurs 2 times in the engine's source: {HOW_TO_COPY}, with a "
            "line around it to tell which one",
        ),
        (
            " \n ",
            "x",
            ValueError,
            "the fix's first string is empty: copy the line with the bug into it",
        ),
        (
            None,
            "x",
            TypeError,
            "a fix is two strings: (the line with the bug, the line as it should be)",
        ),
        (
            "return 1",
            3,
            TypeError,
            "a fix is two strings: (the line with the bug, the line as it should be)",
        ),
    ],
)
def test_a_fix_that_cannot_be_applied_says_why(old, new, error, message) -> None:
    source = "def f(x):\n    if x:\n        return 1\n    return 2\n    return 2\n"
    with pytest.raises(error) as refused:
        apply_fix(source, old, new)
    assert str(refused.value) == message


def test_an_unknown_kind_of_bug_lists_the_kinds() -> None:
    for kind in ["nope", 3]:
        with pytest.raises(ValueError) as unknown:
            buggy_value(kind)
        assert str(unknown.value) == (
            f"buggy_value: unknown kind {kind!r}; the kinds are accumulate, topological_order, "
            "breadth_first, seed, relu, tanh_derivative, mul_derivative, pow_derivative, upstream, "
            "graph (kinds() describes each)"
        )


def test_a_fix_copied_with_blank_or_indented_lines_around_it_still_applies() -> None:
    """Selecting a line in an editor often takes the next line's indentation along, or an
    empty line: the line copied is still found (and no blank line of the source is eaten)."""
    source = "def f(X):\n    y = 2 * X\n\n    return y\n"
    fixed = "def f(X):\n    y = 3 * X\n\n    return y\n"
    for copied in ["y = 2 * X", "y = 2 * X\n    ", "\n  y = 2 * X\n\n", "   \ny = 2 * X"]:
        assert apply_fix(source, copied, "y = 3 * X") == fixed, repr(copied)
    topo = ("for v in topo:\n            ", "for v in reversed(topo):")
    assert check_fix("topological_order", topo).passed


def test_engine_exercises_needs_neither_nn_nor_extras() -> None:
    import subprocess
    import sys

    code = (
        "import sys, engine.exercises\n"
        "loaded = [m for m in ('nn', 'torch', 'graphviz', 'numpy') if m in sys.modules]\n"
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_check_gradients_tolerances_are_tight_by_default() -> None:
    """A grader must not pass a derivative that is almost right: one part in a thousand off,
    or 1e-3 off where it should be 0, fails; looser tolerances are the teacher's choice."""

    def slightly_wrong(x: Value) -> Value:
        return custom_op(x.data**2, [x], [2 * x.data * 1.001], op="slightly wrong")

    def off_at_zero(x: Value) -> Value:
        return custom_op(x.data**2, [x], [2 * x.data + 1e-3], op="off at zero")

    assert not check_gradients(slightly_wrong, [10.0]).passed
    assert not check_gradients(off_at_zero, [0.0]).passed
    assert check_gradients(slightly_wrong, [10.0], rtol=1e-2).passed
    assert check_gradients(off_at_zero, [0.0], atol=1e-2).passed


def test_check_gradients_uses_its_step_and_its_value_tolerances() -> None:
    def flat_but_claims_a_slope(x: Value) -> Value:  # numeric derivative exactly 0
        return custom_op(5.0, [x], [1e-5], op="flat")

    assert check_gradients(flat_but_claims_a_slope, [1.0]).passed  # within atol, inclusive
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KinkWarning)
        cube = check_gradients(lambda x: x * x * x, [1.0], eps=0.5)  # central difference: 3.25
    assert not cube.passed and cube.rows[0].numeric == pytest.approx(3.25)

    def off_by(delta: float) -> bool | None:  # the value 2 at x = 1, expected 2 + delta
        return (
            check_gradients(lambda x: x * 2, [1.0], expected=lambda x: 2 * x + delta).values[0].ok
        )

    assert off_by(1.5e-4) is True and off_by(3e-4) is False  # within 1e-5 + 1e-4 * |expected|


# -- check_gradients: the messages a teacher or student reads, whole -------------------------

POINTS_HELP = "check_gradients: points must be a list of points, e.g. [-1.0, 0.5, 2.0] or "


@pytest.mark.parametrize(
    ("fn", "points", "options", "error", "message"),
    [
        (5, [1.0], {}, TypeError, "check_gradients expects a function of Values, got int"),
        (
            abs,
            [1.0],
            {"expected": 3},
            TypeError,
            "check_gradients: expected must be a function of floats (or None)",
        ),
        (abs, None, {}, TypeError, POINTS_HELP + "[(1.0, 2.0), (0.5, -1.0)], got NoneType: None"),
        (abs, 3, {}, TypeError, POINTS_HELP + "[(1.0, 2.0), (0.5, -1.0)], got int: 3"),
        (abs, [], {}, ValueError, "check_gradients: points is empty; give at least one point"),
        (
            abs,
            [1.0, (1.0, 2.0)],
            {},
            ValueError,
            "check_gradients: every point needs the same number of inputs",
        ),
        (
            abs,
            [(1.0, "a")],
            {},
            TypeError,
            "check_gradients point expects a real number (int or float), got str: 'a'",
        ),
    ],
)
def test_check_gradients_refuses_bad_arguments_with_a_message(
    fn, points, options, error, message
) -> None:
    with pytest.raises(error) as refused:
        check_gradients(fn, points, **options)
    assert str(refused.value) == message


def test_the_time_limit_is_ten_seconds_unless_given() -> None:
    import inspect

    assert inspect.signature(check_gradients).parameters["time_limit"].default == 10.0


def test_an_expected_function_that_raises_is_that_points_error_and_the_others_go_on() -> None:
    def expected(x: float) -> float:
        return 1.0 / (x - 1.0)

    report = check_gradients(lambda x: x * x, [1.0, 2.0, 3.0], expected=expected)
    assert [row.point for row in report.values] == [(2.0,), (3.0,)]
    ((point, message),) = report.errors
    assert point == (1.0,)
    assert re.fullmatch(
        r"expected raised ZeroDivisionError: float division by zero at "
        r"test_exercise_tools\.py:\d+ in expected \(`return 1\.0 / \(x - 1\.0\)`\)",
        message,
    ), message
    returned = check_gradients(lambda x: 3.0, [1.0]).errors
    assert returned == [
        (
            (1.0,),
            "your function returned a float, not a Value: build the result from Value "
            "operations or custom_op, so that backward() can reach the inputs",
        )
    ]


def test_the_kink_warning_names_the_function_and_every_place_and_points_at_the_caller() -> None:
    import functools

    with pytest.warns(KinkWarning) as caught:
        scaled = check_gradients(functools.partial(lambda k, x: abs(x) * k, 2.0), [0.0, 1.0])
        check_gradients(lambda x, y: abs(x) + abs(y), [(0.0, 1.0), (1.0, 0.0), (2.0, 3.0)])
    assert scaled.name == "fn"  # a callable without a __name__
    rest = (
        " the function has a kink or a jump, where a finite difference means nothing; those "
        "rows are not counted (check them by hand, or move the points)"
    )
    assert [str(w.message) for w in caught] == [
        "check_gradients(fn): at 0" + rest,
        "check_gradients(<lambda>): at (0, 1), (1, 0)" + rest,
    ]
    # the warning points at the caller: this file, or under mutmut (whose mutated modules
    # import it) the trampoline that calls check_gradients in its place
    callers = {os.path.basename(w.filename) for w in caught}
    under_mutmut = "mutmut" in sys.modules
    assert callers == {"trampoline.py" if under_mutmut else os.path.basename(__file__)}


def test_a_kink_is_a_gap_that_stays_while_the_step_shrinks() -> None:
    """The one-sided slopes' gap at the step 1e-5, then 1e-6: a kink keeps it (above the
    rounding noise of the slopes and of the value); a smooth curve's gap shrinks tenfold."""

    def kink_row(fn, point: float) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", KinkWarning)
            return check_gradients(fn, [point]).rows[0].kink

    assert kink_row(lambda x: abs(x) * 1e-6, 0.0)  # small, but far above the noise
    assert not kink_row(lambda x: x.relu() * 1e-5 - x * 50.0, 0.0)  # lost in the slope's noise
    assert not kink_row(lambda x: x**3 * 1e4 + 1e10, 0.123456)  # the value's rounding noise

    def halving(x: Value) -> Value:
        """|x| away from 0, |x|/2 near it: the gap halves (2, then 1) as the step shrinks."""
        v = x.data
        return custom_op(abs(v) if abs(v) > 5e-6 else 0.5 * abs(v), [x], [0.0])

    assert not kink_row(halving, 0.0)  # a gap must stay above half its size to be a kink


def test_a_long_message_is_cut_to_300_characters_and_a_syntax_error_points_at_its_line() -> None:
    from engine.exercises.sandbox import describe

    assert describe(ValueError("x" * 300)).detail == "x" * 300
    assert describe(ValueError("x" * 301)).detail == "x" * 297 + "..."
    try:
        compile("def f(x):\n    return x +\n", "/tmp/student/answer.py", "exec")
    except SyntaxError as error:
        failure = describe(error)
    assert (failure.kind, failure.exception, failure.detail) == (
        "exception",
        "SyntaxError",
        "invalid syntax",
    )
    assert (failure.location, failure.code) == ("answer.py:2", "return x +")
    assert str(failure) == "raised SyntaxError: invalid syntax at answer.py:2 (`return x +`)"
    textless = SyntaxError("bad", ("cell.py", 3, 1, None))
    assert (describe(textless).location, describe(textless).code) == ("cell.py:3", "")


def test_a_new_bug_must_change_exactly_one_place_of_the_source(monkeypatch) -> None:
    """For whoever adds a kind of bug: one whose lines are not in SOURCE, or are there more than
    once, is refused with its name."""
    from engine.exercises.bugs import BUGS, Bug, buggy_source

    monkeypatch.setitem(BUGS, "nowhere", Bug("a line that is not there", "nowhere\n", "x\n"))
    monkeypatch.setitem(BUGS, "everywhere", Bug("a line there 6 times", "        return out\n", ""))
    for kind in ["nowhere", "everywhere"]:
        with pytest.raises(AssertionError) as refused:
            buggy_source(kind)
        assert str(refused.value) == f"bug {kind!r} must change exactly one place of SOURCE"
