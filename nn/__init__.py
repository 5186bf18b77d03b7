"""chainrule's neural-network library: neurons, layers, losses and optimizers on engine Values.

>>> import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> optimizer = nn.SGD(model.parameters(), lr=0.1)
>>> loss = nn.mse(model([1.0, 2.0]), 3.0)
>>> loss.backward()
>>> optimizer.step()
"""

from nn import losses
from nn.activations import (
    ACTIVATIONS,
    LAYER_ACTIVATIONS,
    get_activation,
    register_activation,
    unregister_activation,
)
from nn.convert import to_torch
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
from nn.losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mae,
    mse,
    rmse,
    sse,
)
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
from nn.optim import SGD, Adam, Optimizer
from nn.serialize import load, save
from nn.softmax import log_softmax, softmax
from nn.train import History, NonFiniteLossError, accuracy, evaluate, fit, predict
from nn.visualize import draw_network, plot_decision_boundary, plot_history

__all__ = [
    "ACTIVATIONS",
    "LAYER_ACTIVATIONS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "Optimizer",
    "Layer",
    "Maxout",
    "MaxoutUnit",
    "Module",
    "Neuron",
    "Sequential",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "get_activation",
    "hinge",
    "init_limit",
    "load",
    "log_softmax",
    "losses",
    "mae",
    "module_from_spec",
    "register_activation",
    "mse",
    "rmse",
    "save",
    "softmax",
    "sse",
    "unregister_activation",
]

# datasets, training and the PyTorch bridge
__all__ += [
    "CLASS_NAMES",
    "FRUIT_CLASSES",
    "FRUIT_FEATURES",
    "History",
    "NonFiniteLossError",
    "accuracy",
    "evaluate",
    "fit",
    "make_blobs",
    "make_circles",
    "make_fruit",
    "make_moons",
    "make_spiral",
    "make_xor",
    "predict",
    "standardize",
    "to_signed_labels",
    "to_torch",
    "train_val_split",
]

# pictures: network diagrams and training plots
__all__ += ["draw_network", "plot_decision_boundary", "plot_history"]
