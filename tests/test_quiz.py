"""Quiz: a lesson's "your turn" questions (numbers and drill questions), graded with hints."""

from __future__ import annotations

import pytest

from engine import Value
from engine.exercises import NumberQuestion, Quiz, drill


def make_quiz() -> Quiz:
    quiz = Quiz("Lesson 6: your turn")
    quiz.ask(
        "steps",
        "How many steps make one epoch of 100 examples in batches of 32?",
        answer=4,
        hints=["Steps per epoch = ceil(N / B).", "ceil(100 / 32) = ceil(3.125)."],
    )
    quiz.ask("w", "Where is w after one step?", answer=2.4, explanation="3 - 0.1 * 6 = 2.4")
    quiz.ask("b", "Which bias makes a majority gate?", between=(-2.0, -1.0), hints="Try -1.5.")
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    quiz.add(drill(y)["x"], name="slope")
    return quiz


def test_an_int_is_counted_exactly_a_float_measured_to_one_percent() -> None:
    quiz = make_quiz()
    assert not quiz["steps"].answer(4.01)
    assert quiz["steps"].answer(4)
    assert quiz["w"].is_right(2.41) and not quiz["w"].is_right(2.43)  # 0.4% and 1.2% off
    assert quiz["w"].answer("2.4").message == "Correct: 3 - 0.1 * 6 = 2.4."
    loose = Quiz().ask("p", "?", answer=2.0, rel_tol=0.1)
    assert loose.is_right(2.15) and not loose.is_right(2.25)
    near_zero = Quiz().ask("z", "?", answer=0.0, abs_tol=1e-3)
    assert near_zero.is_right(5e-4) and not near_zero.is_right(2e-3)


def test_an_interval_takes_any_number_strictly_inside() -> None:
    question = make_quiz()["b"]
    assert question.is_right(-1.5) and question.is_right(-1.01)
    assert not question.is_right(-1.0) and not question.is_right(-2.0)
    assert question.answer(-1.2).message == "Correct: -1.2 lies between -2.0 and -1.0."


def test_hints_escalate_and_the_last_one_stays() -> None:
    question = make_quiz()["steps"]
    first = question.answer(3).message
    assert first == "Not quite: 3.0. Hint 1 of 2: Steps per epoch = ceil(N / B)."
    assert question.answer(3).message.endswith("Hint 2 of 2: ceil(100 / 32) = ceil(3.125).")
    assert question.hint().startswith("Hint 2 of 2")
    assert question.attempts == 2 and not question.solved
    assert question.answer(4) and question.solved
    assert make_quiz()["w"].answer(1.0).message == "Not quite: 1.0."  # no hints: no hint
    assert "Check the sign" in make_quiz()["w"].answer(-2.4).message
    not_a_number = make_quiz()["w"].answer([2.4])
    assert not_a_number.correct is False and not not_a_number
    assert not_a_number.message == "Answer with a number, e.g. .answer(0.5) (got list: [2.4])."


def test_check_grades_a_dict_and_says_what_is_not_done() -> None:
    quiz = make_quiz()
    report = quiz.check({"steps": None, "w": 2.0, "slope": 6.0, "typo": 1})
    assert not report.passed
    assert [correct for _, _, correct, _ in report.rows] == [None, False, None, True]
    assert report.summary == "Lesson 6: your turn: 1 of 4 right, 2 not answered yet: not yet"
    text = str(report)
    assert "✗ w: Where is w after one step? not 2.0." in text
    assert "| ✗ | `w` | Where is w after one step? | not 2.0. |" in report._repr_markdown_()
    assert "'typo' is no question of this quiz" in text
    assert "| ✗ | `typo` |  | no question of this quiz |" in report._repr_markdown_()
    assert quiz["w"].attempts == 0  # grading is not practising
    assert quiz.check({"steps": 4, "w": 2.4, "b": -1.5, "slope": 6}).passed
    wrong_drill = quiz.check({"steps": 4, "w": 2.4, "b": -1.5, "slope": 3})
    assert "not 3.0. The rule: y = x * x" in str(wrong_drill)  # a drill question's first hint
    assert "not a number: 'six'" in str(quiz.check({"steps": "six"}))


def test_quiz_shows_its_questions_and_refuses_mistakes_in_building() -> None:
    quiz = make_quiz()
    assert quiz.names() == ["steps", "w", "b", "slope"] and len(quiz) == 4
    assert isinstance(next(iter(quiz)), NumberQuestion)
    quiz["slope"].answer(6.0)
    assert "| `slope` | What is dy/dx? | ✓ solved |" in quiz._repr_markdown_()
    assert str(quiz).splitlines()[0] == "Lesson 6: your turn: 1 of 4 solved"
    with pytest.raises(KeyError, match="the questions are: steps, w, b, slope"):
        quiz["nope"]
    with pytest.raises(ValueError, match="already has a question named 'w'"):
        quiz.ask("w", "?", answer=1.0)
    with pytest.raises(ValueError, match="either answer= or between="):
        quiz.ask("x", "?")
    with pytest.raises(ValueError, match="either answer= or between="):
        quiz.ask("x", "?", answer=1.0, between=(0, 2))
    with pytest.raises(ValueError, match="two numbers"):
        quiz.ask("x", "?", between=(0,))
    with pytest.raises(ValueError, match="must be a number"):
        quiz.ask("x", "?", answer="one")
    with pytest.raises(TypeError, match="question of a drill"):
        quiz.add(3.0)
    with pytest.raises(TypeError, match="non-empty str"):
        quiz.ask("", "?", answer=1.0)
    with pytest.raises(TypeError, match="dict of answers"):
        quiz.check([4])


def test_a_count_takes_no_tolerance_and_a_question_keeps_its_name() -> None:
    steps = make_quiz()["steps"]
    assert steps.name == "steps" and NumberQuestion("lone", "?", answer=2.5).name == "lone"
    assert not steps.is_right(4 + 1e-10) and not steps.is_right(4 - 1e-10)
    assert NumberQuestion("zero", "?", answer=0.0).is_right(1e-10)  # a float: abs_tol 1e-9
    assert not NumberQuestion("zero", "?", answer=0.0).is_right(2e-9)
