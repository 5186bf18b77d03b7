r"""Worked examples 2 and 6 (see WORKED_EXAMPLES.md), built from engine Values only.

* Example 2, a perceptron: $2 \cdot 1 + 3 \cdot 1 = 5$ and
  $2 \cdot 0.5 + 3 \cdot 0.5 = 2.5$, exactly; $\partial\,\text{out} / \partial w_i = x_i$.
* Example 6, networks that multiply: one step neuron computes
  $b_1 b_2 b_3$ for bits; four softplus neurons compute $x y$ with an error
  that shrinks like $u^2$.

Plus the example at the top of ``engine/__init__.py``.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from engine import Value, central_difference, weighted_sum

# -- example 2: a perceptron -------------------------------------------------------


@pytest.mark.parametrize(("weight", "expected"), [(1.0, 5.0), (0.5, 2.5)])
def test_perceptron(weight: float, expected: float) -> None:
    w = [Value(weight, label="w1"), Value(weight, label="w2")]
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    out = weighted_sum(w, x)  # no activation, bias 0
    assert out.data == expected  # exact: every product and sum is a float
    out.backward()
    assert [wi.grad for wi in w] == [2.0, 3.0]  # d out / d w_i = x_i
    assert [xi.grad for xi in x] == [weight, weight]  # d out / d x_i = w_i


def test_perceptron_with_number_inputs_and_plain_arithmetic() -> None:
    w1, w2 = Value(0.5), Value(0.5)
    out = w1 * 2 + w2 * 3  # the same neuron written out by hand
    out.backward()
    assert out.data == 2.5
    assert (w1.grad, w2.grad) == (2.0, 3.0)
    out2 = weighted_sum([w1, w2], [2, 3])
    assert out2.data == 2.5 and out2.op == "w·x+b"


# -- example 6: a step neuron multiplies three bits ----------------------------------------


@pytest.mark.parametrize("bits", list(itertools.product((0, 1), repeat=3)))
def test_step_neuron_multiplies_three_bits(bits: tuple[int, int, int]) -> None:
    w = [Value(1.0) for _ in range(3)]
    b = Value(-2.5)
    out = weighted_sum(w, bits, b).step()  # 1 only when b1 + b2 + b3 = 3 > 2.5
    assert out.data == bits[0] * bits[1] * bits[2]
    out.backward()
    assert [wi.grad for wi in w] == [0.0, 0.0, 0.0]  # a step passes no gradient
    assert b.grad == 0.0


# -- example 6: four softplus neurons multiply two numbers ----------------------------------


def softplus_second_derivative_at_zero() -> float:
    """$s''(0)$ for softplus: $s' = \\sigma$, so $s''(0) = \\sigma'(0) = 1/4$, by the engine."""
    zero = Value(0.0)
    zero.sigmoid().backward()
    return zero.grad


# Computed once, outside any no_grad() (central_difference evaluates under no_grad).
S2 = softplus_second_derivative_at_zero()


def four_neuron_product(x: Value, y: Value, u: float) -> Value:
    r"""$[s(u(x+y)) + s(-u(x+y)) - s(u(x-y)) - s(-u(x-y))] / (4 u^2 s''(0))$ with $s$ = softplus.

    Four hidden neurons with weights $\pm u$ on $(x, y)$ and no bias, then
    an output neuron with weights $\pm 1 / (4 u^2 s''(0))$.
    """
    hidden_weights = [(u, u), (-u, -u), (u, -u), (-u, u)]
    hidden = [weighted_sum([Value(a), Value(b)], [x, y]).softplus() for a, b in hidden_weights]
    c = 1.0 / (4.0 * u * u * S2)
    return weighted_sum([Value(c), Value(c), Value(-c), Value(-c)], hidden)


POINTS = [(1.0, 2.0), (-0.5, 1.5), (0.3, -0.7), (2.0, 2.0), (-1.2, -0.4)]
SCALES = [0.1, 0.05, 0.025]


def test_softplus_second_derivative_is_a_quarter() -> None:
    assert S2 == 0.25


@pytest.mark.parametrize(("x", "y"), POINTS)
def test_four_softplus_neurons_multiply(x: float, y: float) -> None:
    errors = [four_neuron_product(Value(x), Value(y), u).data - x * y for u in SCALES]
    # Taylor: s(z) + s(-z) = 2 s(0) + s''(0) z^2 + s''''(0) z^4 / 12 + ..., with
    # s''''(0) = -1/8 for softplus, so the error is -u^2 x y (x^2 + y^2) / 12 + O(u^4).
    for u, error in zip(SCALES, errors, strict=True):
        leading = -u * u * x * y * (x * x + y * y) / 12.0
        assert math.isclose(error, leading, rel_tol=0.02)
    # halving u divides the error by about 4
    for finer, coarser in itertools.pairwise(errors):
        assert finer / coarser == pytest.approx(4.0, abs=0.05)


@pytest.mark.parametrize(("x", "y"), POINTS)
def test_four_softplus_neurons_gradient(x: float, y: float) -> None:
    # d(x y)/dx = y and d(x y)/dy = x, approached with the same u^2 rate
    x_errors, y_errors = [], []
    for u in SCALES:
        vx, vy = Value(x), Value(y)
        out = four_neuron_product(vx, vy, u)
        out.backward()
        x_errors.append(vx.grad - y)
        y_errors.append(vy.grad - x)
        numeric = central_difference(lambda a, b, u=u: four_neuron_product(a, b, u), [x, y], 0)
        assert math.isclose(vx.grad, numeric, rel_tol=1e-6, abs_tol=1e-6)
    # the derivatives of the leading error term -u^2 (x^3 y + x y^3) / 12
    u = SCALES[-1]
    assert math.isclose(x_errors[-1], -u * u * (3 * x * x * y + y**3) / 12.0, rel_tol=0.02)
    assert math.isclose(y_errors[-1], -u * u * (x**3 + 3 * x * y * y) / 12.0, rel_tol=0.02)
    for errors in (x_errors, y_errors):
        for coarser, finer in itertools.pairwise(errors):
            assert coarser / finer == pytest.approx(4.0, abs=0.1)


# -- the example in engine/__init__.py ------------------------------------------------------


def test_package_docstring_example() -> None:
    x = Value(3.0, label="x")
    y = (x * x + 1).tanh()
    y.backward()
    assert y.data == math.tanh(10.0)
    # the engine's formula, (1 - tanh^2(x^2 + 1)) * 2x, exactly as printed in the docstring
    assert x.grad == 4.9467687279758366e-08
    assert x.grad == (1.0 - math.tanh(10.0) ** 2) * 6.0
    # The true value is 6 / cosh^2(10). 1 - tanh^2 cancels: tanh(10) is
    # within 1e-8 of 1, so its rounding error (1e-16) becomes a relative
    # error of about 1e-8 in the slope. PyTorch uses the same formula and
    # its tanh(10) differs from math.tanh(10) in the last bit, hence rel 1e-8.
    assert math.isclose(x.grad, 6.0 / math.cosh(10.0) ** 2, rel_tol=3e-8)
    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (t * t + 1).tanh().backward()
    assert math.isclose(x.grad, t.grad.item(), rel_tol=1e-8)
    # The saturated tanh changes by only ~5e-14 across 2 eps, so the central
    # difference keeps about four digits.
    numeric = central_difference(lambda v: (v * v + 1).tanh(), [3.0], 0)
    assert math.isclose(x.grad, numeric, rel_tol=1e-3)
