"""The toy datasets: deterministic, shaped right, and looking like their names."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from nn.data import (
    CLASS_NAMES,
    FRUIT_CLASSES,
    FRUIT_FEATURES,
    make_blobs,
    make_circles,
    make_fruit,
    make_moons,
    make_spiral,
    make_xor,
    standardize,
    to_signed_labels,
    train_val_split,
)

# (name, generator called with a seed, expected size, number of features, labels)
GENERATORS = [
    ("moons", lambda seed: make_moons(50, noise=0.1, seed=seed), 50, 2, {0, 1}),
    ("circles", lambda seed: make_circles(41, seed=seed), 41, 2, {0, 1}),
    ("xor", lambda seed: make_xor(30, noise=0.05, seed=seed), 30, 2, {0, 1}),
    ("blobs", lambda seed: make_blobs(31, centers=4, n_features=3, seed=seed), 31, 3, {0, 1, 2, 3}),
    ("spiral", lambda seed: make_spiral(12, classes=3, seed=seed), 36, 2, {0, 1, 2}),
    ("fruit", lambda seed: make_fruit(60, seed=seed), 60, 4, {0, 1, 2}),
]
IDS = [row[0] for row in GENERATORS]


@pytest.mark.parametrize("name, make, size, width, labels", GENERATORS, ids=IDS)
def test_shapes_and_types(name, make, size, width, labels):
    X, y = make(3)
    assert len(X) == len(y) == size
    assert all(isinstance(x, list) and len(x) == width for x in X)
    assert all(type(v) is float and math.isfinite(v) for x in X for v in x)
    assert all(type(label) is int for label in y)
    assert set(y) == labels


@pytest.mark.parametrize("name, make, size, width, labels", GENERATORS, ids=IDS)
def test_same_seed_same_data_other_seed_other_data(name, make, size, width, labels):
    assert make(7) == make(7)
    assert make(7)[0] != make(8)[0]


def test_moons_balanced_and_on_their_arcs_without_noise():
    X, y = make_moons(21, noise=0.0, seed=0)
    assert y.count(0) == 10 and y.count(1) == 11
    for (x1, x2), label in zip(X, y, strict=True):
        if label == 0:  # upper arc: unit circle around (0, 0), y >= 0
            assert math.hypot(x1, x2) == pytest.approx(1.0) and x2 >= -1e-12
        else:  # lower arc: unit circle around (1, 0.5), y <= 0.5
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0) and x2 <= 0.5 + 1e-12


def test_moons_matches_the_default_micrograd_demo_size():
    X, y = make_moons()
    assert len(X) == 100 and y.count(0) == y.count(1) == 50


def test_circles_radii_without_noise():
    X, y = make_circles(20, noise=0.0, factor=0.3, seed=0)
    for x, label in zip(X, y, strict=True):
        assert math.hypot(*x) == pytest.approx(1.0 if label == 0 else 0.3)


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = make_xor(200, seed=1)
    assert all(label == int((x1 > 0) != (x2 > 0)) for (x1, x2), label in zip(X, y, strict=True))
    assert 60 < sum(y) < 140  # both classes well represented


def test_xor_labels_are_computed_before_the_noise():
    """As the docstring says: noise moves the points, not their labels (a few cross the axes)."""
    clean_X, clean_y = make_xor(200, noise=0.0, seed=3)
    noisy_X, noisy_y = make_xor(200, noise=0.3, seed=3)
    assert noisy_y == clean_y  # the same points before the noise, so the same labels
    assert noisy_X != clean_X
    crossed = [
        (x1, x2) for (x1, x2), label in zip(noisy_X, noisy_y) if label != int((x1 > 0) != (x2 > 0))
    ]
    assert 5 < len(crossed) < 100


def test_blobs_with_given_centres_cluster_around_them():
    centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
    X, y = make_blobs(300, centers=centres, cluster_std=0.5, seed=0)
    assert [y.count(k) for k in range(3)] == [100, 100, 100]
    for k, (c1, c2) in enumerate(centres):
        points = [x for x, label in zip(X, y, strict=True) if label == k]
        mean1 = sum(p[0] for p in points) / len(points)
        mean2 = sum(p[1] for p in points) / len(points)
        assert abs(mean1 - c1) < 0.2 and abs(mean2 - c2) < 0.2


def test_blobs_rejects_ragged_centres():
    with pytest.raises(ValueError, match="same"):
        make_blobs(10, centers=[[0.0, 0.0], [1.0]])


def test_spiral_radii_lie_in_the_unit_disc():
    X, y = make_spiral(25, classes=4, seed=0)
    assert [y.count(k) for k in range(4)] == [25] * 4
    assert all(math.hypot(*x) <= 1.0 + 1e-12 for x in X)


def test_fruit_names_and_class_conditional_features():
    assert FRUIT_CLASSES == CLASS_NAMES == ("apple", "banana", "orange")
    assert FRUIT_FEATURES == ("weight_g", "colour_hue", "texture", "size_cm")
    X, y = make_fruit(300, seed=0)
    assert [y.count(k) for k in range(3)] == [100, 100, 100]

    def mean(feature: int, label: int) -> float:
        column = [x[feature] for x, t in zip(X, y, strict=True) if t == label]
        return sum(column) / len(column)

    apple, banana, orange = 0, 1, 2
    size, texture, weight = 3, 2, 0
    assert mean(size, banana) > 2 * mean(size, apple)  # bananas are long
    assert mean(texture, orange) > 2 * mean(texture, apple)  # orange peel is dimpled
    assert mean(weight, apple) > mean(weight, banana)
    # banana skins are yellow, oranges orange; apples red or green
    assert all(40 < x[1] < 70 for x, t in zip(X, y, strict=True) if t == banana)
    apple_hues = [x[1] for x, t in zip(X, y, strict=True) if t == apple]
    assert any(h < 25 for h in apple_hues) and any(h > 70 for h in apple_hues)
    assert all(0 <= x[2] <= 1 and x[0] > 0 and x[3] > 0 for x in X)


def test_to_signed_labels():
    assert to_signed_labels([0, 1, 0]) == [-1, 1, -1]
    with pytest.raises(ValueError, match="0 or 1"):
        to_signed_labels([0, 2])


def test_standardize_gives_mean_zero_std_one_and_reuses_statistics():
    X, _ = make_fruit(90, seed=2)
    scaled, mean, std = standardize(X)
    for j in range(4):
        column = [x[j] for x in scaled]
        m = sum(column) / len(column)
        s = math.sqrt(sum((v - m) ** 2 for v in column) / len(column))
        assert m == pytest.approx(0.0, abs=1e-12) and s == pytest.approx(1.0)
    again, _, _ = standardize(X[:5], mean, std)
    assert again == scaled[:5]


def test_train_val_split_partitions_and_keeps_pairs_together():
    X = [[float(i), float(-i)] for i in range(50)]
    y = list(range(50))
    (X_train, y_train), (X_val, y_val) = train_val_split(X, y, val_fraction=0.2, seed=3)
    assert len(X_val) == len(y_val) == 10 and len(X_train) == len(y_train) == 40
    assert sorted(y_train + y_val) == y
    for x, label in zip(X_train + X_val, y_train + y_val, strict=True):
        assert x == [float(label), float(-label)]
    assert train_val_split(X, y, seed=3) == train_val_split(X, y, seed=3)
    assert train_val_split(X, y, seed=3) != train_val_split(X, y, seed=4)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_train_val_split_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split([[0.0], [1.0]], [0, 1], val_fraction=fraction)


def test_train_val_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="labels"):
        train_val_split([[0.0], [1.0]], [0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_moons(1),
        lambda: make_moons(10, noise=-1.0),
        lambda: make_circles(10, factor=1.5),
        lambda: make_spiral(0),
        lambda: make_fruit(0),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_non_integer_count_raises_type_error():
    with pytest.raises(TypeError, match="int"):
        make_moons(10.5)


# -- exact data, defaults and errors ----------------------------------------------------

GOLDEN = json.loads((Path(__file__).parent / "golden" / "datasets.json").read_text("utf-8"))


@pytest.mark.parametrize(
    "name, make",
    [
        ("moons", lambda: make_moons(4, noise=0.1, seed=0)),
        ("circles", lambda: make_circles(4, noise=0.1, seed=0)),
        ("xor", lambda: make_xor(3, noise=0.1, seed=0)),
        ("blobs", lambda: make_blobs(3, centers=2, seed=0)),
        ("spiral", lambda: make_spiral(2, classes=2, noise=0.1, seed=0)),
        ("fruit", lambda: make_fruit(3, seed=0)),
    ],
)
def test_a_seed_gives_the_same_data_in_every_version(name, make):
    """The notebooks' stored pictures and numbers, and the README's, were made from these
    datasets: a seed must keep giving the same points (tests/golden/datasets.json)."""
    X, y = make()
    golden_X, golden_y = GOLDEN[name]
    assert y == golden_y
    assert X == [pytest.approx(row, rel=1e-12, abs=1e-15) for row in golden_X]


def test_defaults_are_the_documented_ones():
    assert make_moons() == make_moons(100, noise=0.1, seed=0)
    assert make_circles() == make_circles(100, noise=0.05, factor=0.5, seed=0)
    assert make_xor() == make_xor(100, noise=0.0, seed=0)
    assert make_blobs() == make_blobs(
        100, centers=3, cluster_std=1.0, n_features=2, center_box=(-10.0, 10.0), seed=0
    )
    assert make_spiral() == make_spiral(100, classes=3, noise=0.2, seed=0)
    assert make_fruit() == make_fruit(150, seed=0)
    X, y = [[float(i)] for i in range(10)], list(range(10))
    assert train_val_split(X, y) == train_val_split(X, y, val_fraction=0.2, seed=0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: make_moons(1), ValueError, "n must be at least 2, got 1"),
        (lambda: make_circles(1), ValueError, "n must be at least 2, got 1"),
        (lambda: make_xor(0), ValueError, "n must be at least 1, got 0"),
        (lambda: make_xor(2.5), TypeError, "n must be an int, got float: 2.5"),
        (lambda: make_xor(True), TypeError, "n must be an int, got bool: True"),
        (lambda: make_moons(10, noise=-0.1), ValueError, "noise must be >= 0, got -0.1"),
        (lambda: make_circles(10, noise=-1), ValueError, "noise must be >= 0, got -1"),
        (lambda: make_xor(10, noise=-1.0), ValueError, "noise must be >= 0, got -1.0"),
        (lambda: make_xor(10, noise="a"), TypeError, "noise must be a number, got str: 'a'"),
        (lambda: make_xor(10, noise=math.nan), ValueError, "noise must be >= 0, got nan"),
        (lambda: make_spiral(0), ValueError, "n_per_class must be at least 1, got 0"),
        (lambda: make_spiral(5, classes=0), ValueError, "classes must be at least 1, got 0"),
        (lambda: make_spiral(5, noise=-1.0), ValueError, "noise must be >= 0, got -1.0"),
        (lambda: make_blobs(0), ValueError, "n must be at least 1, got 0"),
        (lambda: make_blobs(9, cluster_std=-1.0), ValueError, "cluster_std must be >= 0, got -1.0"),
        (lambda: make_blobs(9, centers=0), ValueError, "centers must be at least 1, got 0"),
        (lambda: make_blobs(9, n_features=0), ValueError, "n_features must be at least 1, got 0"),
        (
            lambda: make_blobs(9, centers=[]),
            ValueError,
            "centers must be a positive int or a non-empty list of points",
        ),
        (
            lambda: make_blobs(9, centers=[[0.0], [1.0, 2.0]]),
            ValueError,
            "every centre needs the same (non-zero) number of features, got sizes [1, 2]",
        ),
        (
            lambda: make_blobs(9, centers=[[], []]),
            ValueError,
            "every centre needs the same (non-zero) number of features, got sizes [0]",
        ),
        (lambda: make_fruit(0), ValueError, "n must be at least 1, got 0"),
        *[
            (
                lambda factor=factor: make_circles(10, factor=factor),
                ValueError,
                f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}",
            )
            for factor in (0, 0.0, 1, 1.0, 1.5)
        ],
        (lambda: standardize([]), ValueError, "standardize needs at least one example"),
        (
            lambda: standardize([[1.0], [1.0, 2.0]]),
            ValueError,
            "standardize: every example needs the same number of features",
        ),
        (
            lambda: standardize([[1.0, 2.0]], mean=[0.0]),
            ValueError,
            "standardize: 2 features but 1 means",
        ),
        (
            lambda: standardize([[1.0, 2.0]], std=[1.0, 1.0, 1.0]),
            ValueError,
            "standardize: 2 features but 3 stds",
        ),
        (
            lambda: to_signed_labels([0, 2]),
            ValueError,
            "to_signed_labels expects labels 0 or 1, got 2; it maps a two-class problem to -1/+1",
        ),
        (
            lambda: train_val_split([[0.0]], [0]),
            ValueError,
            "train_val_split needs at least two examples (one to train, one to validate)",
        ),
        (
            lambda: train_val_split([[0.0], [1.0]], [0]),
            ValueError,
            "train_val_split: 2 examples in X but 1 labels in y",
        ),
        (
            lambda: train_val_split([[0.0], [1.0]], [0, 1], val_fraction="0.5"),
            TypeError,
            "val_fraction must be a number, got str",
        ),
        (
            lambda: train_val_split([[0.0], [1.0]], [0, 1], val_fraction=True),
            TypeError,
            "val_fraction must be a number, got bool",
        ),
        (
            lambda: train_val_split([[0.0], [1.0]], [0, 1], val_fraction=1),
            ValueError,
            "val_fraction must be between 0 and 1 (exclusive), got 1",
        ),
    ],
)
def test_errors_name_the_argument_the_bound_and_the_value(call, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()


# -- shapes without noise -------------------------------------------------------------------


def test_circles_points_are_evenly_spaced_on_both_circles():
    X, y = make_circles(11, noise=0.0, factor=0.25, seed=0)
    assert y.count(0) == 5 and y.count(1) == 6  # n // 2 outer, the rest inner
    for label, radius, count in ((0, 1.0, 5), (1, 0.25, 6)):
        points = [x for x, t in zip(X, y) if t == label]
        angles = sorted(math.atan2(x2, x1) % (2 * math.pi) for x1, x2 in points)
        assert angles == pytest.approx([2 * math.pi * k / count for k in range(count)], abs=1e-9)
        assert [math.hypot(*x) for x in points] == pytest.approx([radius] * count)


def test_spiral_arms_follow_their_formula_without_noise():
    """Arm k: radius r evenly spaced in [0, 1], angle 4k + 4r, at (r sin t, r cos t)."""
    X, y = make_spiral(5, classes=3, noise=0.0, seed=0)
    for k in range(3):
        arm = [x for x, label in zip(X, y) if label == k]
        radii = sorted(math.hypot(*x) for x in arm)
        assert radii == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
        for x1, x2 in arm:
            r = math.hypot(x1, x2)
            if r > 0:
                theta = 4.0 * k + 4.0 * r
                assert x1 == pytest.approx(r * math.sin(theta)) and x2 == pytest.approx(
                    r * math.cos(theta)
                )


def test_xor_points_fill_the_square():
    X, _ = make_xor(400, seed=2)
    for column in zip(*X):
        assert all(-1.0 <= v <= 1.0 for v in column)
        assert min(column) < -0.95 and max(column) > 0.95


def test_standardize_centres_a_constant_feature_and_divides_the_others():
    scaled, mean, std = standardize([[1.0, 10.0], [3.0, 10.0]])
    assert (scaled, mean, std) == ([[-1.0, 0.0], [1.0, 0.0]], [2.0, 10.0], [1.0, 0.0])
    assert standardize([[5.0, 12.0]], mean, std)[0] == [[3.0, 2.0]]
    assert standardize([[4.0]], mean=[1], std=[2])[0] == [[1.5]]


def test_train_val_split_keeps_at_least_one_example_on_each_side():
    X, y = [[float(i)] for i in range(10)], list(range(10))
    sizes = {
        fraction: len(train_val_split(X, y, val_fraction=fraction)[1][1])
        for fraction in (0.01, 0.25, 0.35, 0.5, 0.99)
    }
    assert sizes == {0.01: 1, 0.25: 2, 0.35: 4, 0.5: 5, 0.99: 9}  # round(fraction * 10)
    (X_train, y_train), (X_val, y_val) = train_val_split(X[:2], y[:2], val_fraction=0.9)
    assert len(y_train) == len(y_val) == 1


def test_blobs_centres_are_drawn_from_the_box_and_fruit_classes_balance():
    X, y = make_blobs(300, centers=3, cluster_std=0.0, n_features=3, center_box=(2.0, 4.0), seed=1)
    centres = {tuple(x) for x in X}
    assert len(centres) == 3 and all(2.0 <= c <= 4.0 for centre in centres for c in centre)
    assert [y.count(k) for k in range(3)] == [100, 100, 100]
    _, fruit = make_fruit(10, seed=0)
    assert [fruit.count(k) for k in range(3)] == [4, 3, 3]  # the first classes get the extra
    _, moons = make_moons(11, noise=0.0, seed=0)
    assert moons.count(0) == 5 and moons.count(1) == 6


def test_the_smallest_datasets_and_evenly_spaced_helpers():
    from nn.data import _linspace

    assert _linspace(1.0, 3.0, 3) == [1.0, 2.0, 3.0]
    assert _linspace(1.0, 3.0, 4, endpoint=False) == [1.0, 1.5, 2.0, 2.5]
    assert _linspace(2.0, 9.0, 1) == [2.0]
    X, y = make_moons(2, noise=0.0, seed=0)  # one point per arc, at t = 0
    assert sorted(map(tuple, X)) == [(0.0, 0.5), (1.0, 0.0)] and sorted(y) == [0, 1]
    assert len(make_xor(1)[0]) == 1
    X, _ = make_spiral(1, classes=2, noise=0.0)  # radius 0: both arms start at the centre
    assert X == [[0.0, 0.0], [0.0, 0.0]]


def test_fruit_measurements_are_clipped_to_physical_values(monkeypatch):
    """Weights stay at least 20 g, sizes at least 1 cm, hue in [0, 360], texture in [0, 1]."""
    import nn.data as data

    class Extreme(data.random.Random):
        def __init__(self, seed, sign):
            super().__init__(seed)
            self.sign = sign

        def gauss(self, mu=0.0, sigma=1.0):
            return self.sign * 1e6

    for sign, expected in ((-1, [20.0, 0.0, 0.0, 1.0]), (1, [1e6, 360.0, 1.0, 1e6])):
        monkeypatch.setattr(data.random, "Random", lambda seed, s=sign: Extreme(seed, s))
        X, _ = make_fruit(3, seed=0)
        assert all(x == expected for x in X)
