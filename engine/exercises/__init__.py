"""Exercises: grade a student's own engine, drill the chain rule, hunt planted bugs.

* ``check_engine(Value)`` grades a micrograd-style ``Value`` class written by a
  student against chainrule (``engine.exercises.grade``);
* ``check_gradients(fn, points)`` checks a function of Values, a custom
  activation say, against finite differences (``engine.exercises.gradients``);
* ``drill(root)`` asks "what is dL/de?" for every node of a graph and grades
  the answers with escalating hints (``engine.exercises.drill``);
* ``Quiz()`` holds a lesson's "your turn" questions (numbers to find, and
  drill questions) and grades them with hints (``engine.exercises.quiz``);
* ``buggy_value(kind)`` is a micrograd-style engine with one classic bug
  planted, ``kinds()`` lists them and ``check_fix(kind, (old, new))`` grades
  a student's repair (``engine.exercises.bugs``).

How the first wrong gradient is traced to a mistake is in
``engine.exercises.compare``; ``chainrule check file.py:Value`` is
``engine.exercises.command``. The student's code is run with a time limit
and every exception caught (``engine.exercises.sandbox``). Like all of
``engine``, this package never imports ``nn``.
"""

from engine.exercises.bugs import apply_fix, buggy_source, buggy_value, check_fix, kinds
from engine.exercises.drill import Drill, DrillReport, Feedback, Question, drill
from engine.exercises.grade import (
    ENGINE_CHECKS,
    MISTAKES,
    CheckResult,
    EngineReport,
    Finding,
    check_engine,
)
from engine.exercises.gradients import GradientReport, GradientRow, KinkWarning, check_gradients
from engine.exercises.quiz import NumberQuestion, Quiz, QuizReport

__all__ = [
    "ENGINE_CHECKS",
    "MISTAKES",
    "CheckResult",
    "Drill",
    "DrillReport",
    "EngineReport",
    "Feedback",
    "Finding",
    "GradientReport",
    "GradientRow",
    "KinkWarning",
    "NumberQuestion",
    "Question",
    "Quiz",
    "QuizReport",
    "apply_fix",
    "buggy_source",
    "buggy_value",
    "check_engine",
    "check_fix",
    "check_gradients",
    "drill",
    "kinds",
]
