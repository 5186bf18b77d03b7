r"""Softmax and log-softmax: turning a layer's raw scores into probabilities.

For scores (logits) $z_1, \dots, z_n$:

$$\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}, \qquad
\log\operatorname{softmax}(z)_i = z_i - \ln \sum_j e^{z_j}.$$

Each output lies in $(0, 1)$ and they sum to 1. The derivatives are
$\partial s_i / \partial z_j = s_i(\delta_{ij} - s_j)$ and
$\partial \log s_i / \partial z_j = \delta_{ij} - s_j$.

**Stability.** $e^{1000}$ overflows a float, yet softmax only depends on the
differences between scores: for any constant $m$,
$\operatorname{softmax}(z - m) = \operatorname{softmax}(z)$. Taking
$m = \max_j z_j$ makes every exponent $\le 0$, so nothing overflows and the
largest term is exactly $e^0 = 1$. The max enters *detached*
(``maximum(*z).detach()``: one leaf, a constant for the gradient), which is
exact: softmax's gradient toward a shift of all scores is zero, so treating
$m$ as fixed loses nothing. (JAX's softmax stops the gradient of its shift the
same way; ``engine.compile`` recomputes it for every example.)

Both functions are built from the engine's primitives (``maximum``, ``-``,
``exp``, ``sum_values``, ``/``, ``log``), so they need no backward code of their own.

>>> [round(p.data, 4) for p in softmax([34.0, 32.0, 25.0])]
[0.8807, 0.1192, 0.0001]
>>> [round(p.data, 4) for p in softmax([1000.0, 998.0, 991.0])]
[0.8807, 0.1192, 0.0001]
"""

from __future__ import annotations

from collections.abc import Sequence

from engine import Constant, Value, maximum, sum_values
from engine.value import _to_float

Number = int | float


def _as_values(values: Sequence[Value | Number], name: str) -> list[Value]:
    """The inputs as a list of Values (numbers become constant leaves), never empty."""
    if isinstance(values, (Value, int, float)):
        raise TypeError(
            f"{name} expects a list of scores (one per class), got a single "
            f"{type(values).__name__}; wrap it in a list"
        )
    items = [v if isinstance(v, Value) else Constant(_to_float(v, name)) for v in values]
    if not items:
        raise ValueError(f"{name} of an empty list is undefined; give at least one score")
    return items


def softmax(values: Sequence[Value | Number]) -> list[Value]:
    r"""$s_i = e^{z_i - m} / \sum_j e^{z_j - m}$ with $m = \max_j z_j$ (detached: a constant).

    Returns one Value per input. Stable for any finite scores, e.g. $\pm 1000$.

    >>> probs = softmax([2.0, 1.0, 0.1])
    >>> [round(p.data, 6) for p in probs]
    [0.659001, 0.242433, 0.098566]
    >>> round(sum(p.data for p in probs), 12)
    1.0
    """
    logits = _as_values(values, "softmax")
    largest = maximum(*logits).detach()
    exps = [(z - largest).exp() for z in logits]  # every exponent <= 0
    total = sum_values(exps)  # >= 1: the largest score contributes e^0 = 1
    return [e / total for e in exps]


def log_softmax(values: Sequence[Value | Number]) -> list[Value]:
    r"""$\log s_i = (z_i - m) - \ln \sum_j e^{z_j - m}$, with $m = \max_j z_j$ detached.

    Exact even where $s_i$ itself underflows to 0: ``log_softmax([1000, -1000])``
    gives ``[0, -2000]``, where ``log(softmax(...))`` would fail. This is what
    ``nn.losses.cross_entropy`` uses.

    >>> [z.data for z in log_softmax([1000.0, -1000.0])]
    [0.0, -2000.0]
    """
    logits = _as_values(values, "log_softmax")
    largest = maximum(*logits).detach()
    shifted = [z - largest for z in logits]
    log_total = sum_values([s.exp() for s in shifted]).log()  # ln(sum) >= 0
    return [s - log_total for s in shifted]
