"""SGD and Adam: step by step against torch.optim in float64, schedules, and validation."""

from __future__ import annotations

import math

import pytest

from engine import Value
from nn.modules import MLP
from nn.optim import SGD, Adam

START = [0.8, -1.5, 0.3, 2.0]
STEPS = 8


def loss_fn(p):
    """A coupled, non-quadratic loss written with ops both Values and torch tensors have."""
    return (
        0.5 * p[0] ** 2
        + 2.0 * p[1] ** 2
        + p[0] * p[1]
        + p[2].tanh()
        + 0.1 * (p[3] - 1.0) ** 4
        + 3.0 * p[1] * p[3]
    )


def _compare_with_torch(make_ours, make_theirs, lr_for_step=None) -> None:
    """Run both optimizers for STEPS steps; parameters must agree to 1e-12 after every step."""
    import torch

    ours = [Value(v) for v in START]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    opt = make_ours(ours)
    opt_t = make_theirs(torch, theirs)
    for step in range(STEPS):
        opt.zero_grad()
        loss_fn(ours).backward()
        opt.step()
        opt_t.zero_grad()
        loss_fn(theirs).backward()
        if lr_for_step is not None:
            for group in opt_t.param_groups:
                group["lr"] = lr_for_step(step)
        opt_t.step()
        for mine, other in zip(ours, theirs, strict=True):
            assert math.isclose(mine.data, other.item(), rel_tol=1e-12, abs_tol=1e-14), step
    assert opt.step_count == STEPS


@pytest.mark.parametrize(
    ("momentum", "weight_decay"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.05), (0.7, 0.01)]
)
def test_sgd_matches_torch(momentum: float, weight_decay: float) -> None:
    _compare_with_torch(
        lambda ps: SGD(ps, lr=0.05, momentum=momentum, weight_decay=weight_decay),
        lambda torch, ps: torch.optim.SGD(
            ps, lr=0.05, momentum=momentum, weight_decay=weight_decay
        ),
    )


@pytest.mark.parametrize(
    ("lr", "betas", "eps", "weight_decay"),
    [
        (0.001, (0.9, 0.999), 1e-8, 0.0),
        (0.1, (0.8, 0.99), 1e-6, 0.0),
        (0.05, (0.5, 0.9), 1e-8, 0.02),
    ],
)
def test_adam_matches_torch(
    lr: float, betas: tuple[float, float], eps: float, weight_decay: float
) -> None:
    _compare_with_torch(
        lambda ps: Adam(ps, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay),
        lambda torch, ps: torch.optim.Adam(
            ps, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=False
        ),
    )


def test_learning_rate_schedules_match_torch() -> None:
    def schedule(t: int) -> float:
        return 0.1 * 0.8**t

    _compare_with_torch(
        lambda ps: SGD(ps, lr=schedule, momentum=0.5),
        lambda torch, ps: torch.optim.SGD(ps, lr=schedule(0), momentum=0.5),
        lr_for_step=schedule,
    )
    _compare_with_torch(
        lambda ps: Adam(ps, lr=schedule),
        lambda torch, ps: torch.optim.Adam(ps, lr=schedule(0), foreach=False),
        lr_for_step=schedule,
    )


def test_schedule_gets_zero_based_step_indices() -> None:
    seen: list[int] = []

    def schedule(t: int) -> float:
        seen.append(t)
        return 0.1

    w = Value(1.0)
    opt = SGD([w], lr=schedule)
    for _ in range(3):
        w.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert math.isclose(w.data, 0.7, rel_tol=1e-15)


def test_plain_sgd_step_is_w_minus_lr_grad() -> None:
    w, b = Value(2.0), Value(-1.0)
    w.grad, b.grad = 0.5, -4.0
    SGD([w, b], lr=0.25).step()
    assert (w.data, b.data) == (2.0 - 0.25 * 0.5, -1.0 + 0.25 * 4.0)


def test_first_adam_step_moves_each_parameter_by_about_lr() -> None:
    params = [Value(1.0), Value(1.0)]
    params[0].grad, params[1].grad = 1e-3, 1e6  # wildly different scales
    Adam(params, lr=0.01).step()
    assert math.isclose(params[0].data, 0.99, rel_tol=1e-6)
    assert math.isclose(params[1].data, 0.99, rel_tol=1e-9)


def test_zero_grad_and_model_as_params() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    opt = Adam(model)  # a model is accepted in place of model.parameters()
    assert opt.params == model.parameters()
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_validation_errors() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="lr must be >= 0.0, got -0.1"):
        SGD([w], lr=-0.1)
    with pytest.raises(ValueError, match="lr must be"):
        Adam([w], lr=math.nan)
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([w], lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0.0, 1.0\), got 1.0"):
        Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam([w], betas=(0.9,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eps must be"):
        Adam([w], eps=-1e-8)
    with pytest.raises(ValueError, match="momentum must be"):
        SGD([w], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="weight_decay must be"):
        SGD([w], lr=0.1, weight_decay=-1.0)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value"):
        SGD([w, 2.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="list of Values"):
        SGD(w, lr=0.1)  # type: ignore[arg-type]
    bad_schedule = SGD([w], lr=lambda t: -1.0)
    with pytest.raises(ValueError, match=r"lr\(0\) must be >= 0.0"):
        bad_schedule.step()


# -- state_dict / load_state_dict: a snapshot of what step() changes --------------------


def run_steps(optimizer, params: list[Value], steps: int) -> None:
    """``steps`` updates on the loss sum of p^2 (dL/dp = 2p)."""
    for _ in range(steps):
        optimizer.zero_grad()
        sum(p * p for p in params).backward()
        optimizer.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.01),
    ],
    ids=["sgd", "adam"],
)
def test_state_dict_snapshot_restores_exactly(make) -> None:
    params = [Value(1.0), Value(-2.0)]
    optimizer = make(params)
    run_steps(optimizer, params, 2)
    snapshot, weights = optimizer.state_dict(), [p.data for p in params]
    assert snapshot["step_count"] == 2
    run_steps(optimizer, params, 3)
    assert optimizer.state_dict() != snapshot  # the snapshot is a copy, not a view
    after_five = [p.data for p in params]
    optimizer.load_state_dict(snapshot)
    for p, w in zip(params, weights, strict=True):
        p.data = w
    run_steps(optimizer, params, 3)
    assert [p.data for p in params] == after_five  # the same three steps again


def test_state_dict_contents() -> None:
    params = [Value(1.0)]
    sgd = SGD(params, lr=0.1, momentum=0.5)
    assert sgd.state_dict() == {"step_count": 0, "momentum_buffers": [None]}
    run_steps(sgd, params, 1)
    assert sgd.state_dict() == {"step_count": 1, "momentum_buffers": [2.0]}
    adam = Adam(params, lr=0.1)
    assert adam.state_dict() == {"step_count": 0, "m": [0.0], "v": [0.0]}


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"step_count": 0}, r"expected the entries \['m', 'step_count', 'v'\]"),
        ({"step_count": -1, "m": [0.0], "v": [0.0]}, "step_count must be an int >= 0"),
        ({"step_count": 1.5, "m": [0.0], "v": [0.0]}, "step_count must be an int >= 0"),
        ({"step_count": 1, "m": [0.0, 1.0], "v": [0.0]}, "m has 2 entries but the optimizer has 1"),
        ({"step_count": 1, "m": [math.nan], "v": [0.0]}, r"m\[0\] must be a finite number"),
        ({"step_count": 1, "m": ["0"], "v": [0.0]}, r"m\[0\] must be a number"),
        ({"step_count": 1, "m": [0.0], "v": [-1.0]}, "v .* must be >= 0"),
        ({"step_count": 1, "m": 0.0, "v": [0.0]}, "m must be a list"),
    ],
)
def test_load_state_dict_refuses_what_does_not_fit_and_changes_nothing(state, message) -> None:
    adam = Adam([Value(1.0)], lr=0.1)
    before = adam.state_dict()
    with pytest.raises(ValueError, match=message):
        adam.load_state_dict(state)
    assert adam.state_dict() == before


def test_load_state_dict_takes_numpy_numbers() -> None:
    np = pytest.importorskip("numpy")
    sgd = SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9)
    sgd.load_state_dict({"step_count": np.int64(3), "momentum_buffers": [np.float64(0.5), None]})
    assert sgd.state_dict() == {"step_count": 3, "momentum_buffers": [0.5, None]}
    assert type(sgd.step_count) is int


def test_defaults_are_pytorchs() -> None:
    """Adam(params) and SGD(params, lr) start from torch.optim's defaults."""
    w = Value(1.0)
    adam = Adam([w])
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (0.001, (0.9, 0.999), 1e-8, 0.0)
    sgd = SGD([w], lr=0.1)
    assert (sgd.momentum, sgd.weight_decay, sgd.step_count) == (0.0, 0.0, 0)
    assert adam.m == adam.v == [0.0] and sgd.momentum_buffers == [None]


def test_repr_names_the_optimizer_its_size_and_rate() -> None:
    params = [Value(1.0), Value(2.0)]
    assert repr(SGD(params, lr=0.1)) == "SGD(2 parameters, lr=0.1)"
    assert repr(Adam(params)) == "Adam(2 parameters, lr=0.001)"


def test_adam_first_step_moves_each_parameter_by_about_lr() -> None:
    """Adam's bias corrections make the first step exactly lr * g / (|g| + eps) in size."""
    w = Value(3.0)
    w.grad = 250.0
    Adam([w], lr=0.01).step()
    assert w.data == pytest.approx(3.0 - 0.01 * 250.0 / (250.0 + 1e-8), rel=1e-15)
    v = Value(3.0)
    v.grad = 1e-9  # tiny gradients: eps matters
    Adam([v], lr=0.01, eps=1e-8).step()
    assert v.data == pytest.approx(3.0 - 0.01 * 1e-9 / (1e-9 + 1e-8), rel=1e-12)


def test_a_weight_decay_or_momentum_of_exactly_one_is_applied() -> None:
    w = Value(2.0)
    w.grad = 0.5
    SGD([w], lr=0.1, weight_decay=1.0).step()  # g = 0.5 + 1.0 * 2 = 2.5
    assert w.data == pytest.approx(2.0 - 0.25, rel=1e-15)
    v = Value(2.0)
    sgd = SGD([v], lr=0.1, momentum=1.0)
    for _ in range(2):
        v.grad = 1.0
        sgd.step()  # buffers 1, then 1 * 1 + 1 = 2
    assert v.data == pytest.approx(2.0 - 0.1 - 0.2, rel=1e-15)
    u = Value(2.0)
    u.grad = 0.0
    Adam([u], lr=0.01, weight_decay=1.0).step()  # g = 2: the first step moves by about lr
    assert u.data == pytest.approx(2.0 - 0.01 * 2.0 / (2.0 + 1e-8), rel=1e-12)


def test_load_state_dict_names_what_does_not_fit_whole() -> None:
    a, b = Value(1.0), Value(2.0)
    sgd, adam = SGD([a, b], lr=0.1, momentum=0.9), Adam([a, b], lr=0.1)

    def refusal(optimizer, state) -> str:
        with pytest.raises((TypeError, ValueError)) as refused:
            optimizer.load_state_dict(state)
        return f"{refused.type.__name__}: {refused.value}"

    assert refusal(sgd, [1]) == "TypeError: load_state_dict expects a dict, got list"
    assert refusal(adam, {"m": [0.0, 0.0]}) == (
        "ValueError: Adam.load_state_dict: expected the entries ['m', 'step_count', 'v'], got ['m']"
    )
    state = sgd.state_dict()
    for buffers, message in [
        ("ab", "momentum_buffers must be a list, got str"),
        ([None, "x"], "momentum_buffers[1] must be a number, got 'x'"),  # after a None: checked
        ([None, math.inf], "momentum_buffers[1] must be a finite number, got inf"),
    ]:
        assert refusal(sgd, {**state, "momentum_buffers": buffers}) == f"ValueError: {message}"
    sgd.load_state_dict({**state, "momentum_buffers": [None, 0.5]})  # None: no buffer yet
    assert sgd.momentum_buffers == [None, 0.5]
    state = adam.state_dict()
    for m, v, message in [
        ([0.0, 0.0], [None, 1.0], "v[0] must be a number, got None"),  # no None in Adam
        ([None, 0.0], [0.0, 1.0], "m[0] must be a number, got None"),
        ([0.0, 0.0], (1.0,), "v has 1 entries but the optimizer has 2 parameters"),
        ([0.0, 0.0], [1.0, -1e-300], "v (the second moments, running means of squares) must be"),
    ]:
        assert refusal(adam, {**state, "m": m, "v": v}).startswith(f"ValueError: {message}")
    adam.load_state_dict({**state, "m": [0.5, -0.5], "v": [0.0, 2.0]})  # 0 is a second moment
    assert (adam.m, adam.v) == ([0.5, -0.5], [0.0, 2.0])
