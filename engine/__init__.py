"""chainrule's autograd engine: scalar Values and the chain rule.

>>> from engine import Value
>>> x = Value(3.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> x.grad  # d/dx tanh(x^2 + 1) = (1 - tanh^2) * 2x
4.9467687279758366e-08
"""

from engine.backprop import backpropagate, topological_order
from engine.compiler import CompiledStep, CompileError
from engine.compiler import compile as compile  # re-exported, not in __all__ (see below)
from engine.draw import GraphTooLargeError, draw
from engine.explore import explore, step_through
from engine.grad_mode import enable_grad, is_grad_enabled, no_grad
from engine.gradcheck import GradcheckError, central_difference, gradcheck
from engine.page import Page
from engine.paths import PathSum, paths
from engine.stepper import BackwardStep, backward_steps, explain_backward
from engine.value import (
    Constant,
    Value,
    custom_op,
    maximum,
    sum_values,
    weighted_sum,
    weighted_sums,
)

# engine.compile is not in __all__: `from engine import *` must not hide the builtin compile.
__all__ = [
    "BackwardStep",
    "CompileError",
    "CompiledStep",
    "Constant",
    "GradcheckError",
    "GraphTooLargeError",
    "Page",
    "PathSum",
    "Value",
    "backpropagate",
    "backward_steps",
    "central_difference",
    "custom_op",
    "enable_grad",
    "draw",
    "explain_backward",
    "explore",
    "gradcheck",
    "is_grad_enabled",
    "maximum",
    "no_grad",
    "paths",
    "step_through",
    "sum_values",
    "topological_order",
    "weighted_sum",
    "weighted_sums",
]
