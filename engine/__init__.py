"""chainrule's autograd engine: scalar Values and the chain rule.

>>> from engine import Value
>>> x = Value(3.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> x.grad  # d/dx tanh(x^2 + 1) = (1 - tanh^2) * 2x
4.9467687279758366e-08
"""

from engine.backprop import backpropagate, topological_order
from engine.grad_mode import is_grad_enabled, no_grad
from engine.gradcheck import GradcheckError, central_difference, gradcheck
from engine.value import Value, custom_op, maximum, sum_values, weighted_sum

__all__ = [
    "GradcheckError",
    "Value",
    "backpropagate",
    "central_difference",
    "custom_op",
    "gradcheck",
    "is_grad_enabled",
    "maximum",
    "no_grad",
    "sum_values",
    "topological_order",
    "weighted_sum",
]
