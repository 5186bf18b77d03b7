"""chainrule's neural-network library: neurons, layers, losses and optimizers on engine Values.

>>> import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> y = model([1.0, 2.0])
>>> y.backward()
>>> len(model.parameters())
17
"""

from nn.activations import ACTIVATIONS, LAYER_ACTIVATIONS, get_activation
from nn.modules import (
    MLP,
    Layer,
    Maxout,
    MaxoutUnit,
    Module,
    Neuron,
    Sequential,
    init_limit,
    module_from_spec,
)
from nn.softmax import log_softmax, softmax

__all__ = [
    "ACTIVATIONS",
    "LAYER_ACTIVATIONS",
    "MLP",
    "Layer",
    "Maxout",
    "MaxoutUnit",
    "Module",
    "Neuron",
    "Sequential",
    "get_activation",
    "init_limit",
    "log_softmax",
    "module_from_spec",
    "softmax",
]
