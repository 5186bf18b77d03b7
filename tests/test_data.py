"""The toy datasets: deterministic, shaped right, and looking like their names."""

from __future__ import annotations

import math

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
