"""Softmax and the losses: values and gradients vs PyTorch float64, stability, errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from engine import Value, gradcheck
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mae,
    mse,
    rmse,
    sse,
)
from nn.softmax import log_softmax, softmax


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


# -- softmax ------------------------------------------------------------------------------


def test_softmax_and_log_softmax_match_torch_with_gradients() -> None:
    import torch

    logits = [0.3, -1.2, 2.5, 0.0]
    weights = [1.0, -2.0, 0.5, 3.0]  # d(sum w_i s_i)/dz exercises every cross term
    for ours_fn, torch_fn in (
        (softmax, lambda z: torch.softmax(z, dim=0)),
        (log_softmax, lambda z: torch.log_softmax(z, dim=0)),
    ):
        z = [Value(v) for v in logits]
        out = ours_fn(z)
        sum(w * o for w, o in zip(weights, out, strict=True)).backward()
        zt = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        out_t = torch_fn(zt)
        (torch.tensor(weights, dtype=torch.float64) * out_t).sum().backward()
        assert all(close(o.data, t) for o, t in zip(out, out_t.tolist(), strict=True))
        assert all(close(v.grad, g) for v, g in zip(z, zt.grad.tolist(), strict=True))


def test_softmax_is_stable_at_plus_minus_1000() -> None:
    z = [Value(1000.0), Value(-1000.0), Value(999.0)]
    probs = softmax(z)
    assert all(math.isfinite(p.data) for p in probs)
    assert probs[1].data == 0.0
    assert close(probs[0].data, 1 / (1 + math.exp(-1)))
    probs[0].backward()
    s0, s2 = probs[0].data, probs[2].data
    assert close(z[0].grad, s0 * (1 - s0)) and close(z[2].grad, -s0 * s2)
    assert z[1].grad == 0.0
    logs = log_softmax([1000.0, -1000.0])
    assert [v.data for v in logs] == [0.0, -2000.0]


def test_softmax_gradient_passes_gradcheck() -> None:
    assert gradcheck(lambda a, b, c: softmax([a, b, c])[1], [0.5, -0.3, 1.7])
    assert gradcheck(lambda a, b, c: log_softmax([a, b, c])[2], [0.5, -0.3, 1.7])


def test_softmax_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        softmax([])
    with pytest.raises(TypeError, match="wrap it in a list"):
        softmax(3.0)  # type: ignore[arg-type]


# -- regression losses vs torch -------------------------------------------------------------

PREDICTIONS = [0.5, -1.25, 2.0, 0.75]
TARGETS = [1.0, -1.0, 0.5, 0.75]


def _torch_check(ours_fn, torch_fn, predictions, targets) -> None:
    """Value and d loss / d prediction against torch float64."""
    import torch

    ps = [Value(p) for p in predictions]
    loss = ours_fn(ps, targets)
    loss.backward()
    pt = torch.tensor(predictions, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(targets, dtype=torch.float64)
    loss_t = torch_fn(torch, pt, tt)
    loss_t.backward()
    assert isinstance(loss, Value)
    assert close(loss.data, loss_t.item())
    for p, g in zip(ps, pt.grad.tolist(), strict=True):
        assert close(p.grad, g)


def test_mse_sse_rmse_mae_match_torch() -> None:
    _torch_check(mse, lambda t, p, y: t.nn.functional.mse_loss(p, y), PREDICTIONS, TARGETS)
    _torch_check(
        sse, lambda t, p, y: t.nn.functional.mse_loss(p, y, reduction="sum"), PREDICTIONS, TARGETS
    )
    _torch_check(rmse, lambda t, p, y: t.nn.functional.mse_loss(p, y).sqrt(), PREDICTIONS, TARGETS)
    _torch_check(mae, lambda t, p, y: t.nn.functional.l1_loss(p, y), PREDICTIONS, TARGETS)


def test_binary_cross_entropies_match_torch() -> None:
    probabilities = [0.9, 0.2, 0.6, 0.35]
    targets = [1.0, 0.0, 0.25, 1.0]  # soft targets too
    _torch_check(
        binary_cross_entropy,
        lambda t, p, y: t.nn.functional.binary_cross_entropy(p, y),
        probabilities,
        targets,
    )
    logits = [2.5, -0.3, 0.0, -4.0]
    _torch_check(
        binary_cross_entropy_with_logits,
        lambda t, p, y: t.nn.functional.binary_cross_entropy_with_logits(p, y),
        logits,
        targets,
    )


def test_hinge_matches_micrograds_formula_and_torch() -> None:
    scores = [0.5, -2.0, 1.5, -0.25]
    labels = [1, 1, 1, -1]
    _torch_check(hinge, lambda t, s, y: t.relu(1 - y * s).mean(), scores, labels)
    # micrograd's demo: sum((1 + -yi*scorei).relu()) / len
    expected = sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels, strict=True)) / 4
    assert close(hinge(scores, labels).data, expected)


def test_cross_entropy_matches_torch_single_and_batch() -> None:
    import torch

    batch = [[0.3, -1.2, 2.5], [1.0, 1.0, -3.0], [-0.5, 0.25, 0.0]]
    targets = [2, 0, 1]
    values = [[Value(v) for v in row] for row in batch]
    loss = cross_entropy(values, targets)
    loss.backward()
    zt = torch.tensor(batch, dtype=torch.float64, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(zt, torch.tensor(targets))
    loss_t.backward()
    assert close(loss.data, loss_t.item())
    for row, grads in zip(values, zt.grad.tolist(), strict=True):
        assert all(close(v.grad, g) for v, g in zip(row, grads, strict=True))
    # one example: -log softmax(z)_y, gradient softmax - one_hot
    z = [Value(v) for v in batch[0]]
    single = cross_entropy(z, 2)
    single.backward()
    probs = [p.data for p in softmax(batch[0])]
    assert close(single.data, -math.log(probs[2]))
    assert all(close(v.grad, p - (i == 2)) for i, (v, p) in enumerate(zip(z, probs, strict=True)))


def test_cross_entropies_are_stable_for_huge_logits() -> None:
    z = [Value(1000.0), Value(-1000.0)]
    loss = cross_entropy(z, 1)
    loss.backward()
    assert loss.data == 2000.0
    assert z[0].grad == 1.0 and z[1].grad == -1.0
    x = Value(-1000.0)
    bce = binary_cross_entropy_with_logits(x, 1.0)
    bce.backward()
    assert bce.data == 1000.0 and x.grad == -1.0
    assert binary_cross_entropy_with_logits(1000.0, 1.0).data == 0.0


# -- conventions ------------------------------------------------------------------------------


def test_batch_convention_is_the_mean_of_per_example_losses() -> None:
    predictions = [[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]]
    targets = [[0.0, 4.0], [0.0, 1.0], [3.0, 1.0]]
    per_example_sse = [5.0, 1.0, 4.0]
    assert sse(predictions, targets).data == sum(per_example_sse) / 3
    assert mse(predictions, targets).data == sum(s / 2 for s in per_example_sse) / 3
    assert close(rmse(predictions, targets).data, math.sqrt(10 / 6))
    assert mae(predictions, targets).data == (1 + 2 + 0 + 1 + 0 + 2) / 6
    # a flat list is summed by sse (micrograd's loss), averaged by mse
    assert sse([1.0, 2.0], [0.0, 0.0]).data == 5.0
    assert mse([1.0, 2.0], [0.0, 0.0]).data == 2.5
    # one bare prediction and target
    assert mse(Value(3.0), 1.0).data == 4.0
    assert nn.mse is mse and nn.LOSSES["cross_entropy"] is cross_entropy


def test_rmse_at_zero_error_has_zero_gradient() -> None:
    p = Value(2.0)
    loss = rmse([p], [2.0])
    loss.backward()
    assert loss.data == 0.0 and p.grad == 0.0


def test_binary_cross_entropy_skips_zero_weight_terms() -> None:
    p = Value(1.0)
    loss = binary_cross_entropy([p], [1.0])  # ln(1 - p) would be ln 0; weight is 0
    loss.backward()
    assert loss.data == 0.0 and p.grad == -1.0


# -- errors -------------------------------------------------------------------------------------


def test_loss_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        mse([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        mse([], [])
    with pytest.raises(TypeError, match="mixes numbers and lists"):
        mse([1.0, [2.0]], [1.0, [2.0]])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must be a number"):
        mae("ab", "cd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="out of range for 3 classes"):
        cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(TypeError, match="class index"):
        cross_entropy([1.0, 2.0], 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one class index per example"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0]], [1])
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        hinge([0.5], [0])
    with pytest.raises(ValueError, match="targets must lie in"):
        binary_cross_entropy([0.5], [2.0])
    with pytest.raises(ValueError, match="probabilities in"):
        binary_cross_entropy([1.5], [1.0])
    with pytest.raises(ValueError, match="infinite loss.*with_logits"):
        binary_cross_entropy([0.0], [1.0])


@pytest.mark.parametrize(
    "probability, target",
    [(1.0, 0.0), (1.0, 0.5), (1.0, 0.999), (0.0, 1.0), (0.0, 0.5), (0.0, 0.001)],
)
def test_bce_probability_saturated_on_the_wrong_side_is_an_infinite_loss_error(
    probability, target
) -> None:
    """p = 1 with a target below 1 (or p = 0 with a target above 0) costs ln 0 = -inf: the
    error says so and points to the logits version, never a bare math error or an inf."""
    from nn.losses import InfiniteLossError

    with pytest.raises(InfiniteLossError, match=r"infinite loss; use binary_cross_entropy_with"):
        binary_cross_entropy([probability], [target])
    assert math.isfinite(binary_cross_entropy([probability], [1.0 if probability else 0.0]).data)


def test_numpy_inputs_are_accepted() -> None:
    import numpy as np

    assert cross_entropy([[1.0, 2.0], [0.5, 0.0]], np.array([1, 0])).data == (
        cross_entropy([[1.0, 2.0], [0.5, 0.0]], [1, 0]).data
    )
    assert (
        cross_entropy(np.array([1.0, 2.0]), np.int64(1)).data == cross_entropy([1.0, 2.0], 1).data
    )
    assert mse(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]], dtype=np.float32)).data == 2.5


# -- central differences and properties ---------------------------------------------------------


@pytest.mark.parametrize(
    "loss",
    [
        lambda a, b, c: mse([a, b, c], [0.5, -1.0, 2.0]),
        lambda a, b, c: sse([[a, b], [c, a]], [[1.0, 0.0], [0.0, 1.0]]),
        lambda a, b, c: rmse([a, b, c], [0.5, -1.0, 2.0]),
        lambda a, b, c: mae([a, b, c], [0.5, -1.0, 2.0]),
        lambda a, b, c: binary_cross_entropy([a.sigmoid(), b.sigmoid()], [1.0, 0.3]) * c,
        lambda a, b, c: binary_cross_entropy_with_logits([a, b, c], [1.0, 0.0, 0.6]),
        lambda a, b, c: cross_entropy([[a, b, c], [c, b, a]], [0, 2]),
        lambda a, b, c: hinge([a, b, c], [1, -1, 1]),
    ],
)
def test_loss_gradients_pass_gradcheck(loss) -> None:
    assert gradcheck(loss, [0.3, -0.45, 1.2])


finite = st.floats(min_value=-50, max_value=50, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=6), st.floats(min_value=-900, max_value=900))
def test_softmax_sums_to_one_and_ignores_shifts(logits: list[float], shift: float) -> None:
    probs = [p.data for p in softmax(logits)]
    assert math.isclose(sum(probs), 1.0, rel_tol=1e-12)
    shifted = [p.data for p in softmax([z + shift for z in logits])]
    for a, b in zip(probs, shifted, strict=True):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=2, max_size=6), st.data())
def test_cross_entropy_gradient_is_softmax_minus_one_hot(logits: list[float], data) -> None:
    target = data.draw(st.integers(min_value=0, max_value=len(logits) - 1))
    z = [Value(v) for v in logits]
    loss = cross_entropy(z, target)
    loss.backward()
    assert loss.data >= 0.0
    probs = [p.data for p in softmax(logits)]
    for i, (v, p) in enumerate(zip(z, probs, strict=True)):
        assert math.isclose(v.grad, p - (i == target), rel_tol=1e-9, abs_tol=1e-12)
    assert abs(sum(v.grad for v in z)) < 1e-12


@pytest.mark.parametrize("name", sorted(nn.LOSSES))
def test_every_loss_docstring_states_its_batch_convention(name: str) -> None:
    """The issue asks each loss to document what is summed and what is averaged."""
    doc = nn.LOSSES[name].__doc__ or ""
    assert "mean" in doc.lower(), name
    assert "batch" in doc.lower() or "over all" in doc.lower(), name


def test_rmse_of_a_batch_is_the_root_of_the_batch_mse() -> None:
    import torch

    predictions = [[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]]
    targets = [[0.0, 4.0], [0.0, 1.0], [3.0, 1.0]]
    theirs = torch.sqrt(
        torch.nn.MSELoss()(
            torch.tensor(predictions, dtype=torch.float64),
            torch.tensor(targets, dtype=torch.float64),
        )
    )
    assert close(rmse(predictions, targets).data, theirs.item())


def test_a_string_target_is_not_a_batch_of_indices() -> None:
    with pytest.raises(TypeError, match="class index \\(int\\), got str: 'a'"):
        cross_entropy([1.0, 2.0], "a")  # type: ignore[arg-type]


def test_cross_entropy_needs_a_list_of_logits() -> None:
    with pytest.raises(TypeError, match="one score per class.*binary_cross_entropy_with_logits"):
        cross_entropy(Value(0.5), 0)  # a one-output model's prediction
    with pytest.raises(ValueError, match="logits are empty"):
        cross_entropy([], 0)


def test_sse_of_a_batch_is_the_mean_of_each_examples_sum() -> None:
    assert sse([1.0, 2.0], [0.0, 4.0]).data == 5.0
    assert sse([[1.0, 2.0], [0.0, 0.0]], [[0.0, 4.0], [0.0, 1.0]]).data == 3.0  # (5 + 1) / 2
    assert sse([[1.0, 2.0]], [[0.0, 4.0]]).data == 5.0


@pytest.mark.parametrize(
    "loss, name",
    [
        (sse, "sse"),
        (mae, "mae"),
        (nn.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits"),
    ],
)
def test_shape_errors_name_the_loss(loss, name) -> None:
    with pytest.raises(ValueError, match=f"^{name}: predictions and targets differ in shape"):
        loss([0.5, 0.5], [1.0])


def test_binary_cross_entropy_takes_value_targets_and_is_zero_when_certain_and_right() -> None:
    assert binary_cross_entropy([0.0, 1.0], [0.0, 1.0]).data == 0.0
    p = Value(0.8)
    loss = binary_cross_entropy([p], [Value(1.0)])
    assert loss.data == pytest.approx(-math.log(0.8))
    loss.backward()
    assert p.grad == pytest.approx(-1 / 0.8)
    with pytest.raises(
        ValueError, match=r"^binary_cross_entropy: targets must lie in \[0, 1\], got 1\.5$"
    ):
        binary_cross_entropy([0.5], [Value(1.5)])
    with pytest.raises(ValueError, match="^binary_cross_entropy: predictions and targets differ"):
        binary_cross_entropy([0.5, 0.5], [1.0])


def test_rmse_gradient_is_zero_where_the_squared_error_underflows() -> None:
    """(1e-200)^2 is 0.0 in floats: the loss is 0 and, as documented, so is the gradient."""
    p = Value(1e-200)
    loss = rmse([p], [0.0])
    loss.backward()
    assert loss.data == 0.0 and p.grad == 0.0
