r"""Checking a function of Values against finite differences, point by point.

``check_gradients(fn, points)`` is ``gradcheck`` for exercises: it never
raises on a mismatch, it checks many points at once, and it returns a report
with one row per point and input,

$$\text{analytic} = \frac{\partial f}{\partial x_i} \text{ from backward()}, \qquad
\text{numeric} = \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon},$$

their difference, and whether they agree (within ``atol + rtol * |numeric|``).

**Kinks.** Where $f$ has a kink ($|x|$ and relu at 0) or a jump (a step), no
finite difference means anything: the two sides have different slopes. The
one-sided differences

$$D_+(h) = \frac{f(x + h) - f(x)}{h}, \qquad D_-(h) = \frac{f(x) - f(x - h)}{h}$$

tell: for a smooth $f$ their gap $D_+(h) - D_-(h) \approx f''(x)\,h$ shrinks
tenfold when $h$ does, at a kink it stays (the jump in slope), and at a jump
it grows. A point whose gap does not shrink is marked as a kink: its row is
reported but not counted (``ok`` is ``None``), and a ``KinkWarning`` says so.

``expected=`` (a function of floats) also checks the values themselves: a
gradient can only be right for the right function.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

from engine.exercises.sandbox import Failure, describe, run_limited
from engine.grad_mode import enable_grad, no_grad
from engine.gradcheck import central_difference
from engine.value import Value, _to_float

Point = float | Sequence[float]

#: Step sizes of the kink test: the gap of the one-sided differences at the
#: first, then at the second (ten times smaller).
KINK_STEPS = (1e-5, 1e-6)


class _NotAValue(Exception):
    """The function returned something other than a Value (its message says so)."""


class KinkWarning(UserWarning):
    """A point sits on a kink or a jump, where a finite difference means nothing."""


class GradientRow:
    """One input at one point: ``point``, ``input`` (its index), ``analytic``, ``numeric``,
    ``error`` (``|analytic - numeric|``), ``ok`` (True, False, or None at a kink) and ``kink``."""

    __slots__ = ("point", "input", "analytic", "numeric", "error", "ok", "kink")

    def __init__(
        self,
        point: tuple[float, ...],
        index: int,
        analytic: float,
        numeric: float,
        ok: bool,
        kink: bool,
    ) -> None:
        self.point = point
        self.input = index
        self.analytic = analytic
        self.numeric = numeric
        self.error = abs(analytic - numeric)
        self.kink = kink
        self.ok: bool | None = None if kink else ok

    def __repr__(self) -> str:
        return (
            f"GradientRow(point={self.point}, input={self.input}, analytic={self.analytic!r}, "
            f"numeric={self.numeric!r}, ok={self.ok})"
        )


class ValueRow:
    """The function's value at one point: ``point``, ``value``, ``expected`` and ``ok``."""

    __slots__ = ("point", "value", "expected", "ok")

    def __init__(self, point: tuple[float, ...], value: float, expected: float, ok: bool) -> None:
        self.point = point
        self.value = value
        self.expected = expected
        self.ok = ok


class GradientReport:
    """What ``check_gradients`` found.

    * ``passed``: every row away from a kink agrees, every value matches
      ``expected``, nothing raised, and at least one row was checked;
    * ``rows``: one ``GradientRow`` per point and input;
    * ``values``: one ``ValueRow`` per point (when ``expected`` was given);
    * ``kinks``: the rows at a kink (reported, not counted);
    * ``errors``: ``(point, message)`` for each point where ``fn`` failed.
    """

    def __init__(
        self,
        name: str,
        rows: list[GradientRow],
        values: list[ValueRow],
        errors: list[tuple[tuple[float, ...] | None, str]],
    ) -> None:
        self.name = name
        self.rows = rows
        self.values = values
        self.errors = errors
        self.kinks = [row for row in rows if row.kink]
        checked = [row for row in rows if not row.kink]
        self.passed = (
            not errors
            and bool(checked)
            and all(row.ok for row in checked)
            and all(row.ok for row in values)
        )

    def _errors_by_message(self) -> list[tuple[str, str]]:
        """``(points, message)``: the points that failed the same way, together."""
        grouped: dict[str, list[str]] = {}
        for point, message in self.errors:
            grouped.setdefault(message, []).append(_point(point) if point else "every point")
        return [(", ".join(points), message) for message, points in grouped.items()]

    @property
    def summary(self) -> str:
        """One line: how many rows agree, and the verdict."""
        checked = [row for row in self.rows if not row.kink]
        good = sum(bool(row.ok) for row in checked)
        parts = [f"{good} of {len(checked)} gradients agree with finite differences"]
        if self.values:
            right = sum(row.ok for row in self.values)
            parts.append(f"{right} of {len(self.values)} values right")
        if self.kinks:
            parts.append(f"{len(self.kinks)} at a kink (not counted)")
        if self.errors:
            parts.append(f"{len(self.errors)} failed")
        verdict = "passed" if self.passed else "FAILED"
        return f"check_gradients({self.name}): {', '.join(parts)}: {verdict}"

    def __str__(self) -> str:
        lines = [self.summary]
        lines += [f"  error at {where}: {message}" for where, message in self._errors_by_message()]
        bad_values = [row for row in self.values if not row.ok]
        for row in bad_values:
            lines.append(
                f"  value at {_point(row.point)}: {row.value!r}, expected {row.expected!r}"
            )
        if self.rows:
            lines.append(
                f"  {'point':>18}  {'input':>5}  {'analytic':>14}  {'numeric':>14}  "
                f"{'error':>9}  ok"
            )
            for row in self.rows:
                mark = "kink: not counted" if row.kink else "yes" if row.ok else "NO <--"
                lines.append(
                    f"  {_point(row.point):>18}  {row.input:>5}  {row.analytic:>14.8g}  "
                    f"{row.numeric:>14.8g}  {row.error:>9.2g}  {mark}"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.summary}**"]
        for where, message in self._errors_by_message():
            parts.append(f"* error at {where}: {message.replace('|', '/')}")
        for row in self.values:
            if not row.ok:
                parts.append(
                    f"* value at {_point(row.point)}: {row.value!r}, expected {row.expected!r}"
                )
        if self.rows:
            table = [
                "| point | input | analytic | numeric | error | ok |",
                "|---|---|---|---|---|---|",
            ]
            for row in self.rows:
                mark = "kink (not counted)" if row.kink else "✓" if row.ok else "✗"
                table.append(
                    f"| {_point(row.point)} | {row.input} | {row.analytic:.8g} | "
                    f"{row.numeric:.8g} | {row.error:.2g} | {mark} |"
                )
            parts.append("\n".join(table))
        return "\n\n".join(parts)


def _point(point: tuple[float, ...]) -> str:
    return ", ".join(f"{x:g}" for x in point)


def _place(point: tuple[float, ...]) -> str:
    """A point in a sentence: ``0``, or ``(0, 1)`` for several inputs."""
    return f"({_point(point)})" if len(point) > 1 else _point(point)


def check_gradients(
    fn: Callable[..., Value],
    points: Sequence[Point],
    *,
    expected: Callable[..., float] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    time_limit: float = 10.0,  # pragma: no mutate (a test would wait 10 s to see it)
) -> GradientReport:
    """Check ``backward()`` through ``fn`` against central differences at every point.

    ``fn`` takes one Value per input and returns a Value; each of ``points``
    is a number (one input) or a sequence of numbers. ``expected``, a
    function of floats, gives the values ``fn`` should compute. Never raises
    because of ``fn``: an exception at a point (or running longer than
    ``time_limit`` seconds in all) is an error in the report.

    >>> report = check_gradients(lambda x: x * x.tanh(), [-1.0, 0.5, 2.0])
    >>> report.passed, len(report.rows)
    (True, 3)
    """
    if not callable(fn):
        raise TypeError(f"check_gradients expects a function of Values, got {type(fn).__name__}")
    if expected is not None and not callable(expected):
        raise TypeError("check_gradients: expected must be a function of floats (or None)")
    grid = _points(points)
    name = getattr(fn, "__name__", "fn")
    outcome = run_limited(lambda: _check(fn, grid, expected, eps, atol, rtol), time_limit)
    if outcome.failure is not None:  # only a timeout gets here: each point catches its own
        report = GradientReport(name, [], [], [(None, _failure_text(outcome.failure))])
    else:
        rows, values, errors = outcome.value
        report = GradientReport(name, rows, values, errors)
    if report.kinks:
        places = ", ".join(sorted({_place(row.point) for row in report.kinks}))
        warnings.warn(
            f"check_gradients({name}): at {places} the function has a kink or a jump, where a "
            "finite difference means nothing; those rows are not counted (check them by hand, "
            "or move the points)",
            KinkWarning,
            stacklevel=2,
        )
    return report


def _points(points: object) -> list[tuple[float, ...]]:
    """The points as tuples of floats; a ``TypeError``/``ValueError`` for a bad list."""
    if isinstance(points, (int, float)) or not hasattr(points, "__iter__"):
        raise TypeError(
            "check_gradients: points must be a list of points, e.g. [-1.0, 0.5, 2.0] or "
            f"[(1.0, 2.0), (0.5, -1.0)], got {type(points).__name__}: {points!r}"
        )
    grid = []
    for point in points:
        coordinates = point if hasattr(point, "__iter__") else (point,)
        grid.append(tuple(_to_float(x, "check_gradients point") for x in coordinates))
    if not grid:
        raise ValueError("check_gradients: points is empty; give at least one point")
    if len({len(point) for point in grid}) != 1:
        raise ValueError("check_gradients: every point needs the same number of inputs")
    return grid


def _failure_text(failure: Failure) -> str:
    return f"your function {failure}"


def _check(
    fn: Callable[..., Value],
    grid: list[tuple[float, ...]],
    expected: Callable[..., float] | None,
    eps: float,
    atol: float,
    rtol: float,
) -> tuple[list[GradientRow], list[ValueRow], list[tuple[tuple[float, ...] | None, str]]]:
    """Every point's rows; an exception at a point becomes that point's error."""
    rows: list[GradientRow] = []
    values: list[ValueRow] = []
    errors: list[tuple[tuple[float, ...] | None, str]] = []
    for point in grid:
        try:
            point_rows, value = _check_point(fn, point, eps, atol, rtol)
        except _NotAValue as refusal:
            errors.append((point, str(refusal)))
            continue
        except Exception as error:  # the student's function: report it, check the other points
            errors.append((point, _failure_text(describe(error))))
            continue
        rows += point_rows
        if expected is not None:
            try:
                want = float(expected(*point))
            except Exception as error:
                errors.append((point, f"expected {describe(error)}"))
                continue
            values.append(ValueRow(point, value, want, _agree(value, want, atol, rtol)))
    return rows, values, errors


def _check_point(
    fn: Callable[..., Value], point: tuple[float, ...], eps: float, atol: float, rtol: float
) -> tuple[list[GradientRow], float]:
    """The rows of one point, and ``fn``'s value there."""
    leaves = [Value(x) for x in point]
    with enable_grad():
        out = fn(*leaves)
    if not isinstance(out, Value):
        raise _NotAValue(
            f"your function returned a {type(out).__name__}, not a Value: build the "
            "result from Value operations or custom_op, so that backward() can reach the inputs"
        )
    out.backward()
    rows = []
    for i, leaf in enumerate(leaves):
        numeric = central_difference(fn, point, i, eps)
        analytic = leaf.grad
        ok = _agree(analytic, numeric, atol, rtol)
        rows.append(GradientRow(point, i, analytic, numeric, ok, _on_kink(fn, point, i)))
    return rows, out.data


def _agree(got: float, want: float, atol: float, rtol: float) -> bool:
    """Within ``atol + rtol * |want|``; an infinity agrees with nothing (not even an
    infinite ``want``, whose tolerance would be infinite)."""
    finite = math.isfinite(got) and math.isfinite(want)
    return finite and abs(got - want) <= atol + rtol * abs(want)


def _evaluate(fn: Callable[..., Value], point: Sequence[float]) -> float:
    with no_grad():
        return fn(*[Value(x) for x in point]).data


def _on_kink(fn: Callable[..., Value], point: tuple[float, ...], index: int) -> bool:
    """True when the one-sided differences' gap at ``point`` does not shrink with the step."""
    centre = _evaluate(fn, point)
    gaps = []
    for h in KINK_STEPS:
        up, down = list(point), list(point)
        up[index] += h
        down[index] -= h
        right = (_evaluate(fn, up) - centre) / h
        left = (centre - _evaluate(fn, down)) / h
        if not all(map(math.isfinite, (right, left))):
            return False
        gaps.append(abs(right - left))
    coarse, fine = gaps
    # a gap above rounding noise (about 1e-9 |f| at the finer step) and the slopes' scale
    noise = 1e-6 * (1.0 + abs(right) + abs(left)) + 1e-8 * abs(centre)
    return fine > noise and fine > 0.5 * coarse  # pragma: no mutate (>= noise: alike)
