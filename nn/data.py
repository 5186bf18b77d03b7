r"""Small, deterministic toy datasets in pure Python.

Every generator returns ``(X, y)``: ``X`` a list of examples, each a list of
floats (the features), and ``y`` a list of integer class labels ``0, 1, ...``.
All randomness comes from ``random.Random(seed)``, so the same ``seed`` gives
the same data on every machine, with nothing to install.

Labels and losses
-----------------
Labels are class indices, which is what ``cross_entropy`` and the binary
losses expect (0/1). A *hinge* loss (the micrograd demo) wants $\pm 1$
instead; map them with ``[2 * label - 1 for label in y]``, or
``to_signed_labels(y)``:

>>> X, y = make_moons(6, seed=0)
>>> y
[1, 1, 1, 0, 0, 0]
>>> to_signed_labels(y)
[1, 1, 1, -1, -1, -1]

A validation set is split off with ``train_val_split``:

>>> (X_train, y_train), (X_val, y_val) = train_val_split(X, y, val_fraction=0.5, seed=0)
>>> len(X_train), len(X_val)
(3, 3)
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence

Dataset = tuple[list[list[float]], list[int]]

FRUIT_CLASSES: tuple[str, ...] = ("apple", "banana", "orange")
"""Class names of ``make_fruit``, indexed by label: 0 apple, 1 banana, 2 orange."""

CLASS_NAMES = FRUIT_CLASSES
"""The same as ``FRUIT_CLASSES``."""

FRUIT_FEATURES: tuple[str, ...] = ("weight_g", "colour_hue", "texture", "size_cm")
"""Feature names of ``make_fruit``, in column order (see its docstring for units)."""


# -- helpers ---------------------------------------------------------------


def _check_count(n: object, name: str, minimum: int = 1) -> int:
    """``n`` (an int or numpy integer) as an int >= ``minimum``, or a clear error."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}: {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {n}")
    return int(n)


def random_source(seed: object) -> random.Random:
    """``random.Random(seed)``, with numpy integers as seeds too (``random`` refuses them)."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        seed = int(seed)
    return random.Random(seed)  # type: ignore[arg-type]


def _check_nonnegative(x: object, name: str) -> float:
    """``x`` as a float >= 0, or a clear error."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    if not x >= 0:  # also rejects nan
        raise ValueError(f"{name} must be >= 0, got {x!r}")
    return float(x)


def _linspace(start: float, stop: float, count: int, endpoint: bool = True) -> list[float]:
    """``count`` evenly spaced numbers from ``start`` to ``stop`` (like ``numpy.linspace``)."""
    if count == 1:
        return [float(start)]
    intervals = count - 1 if endpoint else count
    step = (stop - start) / intervals
    return [start + i * step for i in range(count)]


def _shuffled(X: list[list[float]], y: list[int], rng: random.Random) -> Dataset:
    """``X`` and ``y`` in the same random order."""
    order = list(range(len(y)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _split_evenly(n: int, parts: int) -> list[int]:
    """``n`` items in ``parts`` groups whose sizes differ by at most one (first groups larger)."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def to_signed_labels(y: Sequence[int]) -> list[int]:
    r"""Labels 0/1 as $-1/+1$ ($2y - 1$), the targets a hinge loss expects.

    >>> to_signed_labels([0, 1, 1])
    [-1, 1, 1]
    """
    signed = []
    for label in y:
        if label not in (0, 1):
            raise ValueError(
                f"to_signed_labels expects labels 0 or 1, got {label!r}; "
                "it maps a two-class problem to -1/+1"
            )
        signed.append(2 * int(label) - 1)
    return signed


# -- two-class datasets --------------------------------------------------------


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    r"""Two interleaving half circles ("two moons"), as ``sklearn.datasets.make_moons``.

    Class 0 lies on the upper arc $(\cos t, \sin t)$ and class 1 on the lower
    arc $(1 - \cos t, \tfrac12 - \sin t)$, $t \in [0, \pi]$, each point moved
    by Gaussian noise of standard deviation ``noise``. ``n // 2`` points get
    label 0, the rest label 1, in shuffled order. The classes cannot be
    split by a straight line: the micrograd demo's problem.

    Labels are 0/1; for a hinge loss use ``to_signed_labels(y)`` (-1/+1).

    >>> X, y = make_moons(100, noise=0.1, seed=1)
    >>> len(X), len(X[0]), sorted(set(y)), y.count(0)
    (100, 2, [0, 1], 50)
    """
    n = _check_count(n, "n", minimum=2)
    noise = _check_nonnegative(noise, "noise")
    rng = random_source(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    X: list[list[float]] = []
    y: list[int] = []
    for t in _linspace(0.0, math.pi, n_upper):
        X.append([math.cos(t), math.sin(t)])
        y.append(0)
    for t in _linspace(0.0, math.pi, n_lower):
        X.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        y.append(1)
    for point in X:
        point[0] += rng.gauss(0.0, noise)
        point[1] += rng.gauss(0.0, noise)
    return _shuffled(X, y, rng)


def make_circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> Dataset:
    r"""A small circle inside a large one, as ``sklearn.datasets.make_circles``.

    Class 0: ``n // 2`` points on the unit circle; class 1: the rest on a
    circle of radius ``factor`` (between 0 and 1). Gaussian noise of standard
    deviation ``noise`` is added to each coordinate; shuffled.

    >>> X, y = make_circles(10, noise=0.0, seed=0)
    >>> [round(math.hypot(*x), 12) for x, label in zip(X, y) if label == 1]
    [0.5, 0.5, 0.5, 0.5, 0.5]
    """
    n = _check_count(n, "n", minimum=2)
    noise = _check_nonnegative(noise, "noise")
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = random_source(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X: list[list[float]] = []
    y: list[int] = []
    turn = 2.0 * math.pi
    for radius, count, label in ((1.0, n_outer, 0), (float(factor), n_inner, 1)):
        for t in _linspace(0.0, turn, count, endpoint=False):  # pragma: no mutate (None is False)
            X.append(
                [
                    radius * math.cos(t) + rng.gauss(0.0, noise),
                    radius * math.sin(t) + rng.gauss(0.0, noise),
                ]
            )
            y.append(label)
    return _shuffled(X, y, rng)


def make_xor(n: int = 100, noise: float = 0.0, seed: int | None = 0) -> Dataset:
    r"""The XOR problem: label 1 where exactly one coordinate is positive.

    Points are uniform in the square $[-1, 1]^2$; the label is
    $[x_1 > 0] \oplus [x_2 > 0]$, computed *before* Gaussian noise of
    standard deviation ``noise`` moves the points (so with noise a few points
    cross the axes). No single neuron can separate it; one hidden layer can.

    >>> X, y = make_xor(8, seed=0)
    >>> all(label == int((x1 > 0) != (x2 > 0)) for (x1, x2), label in zip(X, y))
    True
    """
    n = _check_count(n, "n")
    noise = _check_nonnegative(noise, "noise")
    rng = random_source(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for _ in range(n):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        y.append(int((x1 > 0) != (x2 > 0)))  # pragma: no mutate (>= 0: uniform is never 0.0)
        X.append([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)])
    return X, y


# -- many-class datasets ---------------------------------------------------------


def make_blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    cluster_std: float = 1.0,
    n_features: int = 2,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = 0,
) -> Dataset:
    r"""Gaussian clusters ("blobs"), one class per cluster.

    ``centers`` is either a number of clusters (their centres drawn uniformly
    from ``center_box`` in every one of ``n_features`` dimensions) or the
    list of centres itself. Each point is its centre plus Gaussian noise of
    standard deviation ``cluster_std`` per feature. The ``n`` points are
    shared as evenly as possible between the clusters; label $k$ means
    cluster $k$; shuffled.

    >>> X, y = make_blobs(9, centers=[[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]], seed=0)
    >>> len(X), sorted(set(y)), [y.count(k) for k in range(3)]
    (9, [0, 1, 2], [3, 3, 3])
    """
    n = _check_count(n, "n")
    cluster_std = _check_nonnegative(cluster_std, "cluster_std")
    rng = random_source(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        _check_count(centers, "centers")
        _check_count(n_features, "n_features")
        low, high = center_box
        centre_points = [
            [rng.uniform(low, high) for _ in range(n_features)] for _ in range(centers)
        ]
    else:
        centre_points = [[float(c) for c in centre] for centre in centers]
        if not centre_points:
            raise ValueError("centers must be a positive int or a non-empty list of points")
        widths = {len(centre) for centre in centre_points}
        if len(widths) != 1 or 0 in widths:
            raise ValueError(
                "every centre needs the same (non-zero) number of features, "
                f"got sizes {sorted(widths)}"
            )
    X: list[list[float]] = []
    y: list[int] = []
    for label, (centre, count) in enumerate(
        zip(centre_points, _split_evenly(n, len(centre_points)))
    ):
        for _ in range(count):
            X.append([c + rng.gauss(0.0, cluster_std) for c in centre])
            y.append(label)
    return _shuffled(X, y, rng)


def make_spiral(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> Dataset:
    r"""Interleaved spiral arms, one class per arm (the CS231n spiral).

    Arm $k$ has ``n_per_class`` points at radius $r \in [0, 1]$ (evenly
    spaced) and angle $\theta = 4k + 4r + \varepsilon$ with
    $\varepsilon \sim \mathcal{N}(0, \text{noise}^2)$, placed at
    $(r \sin\theta, r \cos\theta)$. Not linearly separable for two or more
    classes; a good test for a small MLP with softmax and cross-entropy.

    >>> X, y = make_spiral(5, classes=3, seed=0)
    >>> len(X), [y.count(k) for k in range(3)]
    (15, [5, 5, 5])
    """
    n_per_class = _check_count(n_per_class, "n_per_class")
    classes = _check_count(classes, "classes")
    noise = _check_nonnegative(noise, "noise")
    rng = random_source(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for label in range(classes):
        for r in _linspace(0.0, 1.0, n_per_class):
            theta = 4.0 * label + 4.0 * r + rng.gauss(0.0, noise)
            X.append([r * math.sin(theta), r * math.cos(theta)])
            y.append(label)
    return _shuffled(X, y, rng)


# The fruit: (weight g, hue degrees, texture 0..1, size cm) as (mean, std) per class.
# An apple is red (hue ~5) or green (hue ~100), smooth and round; a banana
# yellow (hue ~55), light for its length; an orange orange (hue ~30) with a
# dimpled peel.
_FRUIT_PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "apple": {"weight_g": (180.0, 25.0), "texture": (0.15, 0.05), "size_cm": (8.0, 0.7)},
    "banana": {
        "weight_g": (120.0, 15.0),
        "colour_hue": (55.0, 5.0),
        "texture": (0.25, 0.06),
        "size_cm": (19.0, 2.0),
    },
    "orange": {
        "weight_g": (150.0, 25.0),
        "colour_hue": (30.0, 4.0),
        "texture": (0.75, 0.08),
        "size_cm": (7.5, 0.6),
    },
}
_APPLE_HUES = ((5.0, 6.0), (100.0, 10.0))  # red apples, green apples: (mean, std)


def make_fruit(n: int = 150, seed: int | None = 0) -> Dataset:
    r"""Measurements of apples, bananas and oranges: a 3-class problem with named features.

    Each example is ``[weight_g, colour_hue, texture, size_cm]``
    (``FRUIT_FEATURES``):

    ============  ====================================================  =====================
    feature       meaning and encoding                                  typical values
    ============  ====================================================  =====================
    weight_g      weight in grams                                       apple 180, banana 120,
                                                                        orange 150
    colour_hue    skin colour as a hue angle in degrees on the colour   apple 5 (red) or 100
                  wheel: 0 red, 30 orange, 60 yellow, 120 green         (green), banana 55,
                                                                        orange 30
    texture       skin roughness from 0 (smooth, waxy) to 1 (bumpy,     apple 0.15,
                  dimpled)                                              banana 0.25, orange 0.75
    size_cm       length of the longest axis in centimetres             apple 8, banana 19,
                                                                        orange 7.5
    ============  ====================================================  =====================

    Each feature is Gaussian around its class's typical value (half of the
    apples red, half green), clipped to stay physically possible. Labels:
    0 apple, 1 banana, 2 orange (``FRUIT_CLASSES[label]`` is the name).
    Classes are as balanced as ``n`` allows; shuffled.

    The features live on very different scales (grams in the hundreds,
    texture below 1): standardize them (``standardize``) before training.

    >>> X, y = make_fruit(6, seed=0)
    >>> [FRUIT_CLASSES[label] for label in y]
    ['orange', 'banana', 'apple', 'apple', 'orange', 'banana']
    >>> len(X[0])
    4
    """
    n = _check_count(n, "n")
    rng = random_source(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for label, count in enumerate(_split_evenly(n, len(FRUIT_CLASSES))):
        profile = _FRUIT_PROFILES[FRUIT_CLASSES[label]]
        for i in range(count):
            if label == 0:
                hue_mean, hue_std = _APPLE_HUES[i % 2]
            else:
                hue_mean, hue_std = profile["colour_hue"]
            weight = max(20.0, rng.gauss(*profile["weight_g"]))
            hue = min(max(rng.gauss(hue_mean, hue_std), 0.0), 360.0)
            texture = min(max(rng.gauss(*profile["texture"]), 0.0), 1.0)
            size = max(1.0, rng.gauss(*profile["size_cm"]))
            X.append([weight, hue, texture, size])
            y.append(label)
    return _shuffled(X, y, rng)


# -- preparing data -------------------------------------------------------------


def standardize(
    X: Sequence[Sequence[float]],
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> tuple[list[list[float]], list[float], list[float]]:
    r"""Rescale every feature to mean 0 and standard deviation 1: $x' = (x - \mu) / \sigma$.

    Returns ``(X_scaled, mean, std)``. Compute ``mean`` and ``std`` on the
    training set, then pass them in to scale validation or new data the same
    way. A constant feature ($\sigma = 0$) is only centred.

    >>> X_scaled, mean, std = standardize([[1.0, 10.0], [3.0, 10.0]])
    >>> X_scaled, mean, std
    ([[-1.0, 0.0], [1.0, 0.0]], [2.0, 10.0], [1.0, 0.0])
    >>> standardize([[5.0, 10.0]], mean, std)[0]
    [[3.0, 0.0]]
    """
    rows = [[float(v) for v in row] for row in X]
    if not rows:
        raise ValueError("standardize needs at least one example")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("standardize: every example needs the same number of features")
    columns = list(zip(*rows))  # every row has `width` features (checked above)
    if mean is None:
        mean = [math.fsum(column) / len(column) for column in columns]
    mean = [float(m) for m in mean]
    if len(mean) != width:
        raise ValueError(f"standardize: {width} features but {len(mean)} means")
    if std is None:
        std = [
            math.sqrt(math.fsum((v - m) ** 2 for v in column) / len(column))
            for column, m in zip(columns, mean)
        ]
    std = [float(s) for s in std]
    if len(std) != width:
        raise ValueError(f"standardize: {width} features but {len(std)} stds")
    scaled = [[(v - m) / s if s > 0 else v - m for v, m, s in zip(row, mean, std)] for row in rows]
    return scaled, mean, std


def train_val_split(
    X: Sequence[Sequence[float]],
    y: Sequence,
    val_fraction: float = 0.2,
    seed: int | None = 0,
) -> tuple[tuple[list, list], tuple[list, list]]:
    """Shuffle, then hold out ``val_fraction`` of the examples for validation.

    Returns ``(X_train, y_train), (X_val, y_val)``; the second pair is what
    ``fit(..., validation_data=...)`` takes. The validation set has
    ``round(val_fraction * n)`` examples, at least one, and leaves at least
    one for training.

    >>> (X_train, y_train), (X_val, y_val) = train_val_split(
    ...     [[0.0], [1.0], [2.0], [3.0], [4.0]], [0, 1, 2, 3, 4], val_fraction=0.4, seed=0)
    >>> sorted(y_train + y_val), len(y_val)
    ([0, 1, 2, 3, 4], 2)
    >>> all(x == [float(label)] for x, label in zip(X_val, y_val))
    True
    """
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"train_val_split: {len(X)} examples in X but {len(y)} labels in y")
    if len(X) < 2:
        raise ValueError(
            "train_val_split needs at least two examples (one to train, one to validate)"
        )
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, int | float):
        raise TypeError(f"val_fraction must be a number, got {type(val_fraction).__name__}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}")
    n_val = min(max(round(val_fraction * len(X)), 1), len(X) - 1)
    order = list(range(len(X)))
    random_source(seed).shuffle(order)
    val_idx, train_idx = order[:n_val], order[n_val:]
    return (
        ([X[i] for i in train_idx], [y[i] for i in train_idx]),
        ([X[i] for i in val_idx], [y[i] for i in val_idx]),
    )


__all__ = [
    "CLASS_NAMES",
    "FRUIT_CLASSES",
    "FRUIT_FEATURES",
    "make_blobs",
    "make_circles",
    "make_fruit",
    "make_moons",
    "make_spiral",
    "make_xor",
    "standardize",
    "to_signed_labels",
    "train_val_split",
]
