r"""Checking gradients against finite differences.

The central difference approximates a partial derivative from two forward
passes, with no chain rule at all:

$$\frac{\partial f}{\partial x_i} \approx
\frac{f(\dots, x_i + \varepsilon, \dots) - f(\dots, x_i - \varepsilon, \dots)}{2\varepsilon}$$

Its error shrinks like $\varepsilon^2$, so it is an independent witness for
what ``backward()`` computes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from engine.grad_mode import enable_grad, no_grad
from engine.value import Number, Value, _to_float

Function = Callable[..., Value]


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when backward and finite differences disagree."""


def _evaluate(f: Function, point: Sequence[float]) -> float:
    """``f`` at ``point`` as a float, with no graph recorded."""
    with no_grad():
        out = f(*[Value(x) for x in point])
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out.data


def central_difference(
    f: Function, point: Sequence[Number], index: int, eps: float = 1e-6
) -> float:
    r"""$\partial f / \partial x_{\text{index}}$ at ``point`` by a central difference.

    ``f`` takes one Value per coordinate and returns a Value.

    >>> round(central_difference(lambda x, y: x * y, [3.0, 4.0], 0), 6)
    4.0
    """
    up = [_to_float(x, "central_difference point") for x in point]
    if not eps > 0:
        raise ValueError(f"central_difference: eps must be a positive number, got {eps!r}")
    if (
        isinstance(index, bool)
        or not isinstance(index, numbers.Integral)
        or not 0 <= index < len(up)
    ):
        raise ValueError(
            f"central_difference: index must be an int from 0 to {len(up) - 1}, got {index!r}"
        )
    index = int(index)  # (a numpy integer too)
    down = list(up)
    up[index] += eps
    down[index] -= eps
    return (_evaluate(f, up) - _evaluate(f, down)) / (2.0 * eps)


def gradcheck(
    f: Function,
    inputs: Sequence[Value | Number],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Compare ``backward()`` with central differences at ``inputs``; True if they agree.

    ``f`` takes one Value per input and returns a Value. The analytic
    gradient of each input must be within ``atol + rtol * |numeric|`` of
    the numeric one. On a mismatch, raises ``GradcheckError`` with a table:

    .. code-block:: text

        input   value   analytic   numeric   difference
        0       2.0     4.0        4.0       0.0

    >>> gradcheck(lambda x, y: x * y.tanh(), [0.5, -1.5])
    True
    """
    point = [x.data if isinstance(x, Value) else _to_float(x, "gradcheck") for x in inputs]
    leaves = [Value(x) for x in point]
    with enable_grad():  # the analytic side needs a graph, even inside no_grad()
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    rows = []
    ok = True
    for i, leaf in enumerate(leaves):
        numeric = central_difference(f, point, i, eps)
        analytic = leaf.grad
        difference = abs(analytic - numeric)
        good = difference <= atol + rtol * abs(numeric) and math.isfinite(analytic)
        ok = ok and good
        rows.append((i, point[i], analytic, numeric, difference, good))
    if not ok:
        raise GradcheckError(_table(rows))
    return True


def _table(rows: list[tuple[int, float, float, float, float, bool]]) -> str:
    """The mismatch report: one line per input, the bad ones marked."""
    header = f"{'input':>5}  {'value':>12}  {'analytic':>14}  {'numeric':>14}  {'difference':>11}"
    lines = ["backward() disagrees with central differences:", header]
    for i, x, analytic, numeric, difference, good in rows:
        mark = "" if good else "  <-- mismatch"
        lines.append(
            f"{i:>5}  {x:>12.6g}  {analytic:>14.8g}  {numeric:>14.8g}  {difference:>11.3g}{mark}"
        )
    return "\n".join(lines)
