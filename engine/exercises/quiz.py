r"""Quizzes: a lesson's "your turn" questions, each a number to find, graded with hints.

A drill (``engine.exercises.drill``) asks for the gradients of one graph. A
lesson also asks other things: the output of a neuron, a learning rate's
next step, the steps in an epoch. ``Quiz`` holds such questions, and drill
questions too, under names of its own, and grades them the way a drill does:

* ``quiz.ask(name, prompt, answer=...)`` adds a question whose answer is a
  number (an ``int`` must be given exactly, a ``float`` to 1% by default,
  three significant digits), or any number strictly ``between=(low, high)``;
  its ``hints`` are given one per wrong answer;
* ``quiz.add(question, name=...)`` adds a question of a drill;
* ``quiz[name].answer(x)`` grades one answer and returns ``Feedback`` (a
  wrong one gets the next hint), and ``quiz.check(answers)`` grades a dict
  of answers at once, for a grading cell: ``None`` is "not answered yet",
  never an error.

>>> quiz = Quiz("Your turn")
>>> _ = quiz.ask("steps", "How many steps make one epoch of 100 examples in batches of 32?",
...              answer=4, hints=["Steps per epoch = ceil(N / B)."])
>>> quiz["steps"].answer(3)
Not quite: 3.0. Hint 1 of 1: Steps per epoch = ceil(N / B).
>>> quiz.check({"steps": None}).summary
'Your turn: 0 of 1 right, 1 not answered yet: not yet'
>>> quiz.check({"steps": 4}).passed
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

from engine.exercises.compare import show
from engine.exercises.drill import REL_TOL, DrillReport, Feedback, Question, _as_number, grade


class NumberQuestion:
    """One question whose answer is a number (or any number in an open interval).

    Answers it the way a drill's ``Question`` does: ``answer(x)`` returns
    ``Feedback`` and gives the next hint after a wrong answer; ``hint()``
    gives it without answering; ``is_right(x)`` tells without counting.
    """

    def __init__(
        self,
        name: str,
        prompt: str,
        *,
        answer: float | None = None,
        between: tuple[float, float] | None = None,
        hints: Sequence[str] = (),
        explanation: str = "",
        rel_tol: float | None = None,
        abs_tol: float = 1e-9,
    ) -> None:
        if (answer is None) == (between is None):
            raise ValueError(f"question {name!r}: give either answer= or between=(low, high)")
        if between is not None and not (
            len(between) == 2 and all(isinstance(b, (int, float)) for b in between)
        ):
            raise ValueError(f"question {name!r}: between= takes two numbers, (low, high)")
        if answer is not None and (isinstance(answer, bool) or _as_number(answer) is None):
            raise ValueError(f"question {name!r}: answer= must be a number, got {answer!r}")
        if isinstance(hints, str):
            hints = [hints]
        self.name = name
        self.prompt = prompt
        self.solved = False
        self.attempts = 0
        self._answer = answer
        self._between = between
        self._hints = list(hints)
        self._hints_given = 0
        self._explanation = explanation
        # an int is counted: exactly that number; a float is measured: to 1% by default
        exact = isinstance(answer, int) and rel_tol is None
        self._rel_tol = 0.0 if exact else REL_TOL if rel_tol is None else rel_tol
        self._abs_tol = 0.0 if exact else abs_tol

    def __repr__(self) -> str:
        state = "solved" if self.solved else f"{self.attempts} attempts"
        return f"NumberQuestion({self.prompt!r}, {state})"

    def __str__(self) -> str:
        return self.prompt

    def is_right(self, x: float) -> bool:
        """True when ``x`` answers the question (no hint, no attempt counted)."""
        if self._between is not None:
            low, high = self._between
            return low < x < high
        return math.isclose(x, float(self._answer), rel_tol=self._rel_tol, abs_tol=self._abs_tol)

    def hint(self) -> str:
        """The next hint (after the last one, the last one again); "" when there are none."""
        if not self._hints:
            return ""
        index = min(self._hints_given, len(self._hints) - 1)
        self._hints_given = min(self._hints_given + 1, len(self._hints))
        return f"Hint {index + 1} of {len(self._hints)}: {self._hints[index]}"

    def answer(self, x: object) -> Feedback:
        """Grade ``x``; a wrong answer gets the next hint."""
        number = _as_number(x)
        if number is None:
            return Feedback(
                False, f"Answer with a number, e.g. .answer(0.5) (got {type(x).__name__}: {x!r})."
            )
        self.attempts += 1
        if self.is_right(number):
            self.solved = True
            return Feedback(True, f"Correct: {self._solution(number)}.")
        sign = (
            "Check the sign. "
            if self._answer is not None and number != 0 and self.is_right(-number)
            else ""
        )
        return Feedback(False, f"Not quite: {show(number)}. {sign}{self.hint()}".rstrip())

    def first_hint(self) -> str:
        """The first hint, as a grading cell shows it under a wrong answer."""
        return self._hints[0] if self._hints else ""

    def _solution(self, number: float) -> str:
        if self._explanation:
            return self._explanation
        if self._between is not None:
            low, high = self._between
            return f"{show(number)} lies between {show(low)} and {show(high)}"
        return show(float(self._answer))


class QuizReport(DrillReport):
    """The grade of a dict of answers: ``passed``, ``summary`` and one row per question,
    each shown with the name its answer is given under (``names``)."""

    unknown_text = "no question of this quiz"

    @property
    def title(self) -> str:
        return self.root_name


class Quiz:
    """A lesson's questions under names: ``quiz["steps"]``, ``for q in quiz``, ``quiz.check``.

    ``title`` heads its tables ("Your turn"). Add questions with ``ask``
    (a number) and ``add`` (a drill's question).
    """

    def __init__(self, title: str = "Your turn") -> None:
        self.title = title
        self._questions: dict[str, NumberQuestion | Question] = {}

    def ask(
        self,
        name: str,
        prompt: str,
        *,
        answer: float | None = None,
        between: tuple[float, float] | None = None,
        hints: Sequence[str] = (),
        explanation: str = "",
        rel_tol: float | None = None,
        abs_tol: float = 1e-9,
    ) -> NumberQuestion:
        """Add a question whose answer is ``answer`` (or any number ``between`` two); return it.

        An ``int`` answer must be given exactly; a ``float`` to ``rel_tol``
        (1%, three significant digits, by default) or ``abs_tol`` near 0.
        ``explanation`` is shown with a correct answer.
        """
        question = NumberQuestion(
            name,
            prompt,
            answer=answer,
            between=between,
            hints=hints,
            explanation=explanation,
            rel_tol=rel_tol,
            abs_tol=abs_tol,
        )
        return self._add(name, question)

    def add(self, question: Question, name: str | None = None) -> Question:
        """Add a drill's question (``drill(L)["a"]``), under ``name`` (default: its node's)."""
        if not isinstance(question, Question):
            raise TypeError(
                "Quiz.add takes a question of a drill, e.g. quiz.add(drill(L)['a']); "
                f"got {type(question).__name__} (use quiz.ask for a number)"
            )
        return self._add(question.name if name is None else name, question)

    def _add(self, name: str, question: NumberQuestion | Question) -> NumberQuestion | Question:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a question's name must be a non-empty str, got {name!r}")
        if name in self._questions:
            raise ValueError(f"the quiz already has a question named {name!r}")
        self._questions[name] = question
        return question

    def __getitem__(self, name: str) -> NumberQuestion | Question:
        try:
            return self._questions[name]
        except KeyError:
            names = ", ".join(self._questions) or "none yet"
            raise KeyError(f"no question named {name!r}; the questions are: {names}") from None

    def __iter__(self) -> Iterator[NumberQuestion | Question]:
        return iter(self._questions.values())

    def __len__(self) -> int:
        return len(self._questions)

    def names(self) -> list[str]:
        """The questions' names, in the order they were added."""
        return list(self._questions)

    def check(self, answers: Mapping[str, object]) -> QuizReport:
        """Grade ``{name: answer}`` for every question (``None`` or missing: not answered yet).

        No hints are used up and no attempts counted: this is the grading
        cell's view. A wrong answer's row shows the question's first hint.
        """
        if not isinstance(answers, Mapping):
            raise TypeError(
                "Quiz.check expects a dict of answers, e.g. {'steps': 4}, "
                f"got {type(answers).__name__}"
            )
        rows = [grade(question, answers.get(name)) for name, question in self._questions.items()]
        unknown = [name for name in answers if name not in self._questions]
        return QuizReport(self.title, rows, unknown, list(self._questions))

    def __str__(self) -> str:
        solved = sum(q.solved for q in self)
        lines = [f"{self.title}: {solved} of {len(self)} solved"]
        for name, question in self._questions.items():
            state = "solved" if question.solved else "not yet"
            lines.append(f"  {name}: {question.prompt}  ({state})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        solved = sum(q.solved for q in self)
        rows = [f"**{self.title}: {solved} of {len(self)} solved**", ""]
        rows += ["| name | question | |", "|---|---|---|"]
        for name, question in self._questions.items():
            state = "✓ solved" if question.solved else "not yet"
            rows.append(f"| `{name}` | {question.prompt.replace('|', '/')} | {state} |")
        return "\n".join(rows)
