"""fit, History, predict, evaluate, accuracy: the training loop, checked end to end."""

from __future__ import annotations

import copy
import math
import os
import random
import re
import sys
import warnings

import pytest

from engine import Value, custom_op, sum_values
from nn import losses
from nn.data import make_blobs, make_moons, to_signed_labels, train_val_split
from nn.losses import mse
from nn.modules import MLP, Layer, Maxout, Module, Neuron, Sequential
from nn.optim import SGD, Adam
from nn.train import (
    DEFAULT_LR,
    History,
    NonFiniteLossError,
    accuracy,
    evaluate,
    fit,
    predict,
)


def l2(alpha: float):
    """micrograd's regularization: alpha * sum of squared parameters."""
    return lambda model: alpha * sum(p * p for p in model.parameters())


def params_of(model) -> list[float]:
    return [p.data for p in model.parameters()]


def micrograd_schedule(k: int) -> float:
    return 1.0 - 0.9 * k / 100


# -- micrograd's demo -----------------------------------------------------------


@pytest.mark.slow
def test_micrograd_demo_recipe_reaches_full_training_accuracy():
    """100 two-moons points, MLP(2, [16, 16, 1]), hinge + 1e-4 L2, SGD 1.0 -> 0.1, 100 steps."""
    X, y = make_moons(100, noise=0.1, seed=1)
    y = to_signed_labels(y)
    model = MLP(2, [16, 16, 1], seed=1337)
    optimizer = SGD(model.parameters(), lr=micrograd_schedule)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        epochs=100,
        regularization=l2(1e-4),
        progress=False,
    )
    assert history.epochs == 100 and optimizer.step_count == 100
    assert accuracy(model, X, y, loss="hinge") == 1.0
    assert max(history.accuracy) == 1.0
    assert history.loss[-1] < 0.1 * history.loss[0]


@pytest.mark.slow
def test_fit_takes_the_same_steps_as_micrograds_own_loop():
    """micrograd's demo loop, run by micrograd itself, and fit: the same losses, step by step."""
    from micrograd import engine as mg_engine
    from micrograd import nn as mg_nn

    X, y = make_moons(16, noise=0.1, seed=3)
    y = to_signed_labels(y)
    random.seed(0)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1], seed=0)
    for their_layer, our_layer in zip(theirs.layers, ours.layers, strict=True):
        for their_neuron, our_neuron in zip(their_layer.neurons, our_layer.neurons, strict=True):
            for their_w, our_w in zip(their_neuron.w, our_neuron.w, strict=True):
                our_w.data = their_w.data
            our_neuron.b.data = their_neuron.b.data

    their_losses, their_accuracies = [], []
    for k in range(6):  # the demo notebook's loop
        scores = [theirs([mg_engine.Value(v) for v in x]) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total = data_loss + 1e-4 * sum(p * p for p in theirs.parameters())
        their_accuracies.append(
            sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores, strict=True)) / len(y)
        )
        their_losses.append(total.data)
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= micrograd_schedule(k) * p.grad

    history = fit(
        ours,
        X,
        y,
        loss="hinge",
        optimizer=SGD(ours.parameters(), lr=micrograd_schedule),
        epochs=6,
        regularization=l2(1e-4),
        progress=False,
    )
    for a, b in zip(history.loss, their_losses, strict=True):
        assert math.isclose(a, b, rel_tol=1e-9)
    assert history.accuracy == their_accuracies
    for a, b in zip(params_of(ours), [p.data for p in theirs.parameters()], strict=True):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# -- learning ---------------------------------------------------------------------


def blobs():
    X, y = make_blobs(60, centers=[[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]], cluster_std=0.6, seed=0)
    return X, y


@pytest.mark.parametrize("batch_size", [None, 8])
def test_fit_decreases_the_loss(batch_size):
    X, y = blobs()
    model = MLP(2, [8, 3], seed=0)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer="adam",
        lr=0.05,
        epochs=15,
        batch_size=batch_size,
        seed=0,
        progress=False,
    )
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] > 0.9
    assert evaluate(model, X, y, loss="cross_entropy")[1] > 0.9


def test_mini_batches_take_one_step_per_batch():
    X, y = blobs()
    model = MLP(2, [4, 3], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=3,
        batch_size=25,
        progress=False,
    )
    assert optimizer.step_count == 3 * 3  # 60 examples: batches of 25, 25, 10


def test_full_batch_is_plain_gradient_descent():
    """One epoch of fit = one hand-written step: mean loss, backward, w -= lr * grad."""
    X, y = blobs()
    by_hand, by_fit = MLP(2, [3, 3], seed=4), MLP(2, [3, 3], seed=4)
    from nn.losses import cross_entropy

    cost = sum(cross_entropy(by_hand(x), t) for x, t in zip(X, y, strict=True)) / len(X)
    cost.backward()
    for p in by_hand.parameters():
        p.data -= 0.5 * p.grad
    history = fit(by_fit, X, y, loss="cross_entropy", lr=0.5, epochs=1, progress=False)
    assert math.isclose(history.loss[0], cost.data, rel_tol=1e-12)
    for a, b in zip(params_of(by_fit), params_of(by_hand), strict=True):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def test_softmax_output_with_mse_on_class_indices():
    """A class index becomes a one-hot target for mse (the fruit classifier's recipe)."""
    X, y = blobs()
    model = MLP(2, [6, 3], output_activation="softmax", seed=0)
    history = fit(model, X, y, loss="mse", optimizer="adam", lr=0.05, epochs=10, progress=False)
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] > 0.8


def test_callable_loss_and_regression_targets_have_no_accuracy():
    X = [[x / 10] for x in range(-10, 11)]
    y = [3.0 * x[0] + 0.5 for x in X]
    model = Neuron(1, activation="linear", seed=0)

    def squared_error(prediction: Value, target: float) -> Value:
        return (prediction - target) ** 2

    history = fit(model, X, y, loss=squared_error, lr=0.3, epochs=60, progress=False)
    assert history.accuracy == [] and history.keys() == ["loss"]
    assert math.isclose(model.w[0].data, 3.0, rel_tol=1e-3)
    assert math.isclose(model.b.data, 0.5, rel_tol=1e-3)
    with pytest.raises(ValueError, match="class labels"):
        fit(model, X, y, loss="mse", epochs=1, metrics=["accuracy"], progress=False)


def test_metrics_may_be_one_name_a_list_of_names_or_none():
    X, y = make_moons(20, seed=0)  # labels 0/1: accuracy is measured unless told not to

    def trained(metrics) -> History:
        return fit(MLP(2, [1], seed=0), X, y, epochs=2, metrics=metrics, progress=False)

    assert trained("accuracy").keys() == trained(["accuracy"]).keys() == ["loss", "accuracy"]
    assert trained(None).keys() == trained([]).keys() == ["loss"]
    with pytest.raises(ValueError) as unknown:
        trained("f1")
    assert str(unknown.value) == "unknown metric 'f1'; the one metric is 'accuracy'"


# -- history and validation ----------------------------------------------------------


def test_history_contents_lengths_and_access():
    X, y = make_moons(40, seed=0)
    (X_train, y_train), validation = train_val_split(X, y, val_fraction=0.25, seed=0)
    model = MLP(2, [8, 1], output_activation="sigmoid", seed=0)
    history = fit(
        model,
        X_train,
        y_train,
        loss="binary_cross_entropy",
        lr=0.5,
        epochs=4,
        validation_data=validation,
        progress=False,
    )
    assert isinstance(history, History)
    assert history.keys() == ["loss", "accuracy", "val_loss", "val_accuracy"]
    for key in history.keys():
        assert len(history[key]) == len(getattr(history, key)) == 4 == history.epochs
    assert all(0.0 <= a <= 1.0 for a in history.accuracy + history.val_accuracy)
    assert all(v > 0 and math.isfinite(v) for v in history.loss + history.val_loss)
    assert history.as_dict()["val_loss"] == history.val_loss
    assert repr(history).startswith("History(epochs=4, loss: ")
    assert "val_accuracy: " in repr(history)
    with pytest.raises(KeyError, match="loss"):
        history["lost"]


def test_validation_scores_the_final_model_and_changes_nothing():
    X, y = make_moons(40, seed=1)
    (X_train, y_train), (X_val, y_val) = train_val_split(X, y, seed=1)
    y_train, y_val = to_signed_labels(y_train), to_signed_labels(y_val)
    runs = []
    for validation in [None, (X_val, y_val)]:
        model = MLP(2, [8, 1], seed=2)
        history = fit(
            model,
            X_train,
            y_train,
            loss="hinge",
            lr=0.1,
            epochs=3,
            seed=0,
            batch_size=10,
            validation_data=validation,
            progress=False,
        )
        runs.append((model, history))
    (plain, plain_history), (validated, history) = runs
    assert params_of(plain) == params_of(validated)  # validation never trains
    assert plain_history.loss == history.loss and plain_history.val_loss == []
    val_loss, val_accuracy = evaluate(validated, X_val, y_val, loss="hinge")
    assert history.val_loss[-1] == val_loss
    assert history.val_accuracy[-1] == val_accuracy == accuracy(validated, X_val, y_val, "hinge")


def test_accuracy_is_measured_only_for_targets_that_are_class_labels():
    import numpy as np

    one, three = MLP(2, [1], seed=0), Layer(2, 3, seed=0)
    X = [[0.0, 1.0], [1.0, 0.0]]

    def zero(prediction, target):  # a loss that takes any target
        return (prediction[0] if isinstance(prediction, list) else prediction) * 0.0

    def measured(model, y, loss=zero) -> bool:
        return evaluate(model, X, y, loss=loss)[1] is not None

    assert measured(one, [0, 1]) and measured(one, [-1, 1])
    assert not measured(one, [True, False])  # bools are not labels
    assert not measured(one, [0, 2])  # one output: 2 is no label
    assert measured(three, [0, 2]) and not measured(three, [0, 3])  # a class index below 3
    assert measured(three, [[0, 1, 0], [1, 0, 0]], "mse")  # one-hot rows
    assert not measured(three, [[0.5, 0.5, 0], [1, 0, 0]], "mse")  # soft targets
    assert not measured(three, [[0, 1, 0], [2, -1, 0]], "mse")  # sums to 1, not one-hot

    class Wrapped:
        """A model of one's own that says its number of outputs with a numpy integer."""

        nout = np.int64(1)

        def __call__(self, x):
            return one(x)

    assert not measured(Wrapped(), [0, 2])  # as for nout = 1
    assert measured(lambda x: one(x), [0, 2])  # a function does not say: 2 may be a class


def test_evaluate_scores_with_the_mean_squared_error_unless_told_otherwise():
    model = MLP(1, [1], seed=0)
    X, y = [[0.0], [1.0], [2.0]], [0, 1, 2]  # 2 is no label for one output: no accuracy
    errors = [(model(x).data - t) ** 2 for x, t in zip(X, y)]
    loss, no_accuracy = evaluate(model, X, y)
    assert math.isclose(loss, sum(errors) / 3, rel_tol=1e-12) and no_accuracy is None
    penalty = 0.5 * sum(p.data**2 for p in model.parameters())
    loss, _ = evaluate(model, X, y, regularization=l2(0.5))
    assert math.isclose(loss, sum(errors) / 3 + penalty, rel_tol=1e-12)
    with pytest.raises(ValueError) as refused:
        evaluate(model, X, y[:2])
    assert str(refused.value) == "evaluate: 3 examples in X but 2 targets in y"


def test_regularization_is_part_of_the_reported_loss():
    X, y = make_moons(20, seed=0)
    y = to_signed_labels(y)
    model = MLP(2, [4, 1], seed=0)
    penalty = sum(p.data**2 for p in model.parameters())
    data_loss, _ = evaluate(model, X, y, loss="hinge")
    history = fit(
        model, X, y, loss="hinge", lr=0.0, epochs=1, regularization=l2(0.5), progress=False
    )
    assert math.isclose(history.loss[0], data_loss + 0.5 * penalty, rel_tol=1e-12)
    history = fit(  # the validation loss too
        model,
        X,
        y,
        loss="hinge",
        lr=0.0,
        epochs=1,
        regularization=l2(0.5),
        validation_data=(X, y),
        progress=False,
    )
    assert math.isclose(history.val_loss[0], data_loss + 0.5 * penalty, rel_tol=1e-12)


def test_on_epoch_end_sees_every_epoch_and_can_stop():
    X, y = blobs()
    seen = []

    def callback(epoch: int, history: History) -> bool:
        seen.append((epoch, history.epochs))
        return epoch == 3

    history = fit(
        MLP(2, [3]), X, y, loss="cross_entropy", epochs=10, progress=False, on_epoch_end=callback
    )
    assert seen == [(1, 1), (2, 2), (3, 3)] and history.epochs == 3


# -- shuffling --------------------------------------------------------------------


def train_run(seed, shuffle=True):
    X, y = blobs()
    model = MLP(2, [4, 3], seed=0)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        lr=0.2,
        epochs=2,
        batch_size=7,
        shuffle=shuffle,
        seed=seed,
        progress=False,
    )
    return history.loss, params_of(model)


def test_fit_by_default_trains_ten_full_batch_sgd_epochs_of_mse_with_a_progress_bar(capsys):
    X, y = make_moons(10, seed=0)
    history = fit(MLP(2, [3, 1], seed=0), X, y)
    assert "10/10" in capsys.readouterr().err  # the bar
    spelled_out = fit(
        MLP(2, [3, 1], seed=0),
        X,
        y,
        loss="mse",
        optimizer="sgd",
        lr=0.1,
        epochs=10,
        batch_size=None,
        metrics="auto",
        progress=False,
    )
    assert len(history.loss) == 10 and history.record is None
    for by_default, given in zip(history.loss, spelled_out.loss, strict=True):
        assert math.isclose(by_default, given, rel_tol=1e-12)  # (the sum's order may differ)
    assert history.accuracy == spelled_out.accuracy and len(history.accuracy) == 10


def test_compile_offers_every_batch_to_the_compiled_step(monkeypatch):
    import nn.compiled

    offered = []

    class Declining:
        """A compiled step that declines every batch (``None``: run it eagerly)."""

        def __init__(self, model, objective, targets):
            pass

        def __call__(self, inputs, targets):
            offered.append(len(inputs))

    monkeypatch.setattr(nn.compiled, "CompiledBatches", Declining)
    X, y = make_moons(10, seed=0)
    eager = fit(MLP(2, [1], seed=0), X, y, epochs=2, batch_size=4, seed=0, progress=False)
    assert offered == []  # not compiled unless asked
    declined = fit(
        MLP(2, [1], seed=0), X, y, epochs=2, batch_size=4, seed=0, progress=False, compile=True
    )
    assert offered == [4, 4, 2, 4, 4, 2] and declined.loss == eager.loss


def test_fit_shuffles_by_default():
    def losses(**kwargs):
        X, y = make_moons(10, seed=0)
        model = MLP(2, [3, 1], seed=0)
        return fit(model, X, y, epochs=3, batch_size=3, seed=1, progress=False, **kwargs).loss

    assert losses() == losses(shuffle=True) != losses(shuffle=False)


def test_same_seed_same_training_other_seed_other_order():
    assert train_run(5) == train_run(5)
    assert train_run(5) != train_run(6)


def test_without_shuffle_the_seed_does_not_matter():
    assert train_run(5, shuffle=False) == train_run(6, shuffle=False)


@pytest.mark.parametrize("shuffle", [False, True])
def test_epoch_loss_and_accuracy_are_means_over_examples_when_the_last_batch_is_smaller(
    shuffle,
):
    """5 examples in batches of 2, 2 and 1: the epoch's numbers are means over the 5 examples
    (each batch weighted by its size), not the plain mean of the 3 batch means."""
    X = [[0.0], [1.0], [2.0], [3.0], [10.0]]
    y = [0, 1, 1, 1, 1]  # the model below gets [1.0] wrong
    model = Neuron(1, activation="sigmoid", seed=0)
    model.w[0].data, model.b.data = 0.8, -1.5
    expected_loss, expected_accuracy = evaluate(model, X, y, loss="binary_cross_entropy")
    history = fit(
        model,
        X,
        y,
        loss="binary_cross_entropy",
        optimizer=SGD(model.parameters(), lr=0.0),  # the model stays put: every batch agrees
        epochs=1,
        batch_size=2,
        shuffle=shuffle,
        seed=0,
        progress=False,
    )
    assert history.loss[0] == pytest.approx(expected_loss, rel=1e-12)
    assert history.accuracy == [expected_accuracy] == [0.8]


# -- progress ---------------------------------------------------------------------


def small_fit(**kwargs):
    X, y = make_moons(10, seed=0)
    return fit(
        MLP(2, [3, 1], seed=0), X, to_signed_labels(y), loss="hinge", lr=0.1, epochs=3, **kwargs
    )


def test_progress_false_prints_nothing(capsys):
    small_fit(progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_true_shows_a_tqdm_bar_on_stderr(capsys):
    small_fit(progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err and "loss=" in err and "acc=" in err


def test_progress_without_tqdm_prints_plain_lines(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm` now fails
    small_fit(progress=True)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "loss" in out[-1] and "acc" in out[-1]


def test_plain_lines_come_about_twenty_times_and_at_the_end(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    X, y = make_moons(10, seed=0)
    fit(MLP(2, [1], seed=0), X, y, epochs=45, progress=True)
    out = capsys.readouterr().out.splitlines()
    expected = [*range(2, 45, 2), 45]  # every 45 // 20 = 2 epochs, and the last
    assert [line.split(":")[0] for line in out] == [f"epoch {k}/45" for k in expected]


# -- non-finite losses ---------------------------------------------------------------


class RecordingSGD(SGD):
    """SGD that remembers the parameters at the start of every batch (when zero_grad runs)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.at_batch_start: list[list[float]] = []

    def zero_grad(self) -> None:
        self.at_batch_start.append([p.data for p in self.params])
        super().zero_grad()


@pytest.mark.parametrize("batch_size, where", [(None, "batch 1/1"), (5, "batch ")])
def test_huge_learning_rate_stops_with_finite_parameters(batch_size, where):
    X, y = make_moons(20, seed=0)
    model = MLP(2, [8, 1], seed=0)
    optimizer = RecordingSGD(model.parameters(), lr=100.0)
    with pytest.raises(NonFiniteLossError) as caught:
        fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=optimizer,
            epochs=50,
            batch_size=batch_size,
            seed=0,
            progress=False,
        )
    error = caught.value
    assert isinstance(error, ArithmeticError)
    message = str(error)
    assert f"epoch {error.epoch}/50" in message and f"batch {error.batch}/" in message
    assert where in message and "learning rate" in message and "lr=10" in message
    assert error.epoch > 1 and not math.isfinite(error.value)
    assert error.history.epochs == error.epoch - 1
    assert all(math.isfinite(v) for v in params_of(model))
    assert params_of(model) == optimizer.at_batch_start[-1]  # as before the failing step


def test_an_update_that_overflows_is_undone():
    def steep(prediction: Value, target: float) -> Value:
        return 1e6 * (prediction - target) ** 2  # gradients far above 1

    X, y = make_moons(10, seed=0)
    model = MLP(2, [4, 1], seed=0)
    before = params_of(model)
    optimizer = SGD(model.parameters(), lr=1e308)  # lr * gradient overflows to inf
    with pytest.raises(
        NonFiniteLossError, match=r"the update made layers\.\S+ -?inf in epoch 1/"
    ) as caught:
        fit(model, X, y, loss=steep, optimizer=optimizer, epochs=3, progress=False)
    assert params_of(model) == before
    assert str(caught.value).endswith(
        "from before this step. The learning rate (lr=1e+308) is probably too high: try lr=1e+307."
    )
    assert math.isinf(caught.value.value)  # the number the update made


def test_a_loss_that_is_not_a_number_stops_training_saying_so() -> None:
    def undefined(prediction: Value, target: float) -> Value:
        return custom_op(math.nan, [prediction], [0.0], op="undefined")

    X, y = make_moons(10, seed=0)
    with pytest.raises(NonFiniteLossError) as caught:
        fit(MLP(2, [4, 1], seed=0), X, y, loss=undefined, epochs=2, progress=False)
    assert str(caught.value).startswith("the loss became nan in epoch 1/2, batch 1/1;")
    assert math.isnan(caught.value.value)


def test_overflow_error_in_the_loss_becomes_non_finite_loss_error():
    calls = []

    def fragile(prediction: Value, target: float) -> Value:
        calls.append(1)
        if len(calls) > 10:  # from the second epoch on (10 examples per epoch)
            raise OverflowError("math range error")
        return (prediction - target) ** 2

    X, y = make_moons(10, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(NonFiniteLossError, match="overflowed.*epoch 2/5, batch 1/1") as caught:
        fit(model, X, y, loss=fragile, lr=0.01, epochs=5, progress=False)
    assert isinstance(caught.value.__cause__, OverflowError)
    assert caught.value.value == math.inf  # an overflow is an infinite loss


def test_non_finite_gradient_stops_before_the_update():
    def infinite_slope(prediction: Value, target: float) -> Value:
        return custom_op(0.0, [prediction], [math.inf], op="bad")

    X, y = make_moons(10, seed=0)
    model = MLP(2, [4, 1], seed=0)
    before = params_of(model)
    with pytest.raises(NonFiniteLossError, match="gradient of layers") as caught:
        fit(model, X, y, loss=infinite_slope, epochs=2, progress=False)
    assert params_of(model) == before
    assert math.isnan(caught.value.value)  # the gradient that became nan (inf times 0)


# -- inference helpers -------------------------------------------------------------


def test_predict_returns_numbers():
    one = MLP(2, [3, 1], seed=0)
    three = MLP(2, [3, 3], seed=0)
    X = [[0.5, -1.0], [2.0, 0.0]]
    single = predict(one, X)
    assert all(type(v) is float for v in single)
    assert single == [one(x).data for x in X]
    several = predict(three, X)
    assert several == [[v.data for v in three(x)] for x in X]


def test_a_baseline_that_returns_a_plain_number_is_predicted_and_scored_like_a_model():
    def always_one(x):  # the majority class, to compare a trained model with
        return 1

    X, y = [[0.0], [1.0], [2.0]], [1, -1, 1]
    predictions = predict(always_one, X)
    assert predictions == [1.0, 1.0, 1.0] and all(type(p) is float for p in predictions)
    assert accuracy(always_one, X, y, loss="hinge") == 2 / 3
    assert evaluate(always_one, X, y, loss="hinge") == (2 / 3, 2 / 3)  # hinge: 0, 2 and 0

    def scores(x):  # several outputs, as plain numbers
        return [1, 2.5]

    assert predict(scores, X) == [[1.0, 2.5]] * 3
    assert accuracy(scores, X, [1, 1, 0]) == 2 / 3


def test_the_threshold_follows_the_loss_then_the_labels():
    def half(x):
        return 0.5

    X = [[0.0], [1.0]]
    assert accuracy(half, X, [1, -1]) == 0.5  # labels -1/+1: the boundary is 0, 0.5 is +1
    # probabilities (binary cross-entropy): the boundary is 0.5 whatever the labels
    assert accuracy(lambda x: 0.3, X, [-1, -1], loss="binary_cross_entropy") == 1.0


def test_a_loss_passed_as_a_function_is_known_by_its_name():
    X = [[0.0], [1.0]]
    logits = losses.binary_cross_entropy_with_logits  # the library's: a score, boundary 0
    assert accuracy(lambda x: 0.3, X, [1, 1], loss=logits) == 1.0

    def hinge(score, label):  # a learner's own hinge is scored as hinge is: boundary 0
        return losses.hinge(score, label)

    assert accuracy(lambda x: 0.3, X, [1, 1], loss=hinge) == 1.0

    class Squared:  # a callable without a __name__: a custom loss, boundary 0.5 for 0/1
        def __call__(self, prediction, target):
            return (prediction - target) ** 2

    assert accuracy(lambda x: 0.3, X, [1, 1], loss=Squared()) == 0.0


def test_a_model_of_two_outputs_is_scored_on_class_indices():
    layer = Layer(1, 2, activation="linear", seed=0)
    layer.neurons[0].w[0].data, layer.neurons[1].w[0].data = -1.0, 1.0  # class 1 for x > 0
    for neuron in layer.neurons:
        neuron.b.data = 0.0
    assert accuracy(layer, [[-1.0], [2.0], [3.0]], [0, 1, 0]) == 2 / 3


def test_a_target_beyond_one_outputs_labels_is_a_number_to_fit_not_a_class():
    X, y = [[0.0], [1.0], [2.0]], [0, 1, 2]
    history = fit(Neuron(1, seed=0), X, y, epochs=1, progress=False)
    assert history.keys() == ["loss"]  # no accuracy: 2 is no class of one output


def test_an_optimizer_of_ones_own_needs_step_and_zero_grad_but_no_params():
    class Halver:  # halves every parameter: an optimizer without a params list
        def __init__(self, params):
            self.kept = list(params)

        def step(self):
            for p in self.kept:
                p.data /= 2

        def zero_grad(self):
            pass

    model = Neuron(1, seed=0)
    model.w[0].data, model.b.data = 4.0, 2.0
    fit(model, [[1.0]], [1.0], optimizer=Halver(model.parameters()), epochs=2, progress=False)
    assert (model.w[0].data, model.b.data) == (1.0, 0.5)

    class StepOnly:
        def step(self):
            pass

    with pytest.raises(TypeError) as refused:
        fit(model, [[1.0]], [1.0], optimizer=StepOnly(), progress=False)
    assert str(refused.value) == (
        "optimizer must be 'sgd', 'adam' or an object with step() and zero_grad(), got StepOnly"
    )


def test_an_output_exactly_at_the_threshold_is_the_lower_class():
    def undecided(x):
        return 0.5  # the threshold of labels 0/1

    X = [[0.0], [1.0]]
    assert accuracy(undecided, X, [0, 0]) == 1.0
    assert accuracy(undecided, X, [1, 1]) == 0.0


def test_accuracy_rules():
    layer = Layer(1, 3, activation="linear", seed=0)
    for j, neuron in enumerate(layer.neurons):  # output j peaks at x = j
        neuron.w[0].data, neuron.b.data = float(j), -0.5 * j * j
    X = [[0.0], [1.0], [2.0], [1.9]]
    assert accuracy(layer, X, [0, 1, 2, 2]) == 1.0  # argmax == class index
    assert accuracy(layer, X, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]) == 0.75  # one-hot
    neuron = Neuron(1, activation="linear", seed=0)
    neuron.w[0].data = 1.0
    X = [[0.7], [0.3], [-0.2]]
    assert accuracy(neuron, X, [1, 0, 0]) == 1.0  # labels 0/1: threshold 0.5
    assert accuracy(neuron, X, [1, 1, -1]) == 1.0  # labels -1/+1: threshold 0
    assert accuracy(neuron, X, [1, 1, 0], loss="binary_cross_entropy_with_logits") == 1.0


def test_a_tie_of_outputs_counts_as_the_first_of_them():
    layer = Layer(1, 3, activation="linear", seed=0)
    for p in layer.parameters():
        p.data = 0.0  # every output is 0.0: a three-way tie, read as class 0 (like numpy.argmax)
    X = [[1.0], [2.0]]
    assert accuracy(layer, X, [0, 0]) == 1.0
    assert accuracy(layer, X, [1, 2]) == 0.0
    layer.neurons[0].b.data = -1.0  # classes 1 and 2 tie above class 0: read as class 1
    assert accuracy(layer, X, [1, 2]) == 0.5


# -- argument errors ----------------------------------------------------------------


def test_hinge_with_zero_one_labels_points_to_the_mapping():
    X, y = make_moons(10, seed=0)
    with pytest.raises(ValueError, match="to_signed_labels"):
        fit(MLP(2, [1], seed=0), X, y, loss="hinge", progress=False)


def test_softmax_model_with_cross_entropy_warns():
    X, y = blobs()
    with pytest.warns(UserWarning, match="raw scores"):
        fit(
            MLP(2, [3], output_activation="softmax", seed=0),
            X,
            y,
            loss="cross_entropy",
            epochs=1,
            progress=False,
        )
    nested = Sequential(Layer(2, 4, seed=0), MLP(4, [3], output_activation="softmax", seed=1))
    with pytest.warns(UserWarning) as caught:
        fit(nested, X, y, loss="cross_entropy", epochs=1, progress=False)
    assert [str(w.message) for w in caught] == [
        "the model ends in a softmax layer, but cross_entropy expects raw scores "
        "(it applies log-softmax itself): use a linear output layer with "
        "cross_entropy, or keep the softmax and use loss='mse'"
    ]
    # the warning points at the line that called fit: this file, or under mutmut (whose
    # mutated modules call fit through a trampoline) the trampoline that called fit
    callers = {os.path.basename(w.filename) for w in caught}
    assert callers == {"trampoline.py" if "mutmut" in sys.modules else os.path.basename(__file__)}


def test_no_softmax_warning_for_raw_scores_or_another_loss():
    X, y = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(MLP(2, [3], seed=0), X, y, loss="cross_entropy", epochs=1, progress=False)
        softmax = MLP(2, [3], output_activation="softmax", seed=0)
        fit(softmax, X, y, loss="mse", epochs=1, progress=False)
        maxout = Sequential(Layer(2, 4, seed=0), Maxout(4, 3, seed=0))  # no activation at all
        fit(maxout, X, y, loss="cross_entropy", epochs=1, progress=False)


def test_optimizer_names_and_objects():
    X, y = blobs()
    assert DEFAULT_LR == {"sgd": 0.1, "adam": 0.01}
    model = MLP(2, [3], seed=0)
    fit(model, X, y, loss="cross_entropy", optimizer="ADAM", epochs=1, progress=False)
    adam = Adam(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="lr is given both"):
        fit(model, X, y, loss="cross_entropy", optimizer=adam, lr=0.1, progress=False)
    other = SGD(MLP(2, [3], seed=1).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="none of this model's parameters"):
        fit(model, X, y, loss="cross_entropy", optimizer=other, progress=False)
    with pytest.raises(ValueError, match="unknown optimizer"):
        fit(model, X, y, loss="cross_entropy", optimizer="rmsprop", progress=False)
    with pytest.raises(TypeError, match="step"):
        fit(model, X, y, loss="cross_entropy", optimizer=object(), progress=False)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"loss": "mes"}, ValueError, "unknown loss 'mes'"),
        ({"loss": 3}, TypeError, "loss must be"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"validation_data": [[0.0, 0.0]]}, TypeError, "validation_data"),
        ({"regularization": 1e-4}, TypeError, "regularization"),
        ({"metrics": ["f1"]}, ValueError, "unknown metric"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    X, y = make_moons(10, seed=0)
    with pytest.raises(error, match=match):
        fit(MLP(2, [1], seed=0), X, y, progress=False, **kwargs)


def test_mismatched_data():
    with pytest.raises(ValueError, match="2 examples in X but 1 targets"):
        fit(MLP(2, [1], seed=0), [[0.0, 0.0], [1.0, 1.0]], [0], progress=False)
    with pytest.raises(ValueError, match="empty"):
        fit(MLP(2, [1], seed=0), [], [], progress=False)


def test_numpy_arrays_work_as_data():
    import numpy as np

    X, y = blobs()
    model_lists, model_arrays = MLP(2, [4, 3], seed=0), MLP(2, [4, 3], seed=0)
    kwargs = {"loss": "cross_entropy", "lr": 0.2, "epochs": 2, "progress": False}
    expected = fit(model_lists, X, y, **kwargs)
    got = fit(model_arrays, np.array(X), np.array(y), **kwargs)
    assert got.accuracy == expected.accuracy
    assert got.loss == pytest.approx(expected.loss, rel=1e-12)


def test_string_labels_point_to_class_indices():
    for loss in ("mse", "cross_entropy"):
        with pytest.raises(TypeError, match=r"got the string 'apple'.*names\.index"):
            X, y = [[0.0, 1.0], [1.0, 0.0]], ["apple", "banana"]
            fit(MLP(2, [3], seed=0), X, y, loss=loss, progress=False)


def test_in_a_notebook_the_bar_comes_from_tqdm_auto(monkeypatch):
    """With ipywidgets, a notebook gets tqdm.auto's widget bar (here a stand-in that records)."""
    import importlib.util
    import types

    import nn.train

    bars = []

    class RecordingBar:
        def __init__(self, **kwargs):
            self.kwargs, self.updates, self.closed = kwargs, 0, False
            bars.append(self)

        def set_postfix(self, postfix, refresh=True):
            self.postfix = postfix

        def update(self, n):
            self.updates += n

        def close(self):
            self.closed = True

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = RecordingBar
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    monkeypatch.setattr(nn.train, "_in_notebook", lambda: True)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: object() if name == "ipywidgets" else find_spec(name, *args),
    )
    small_fit(progress=True)
    (bar,) = bars
    assert bar.kwargs["total"] == 3 and bar.updates == 3 and bar.closed
    assert set(bar.postfix) == {"loss", "acc"}


def test_a_saturated_sigmoid_under_binary_cross_entropy_is_a_non_finite_loss():
    """An infinite BCE (probability exactly 0 or 1 on the wrong side) stops like any divergence."""
    X, y = make_moons(40, seed=0)
    model = MLP(2, [8, 1], output_activation="sigmoid", seed=0)
    optimizer = RecordingSGD(model.parameters(), lr=1000.0)
    expected = r"infinite.*with_logits.* in epoch \d+/50"
    with pytest.raises(NonFiniteLossError, match=expected) as caught:
        fit(model, X, y, "binary_cross_entropy", optimizer, epochs=50, progress=False)
    assert caught.value.value == math.inf and caught.value.epoch > 1
    assert params_of(model) == optimizer.at_batch_start[-1]  # as before the failing step


# -- tied weights, nan outputs, undoing a step with the optimizer's state ---------------


class TiedAutoencoder(Module):
    """3 -> 2 -> 3, the decoder's weights being the encoder's, transposed (tied weights)."""

    def __init__(self, seed: int = 0) -> None:
        self.encoder = Layer(3, 2, activation="tanh", seed=seed)
        self.decoder = Layer(2, 3, activation="linear", seed=seed + 1)
        for i, neuron in enumerate(self.decoder.neurons):
            neuron.w = [self.encoder.neurons[j].w[i] for j in range(2)]

    def forward(self, x):
        return self.decoder.forward(self.encoder.forward(x))


def test_fit_trains_tied_weights_once_per_step_with_both_gradients():
    X = [[0.5, -1.0, 0.25], [1.5, 0.5, -0.5], [-1.0, 0.0, 1.0]]
    model = TiedAutoencoder()
    assert len(model.parameters()) == 2 * (3 + 1) + 3  # the decoder's weights are not new
    twin = copy.deepcopy(model)  # tied in the copy too
    expected_cost = evaluate(twin, X, X, loss="mse")[0]
    cost = sum_values([mse(twin(x), x) for x in X]) / len(X)
    cost.backward()
    expected = [p.data - 0.1 * p.grad for p in twin.parameters()]
    history = fit(model, X, X, loss="mse", optimizer="sgd", lr=0.1, epochs=1, shuffle=False,
                  progress=False)  # fmt: skip
    assert history.loss == [pytest.approx(expected_cost, rel=1e-15)]
    assert params_of(model) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(
    ("loss", "outputs", "targets"),
    [
        ("mse", 1, [0.5, -0.5]),
        ("sse", 1, [0.5, -0.5]),
        ("rmse", 1, [0.5, -0.5]),
        ("mae", 1, [0.5, -0.5]),
        ("binary_cross_entropy", 1, [1, 0]),
        ("binary_cross_entropy_with_logits", 1, [1, 0]),
        ("cross_entropy", 3, [2, 0]),
        ("hinge", 1, [1, -1]),
    ],
)
def test_a_nan_output_stops_as_non_finite_under_every_loss(loss, outputs, targets):
    # a nan in the data makes the model's output nan: binary_cross_entropy once
    # said "predictions must be probabilities in [0, 1]" instead
    activation = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    model = MLP(2, [4, outputs], output_activation=activation, seed=0)
    before = params_of(model)
    X = [[0.5, 1.0], [math.nan, 1.0]]
    expected = "the model's output became nan in epoch 1/3.*An input example contains nan: check X"
    with pytest.raises(NonFiniteLossError, match=expected):
        fit(model, X, targets, loss=loss, epochs=3, progress=False)
    assert params_of(model) == before


def test_a_nan_validation_output_is_recorded_as_a_nan_val_loss():
    X, y = [[0.5, 1.0], [-0.5, 0.25]], [1, 0]
    model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    history = fit(model, X, y, loss="binary_cross_entropy", epochs=2, progress=False,
                  validation_data=([[math.nan, 0.0], [1.0, 1.0]], [1, 0]))  # fmt: skip
    assert len(history.val_loss) == 2 and all(math.isnan(v) for v in history.val_loss)
    assert len(history.val_accuracy) == 2 and max(history.val_accuracy) <= 0.5  # nan is wrong


def spike_at(step: int, lr: float):
    """A schedule: ``lr`` at every step but ``step``, where it is 1e308 (the update overflows)."""
    return lambda t: 1e308 if t == step else lr


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda params, lr: Adam(params, lr=lr),
        lambda params, lr: SGD(params, lr=lr, momentum=0.9, weight_decay=1e-3),
    ],
    ids=["adam", "sgd-momentum"],
)
def test_an_undone_step_restores_the_optimizer_and_resuming_equals_never_diverging(
    make_optimizer,
):
    def steep(prediction: Value, target: float) -> Value:
        return 1e3 * (prediction - target) ** 2  # gradients far above 1

    X, y = make_moons(20, seed=0)
    kwargs = dict(loss=steep, shuffle=False, progress=False)
    # a run that diverges at its third step: the update overflows and is undone
    model = MLP(2, [6, 1], seed=3)
    optimizer = make_optimizer(model.parameters(), spike_at(2, 1e-5))
    with pytest.raises(NonFiniteLossError, match="the update made") as caught:
        fit(model, X, y, optimizer=optimizer, epochs=10, **kwargs)
    assert caught.value.epoch == 3
    # ... is exactly where a run that never diverged is after two steps
    clean = MLP(2, [6, 1], seed=3)
    clean_optimizer = make_optimizer(clean.parameters(), 1e-5)
    fit(clean, X, y, optimizer=clean_optimizer, epochs=2, **kwargs)
    assert params_of(model) == params_of(clean)
    assert optimizer.state_dict() == clean_optimizer.state_dict()
    assert optimizer.step_count == 2
    # and resuming takes the very same steps
    optimizer.lr = 1e-5
    fit(model, X, y, optimizer=optimizer, epochs=3, **kwargs)
    fit(clean, X, y, optimizer=clean_optimizer, epochs=3, **kwargs)
    assert params_of(model) == params_of(clean)
    assert optimizer.state_dict() == clean_optimizer.state_dict()


def test_parameters_the_optimizer_holds_beyond_the_model_are_undone_too():
    X, y = make_moons(10, seed=0)
    model = MLP(2, [4, 1], seed=0)
    temperature = Value(1.0)

    def scaled(prediction: Value, target: float) -> Value:
        return 1e6 * (prediction * temperature - target) ** 2

    optimizer = SGD([*model.parameters(), temperature], lr=1e308)
    with pytest.raises(NonFiniteLossError, match="the update made"):
        fit(model, X, y, loss=scaled, optimizer=optimizer, epochs=2, progress=False)
    assert temperature.data == 1.0


def test_numpy_integers_for_epochs_batch_size_and_seed():
    np = pytest.importorskip("numpy")
    X, y = make_moons(12, seed=0)
    runs = []
    for epochs, batch_size, seed in ((2, 5, 3), (np.int64(2), np.int32(5), np.int64(3))):
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, X, y, epochs=epochs, batch_size=batch_size, seed=seed,
                      progress=False)  # fmt: skip
        runs.append((history.loss, params_of(model)))
    assert runs[0] == runs[1]
    for bad in (np.float64(2.0), np.int64(0), True):
        with pytest.raises(ValueError, match="epochs must be a positive int"):
            fit(MLP(2, [1], seed=0), X, y, epochs=bad, progress=False)


def test_history_repr_shows_first_and_last_epoch():
    history = History()
    history.loss += [0.9, 0.5, 0.25]
    history.val_accuracy += [0.5, 0.75, 1.0]
    assert repr(history) == "History(epochs=3, loss: 0.9 -> 0.25, val_accuracy: 0.5 -> 1)"
    assert repr(History()) == "History(epochs=0)"


def test_accuracy_insists_on_class_labels_for_the_models_outputs():
    neuron = Neuron(1, activation="linear", seed=0)
    with pytest.raises(ValueError, match="^accuracy needs class labels as targets"):
        accuracy(neuron, [[1.0]], [1.5])
    with pytest.raises(ValueError, match="^accuracy needs class labels as targets"):
        accuracy(neuron, [[1.0], [2.0]], [0, 2])  # 2 is no label for a single output
    with pytest.raises(ValueError, match=r"^accuracy: 1 examples in X but 2 targets in y$"):
        accuracy(neuron, [[1.0]], [0, 1])
    three = Layer(1, 3, activation="linear", seed=0)
    assert accuracy(three, [[1.0], [2.0]], [0, 2]) in (0.0, 0.5, 1.0)


@pytest.mark.parametrize(
    "shell, expected",
    [("ZMQInteractiveShell", True), ("TerminalInteractiveShell", False), (None, False)],
)
def test_progress_bar_knows_a_notebook_kernel_from_a_terminal(monkeypatch, shell, expected):
    import types

    from nn.train import _in_notebook

    fake = types.ModuleType("IPython")
    shell_object = type(shell, (), {})() if shell else None
    fake.get_ipython = lambda: shell_object
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert _in_notebook() is expected
    monkeypatch.delitem(sys.modules, "IPython")
    assert _in_notebook() is False


def test_exploring_a_history_without_a_record_says_how_to_get_one():
    X, y = blobs()
    history = fit(MLP(2, [3], seed=0), X, y, loss="cross_entropy", epochs=1, progress=False)
    with pytest.raises(ValueError) as refused:
        history.explore()
    assert str(refused.value) == (
        "this History has no record of the parameters: train with "
        "fit(..., record=True) to explore the training epoch by epoch"
    )


def test_divergence_message_suggests_a_tenth_of_the_learning_rate():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [8, 1], seed=0)
    with pytest.raises(NonFiniteLossError) as caught:
        fit(model, X, y, loss="mse", lr=100.0, epochs=50, seed=0, progress=False)
    assert str(caught.value).endswith(
        "training stopped and the model keeps its parameters from before this step. "
        "The learning rate (lr=100) is probably too high: try lr=10."
    )


def test_divergence_message_without_a_numeric_learning_rate():
    class Wild:
        """An optimizer object with no ``lr``: it always steps far too far."""

        def __init__(self, params):
            self.params = params

        def zero_grad(self):
            for p in self.params:
                p.grad = 0.0

        def step(self):
            for p in self.params:
                p.data -= 1e308 * p.grad

    X, y = make_moons(10, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(NonFiniteLossError) as caught:
        fit(model, X, y, optimizer=Wild(model.parameters()), epochs=5, progress=False)
    assert str(caught.value).endswith("The learning rate is probably too high: try a smaller one.")


def test_class_indices_become_one_hot_targets_for_elementwise_losses():
    model = Layer(2, 3, activation="sigmoid", seed=0)
    X = [[0.5, -1.0], [1.0, 2.0]]
    by_index = evaluate(model, X, [2, 0], loss="mse")
    by_one_hot = evaluate(model, X, [[0, 0, 1], [1, 0, 0]], loss="mse")
    assert by_index == by_one_hot
    with pytest.raises(
        ValueError, match="^class index 3 is out of range for a model with 3 outputs$"
    ):
        evaluate(model, X, [3, 0], loss="mse")


def test_without_tqdm_about_twenty_lines_are_printed_and_always_the_last_epoch(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    X, y = [[0.0], [1.0]], [0.0, 1.0]
    fit(Neuron(1, activation="linear", seed=0), X, y, lr=0.1, epochs=41, seed=0)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        *(f"epoch {e}/41" for e in range(2, 41, 2)),
        "epoch 41/41",
    ]
    assert all(re.fullmatch(r"epoch \d+/41: loss \d\.\d{4}, acc \d\.\d{4}", line) for line in lines)


def test_the_bar_counts_epochs_and_shows_four_decimals(monkeypatch):
    import types

    bars = []

    class RecordingBar:
        def __init__(self, **kwargs):
            self.kwargs, self.updates, self.postfixes = kwargs, [], []
            bars.append(self)

        def set_postfix(self, postfix, refresh=True):
            self.postfixes.append((postfix, refresh))

        def update(self, n):
            self.updates.append(n)

        def close(self):
            self.closed = True

    plain = types.ModuleType("tqdm")
    plain.tqdm = RecordingBar
    monkeypatch.setitem(sys.modules, "tqdm", plain)
    X, y = make_moons(10, seed=0)
    history = fit(
        MLP(2, [3, 1], seed=0), X, y, loss="mse", lr=0.1, epochs=2, validation_data=(X, y)
    )
    (bar,) = bars
    assert bar.kwargs == {"total": 2, "desc": "training", "unit": "epoch"}
    assert bar.updates == [1, 1] and bar.closed
    postfix, refresh = bar.postfixes[-1]
    assert refresh is False
    assert postfix == {
        "loss": f"{history.loss[-1]:.4f}",
        "acc": f"{history.accuracy[-1]:.4f}",
        "val_loss": f"{history.val_loss[-1]:.4f}",
        "val_acc": f"{history.val_accuracy[-1]:.4f}",
    }


@pytest.mark.parametrize("name, cls, lr", [("sgd", SGD, 0.1), ("Adam", Adam, 0.01)])
def test_an_optimizer_by_name_is_that_optimizer_at_its_default_rate(name, cls, lr):
    X, y = blobs()
    by_name, by_object = MLP(2, [3], seed=0), MLP(2, [3], seed=0)
    a = fit(by_name, X, y, loss="cross_entropy", optimizer=name, epochs=2, seed=1, progress=False)
    optimizer = cls(by_object.parameters(), lr=lr)
    b = fit(
        by_object, X, y, loss="cross_entropy", optimizer=optimizer, epochs=2, seed=1, progress=False
    )
    assert a.loss == b.loss and params_of(by_name) == params_of(by_object)


def test_a_library_loss_given_as_a_function_behaves_as_its_name():
    """loss=nn.losses.mse is loss="mse": class indices are one-hot encoded for it too."""
    from nn.losses import mse

    model = Layer(2, 3, activation="sigmoid", seed=0)
    X, y = [[0.5, -1.0], [1.0, 2.0]], [2, 0]
    assert evaluate(model, X, y, loss=mse) == evaluate(model, X, y, loss="mse")


def test_history_as_a_dict():
    history = History()
    history.loss += [1.0, 0.5]
    history.accuracy += [0.5, 1.0]
    assert history.keys() == ["loss", "accuracy"] and len(history) == history.epochs == 2
    copy = history.as_dict()
    assert copy == {"loss": [1.0, 0.5], "accuracy": [0.5, 1.0]}
    copy["loss"].append(0.0)
    assert history.loss == [1.0, 0.5]  # a copy, not the history's own list
    with pytest.raises(KeyError) as caught:
        history["lossy"]
    assert caught.value.args[0] == (
        "'lossy': a History has 'loss', 'accuracy', 'val_loss', 'val_accuracy'"
    )


def test_a_model_without_named_parameters_gets_numbered_names_in_errors():
    class Bare:
        """Callable with parameters() only, and no nout."""

        def __init__(self):
            self.w = Value(1.0)

        def __call__(self, x):
            return custom_op(self.w.data * x[0], [self.w], [math.nan], op="nan slope")

        def parameters(self):
            return [self.w]

    with pytest.raises(NonFiniteLossError, match=r"the gradient of parameter 0 became nan"):
        fit(Bare(), [[1.0]], [2.0], epochs=1, progress=False)


def test_a_value_the_optimizer_holds_besides_the_models_is_recorded_once_by_its_place():
    class PlainSGD:
        """A hand-written optimizer: it lists whatever it is given, twice if given twice."""

        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def zero_grad(self):
            for p in self.params:
                p.grad = 0.0

        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    model = Neuron(1, activation="linear", seed=0)
    scale = Value(1.0)  # a learnable scale of the output, outside the model
    optimizer = PlainSGD([*model.parameters(), scale, scale], lr=0.01)
    history = fit(
        model,
        [[1.0], [2.0]],
        [2.0, 4.0],
        loss=lambda prediction, target: (scale * prediction - target) ** 2,
        optimizer=optimizer,
        epochs=2,
        progress=False,
        record=True,
    )
    assert history.record.names == ["w.0", "b", "optimizer parameter 2"]
    assert history.record.parameters_after(2)[2] == scale.data


def test_a_one_element_output_list_is_judged_as_its_one_number() -> None:
    from nn.train import _is_correct

    assert _is_correct([0.8], 1.0, 0.5) and _is_correct([0.2], 0.0, 0.5)
    assert not _is_correct([0.2], 1.0, 0.5) and not _is_correct([0.8], [0.0], 0.5)


def test_only_numbers_and_one_hot_lists_are_class_labels() -> None:
    from nn.train import _is_label

    assert _is_label(1, 1) and _is_label(2, 3) and _is_label([0, 1, 0], 3)
    for target in (None, {"class": 1}, "1", True, 2.5):
        assert not _is_label(target, None), target
