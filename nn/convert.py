r"""The bridge to PyTorch: the same network as a ``torch.nn.Sequential``.

A chainrule ``Layer`` of ``nout`` neurons on ``nin`` inputs is, in matrix
form, PyTorch's ``Linear(nin, nout)`` followed by an activation:

$$a = f(W x + b), \qquad W_{ji} = \text{layer.neurons}[j]\text{.w}[i], \quad
b_j = \text{layer.neurons}[j]\text{.b}.$$

``to_torch(model)`` builds that stack with the very same weights in
float64, so both libraries compute the same outputs (and the same
gradients) to rounding error. It is the way to check chainrule against an
industrial library, and the first step from scalars to tensors.

torch is imported only inside ``to_torch``: chainrule never needs it.

Activation by activation:

================  ==========================================================
chainrule         torch module
================  ==========================================================
``linear``        none (the ``Linear`` alone)
``relu``          ``ReLU()``
``leaky_relu``    ``LeakyReLU(0.01)``
``elu``           ``ELU(alpha=1.0)``
``sigmoid``       ``Sigmoid()``
``tanh``          ``Tanh()``
``softplus``      ``Softplus()`` (PyTorch returns $z$ itself for $z > 20$, a
                  difference below $2.1 \times 10^{-9}$)
``silu``          ``SiLU()``
``hard_sigmoid``  ``Hardsigmoid()``
``dsilu``         ``DSiLU()``, defined here: $\sigma(z)(1 + z(1 - \sigma(z)))$
``step``          ``Step()``, defined here: 0 for $z < 0$ else 1, gradient 0
``sign``          ``SignStep()``, defined here: $-1$ for $z < 0$ else 1, gradient 0
                  (``torch.sign`` would give 0 at $z = 0$)
``softmax``       ``Softmax(dim=-1)``
================  ==========================================================

A ``Maxout`` layer becomes ``MaxoutLayer``, defined here: one ``Linear``
computing every piece, then the maximum over each unit's pieces. (Where
pieces tie, PyTorch sends the whole gradient to one of them, chainrule
shares it; the outputs are the same.) A custom activation function cannot
be translated and is a ``ValueError``, unless it was registered with
``nn.register_activation(name, fn, torch=...)``, whose ``torch`` factory
makes its module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from nn.activations import TORCH_FACTORIES

_INSTALL_HINT = (
    "to_torch needs PyTorch: pip install torch (CPU build: "
    "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
)


def _import_torch() -> Any:
    """``torch``, or an ``ImportError`` that says how to install it."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return torch


@lru_cache(maxsize=1)
def torch_modules() -> dict[str, type]:
    """The small ``torch.nn.Module`` classes that PyTorch lacks, built once torch is imported.

    ``Step``, ``SignStep``, ``DSiLU`` and ``MaxoutLayer``, by name.
    """
    torch = _import_torch()

    class _ZeroGradient(torch.autograd.Function):
        """A piecewise-constant function of ``z``: its gradient is 0 everywhere."""

        @staticmethod
        def forward(ctx: Any, z: Any, low: float) -> Any:
            return torch.where(z < 0, torch.full_like(z, low), torch.ones_like(z))

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            return torch.zeros_like(grad_output), None

    class Step(torch.nn.Module):
        """Binary step: 0 for $z < 0$, else 1; gradient 0 (as chainrule's ``Value.step``)."""

        def forward(self, z: Any) -> Any:
            return _ZeroGradient.apply(z, 0.0)

    class SignStep(torch.nn.Module):
        """Sign step: $-1$ for $z < 0$, else 1; gradient 0 (as chainrule's ``Value.sign``)."""

        def forward(self, z: Any) -> Any:
            return _ZeroGradient.apply(z, -1.0)

    class DSiLU(torch.nn.Module):
        r"""dSiLU, the derivative of SiLU, as an activation.

        $\sigma(z)\,(1 + z\,(1 - \sigma(z)))$, computed as chainrule's ``Value.dsilu``.
        """

        def forward(self, z: Any) -> Any:
            s = torch.sigmoid(z)
            return s * (1 + z * (1 - s))

    class MaxoutLayer(torch.nn.Module):
        r"""``nout`` maxout units of ``pieces`` pieces: $a_j = \max_k (W_{jk} x + b_{jk})$.

        ``linear`` computes all $nout \cdot pieces$ pieces; row $j \cdot pieces + k$
        is piece $k$ of unit $j$.
        """

        def __init__(self, nin: int, nout: int, pieces: int) -> None:
            super().__init__()
            self.nout, self.pieces = nout, pieces
            self.linear = torch.nn.Linear(nin, nout * pieces, dtype=torch.float64)

        def forward(self, x: Any) -> Any:
            z = self.linear(x)
            return z.unflatten(-1, (self.nout, self.pieces)).amax(dim=-1)

        def extra_repr(self) -> str:
            return f"nout={self.nout}, pieces={self.pieces}"

    return {"Step": Step, "SignStep": SignStep, "DSiLU": DSiLU, "MaxoutLayer": MaxoutLayer}


def _activation_module(activation: object, where: str) -> Any:
    """The torch module for a chainrule activation name (``None`` for ``linear``)."""
    torch = _import_torch()
    extra = torch_modules()
    builders = {
        "linear": lambda: None,
        "relu": torch.nn.ReLU,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
        "elu": lambda: torch.nn.ELU(alpha=1.0),
        "sigmoid": torch.nn.Sigmoid,
        "tanh": torch.nn.Tanh,
        "softplus": torch.nn.Softplus,
        "silu": torch.nn.SiLU,
        "hard_sigmoid": torch.nn.Hardsigmoid,
        "dsilu": extra["DSiLU"],
        "step": extra["Step"],
        "sign": extra["SignStep"],
        "softmax": lambda: torch.nn.Softmax(dim=-1),
    }
    if isinstance(activation, str) and activation in TORCH_FACTORIES:  # register_activation
        return _registered_module(activation, where, torch)
    if not isinstance(activation, str) or activation not in builders:  # pragma: no mutate (and)
        name = getattr(activation, "__name__", repr(activation))
        raise ValueError(
            f"{where}: the activation {name!r} has no PyTorch equivalent here; to_torch "
            f"translates the named activations {', '.join(map(repr, builders))}, and "
            "activations registered with nn.register_activation(name, fn, torch=...)"
        )
    return builders[activation]()


def _registered_module(name: str, where: str, torch: Any) -> Any:
    """The torch module of an activation given to ``register_activation`` with ``torch=``."""
    factory = TORCH_FACTORIES[name]
    if factory is None:
        raise ValueError(
            f"{where}: the activation {name!r} was registered without a torch module; to "
            f"convert it, register it with one: nn.register_activation({name!r}, fn, "
            "torch=lambda: torch.nn.GELU()) (the torch module computing the same function)"
        )
    module = factory()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"{where}: torch= of the activation {name!r} returned a {type(module).__name__}, "
            "not a torch.nn.Module; give a function returning one, e.g. lambda: torch.nn.GELU()"
        )
    return module


def _linear(neurons: list[Any], where: str) -> Any:
    """A float64 ``Linear`` whose row ``j`` holds ``neurons[j].w`` and whose bias holds ``.b``."""
    torch = _import_torch()
    nin = len(neurons[0].w)
    linear = torch.nn.Linear(nin, len(neurons), dtype=torch.float64)
    _copy_into(linear, neurons, where)
    return linear


def _copy_into(linear: Any, neurons: list[Any], where: str) -> None:
    """Copy the neurons' weights and biases into ``linear`` (row ``j`` = neuron ``j``)."""
    torch = _import_torch()
    rows = [[w.data for w in neuron.w] for neuron in neurons]
    if len({len(row) for row in rows}) != 1:
        raise ValueError(f"{where}: the neurons of a layer need the same number of inputs")
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(rows, dtype=torch.float64))
        linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))


def _convert_layer(layer: Any, where: str) -> list[Any]:
    """The torch modules for one chainrule layer-like module (a stack inside a stack: flattened)."""
    from nn.modules import Layer, Maxout, MaxoutUnit, Neuron, Sequential

    if isinstance(layer, Sequential):
        return [
            module
            for i, inner in enumerate(layer.layers)
            for module in _convert_layer(inner, f"{where}, layer {i} ({type(inner).__name__})")
        ]
    if isinstance(layer, Layer):
        modules = [_linear(layer.neurons, where)]
        activation = _activation_module(layer.activation, where)
    elif isinstance(layer, Neuron):
        modules = [_linear([layer], where)]  # pragma: no mutate (one neuron: never ragged)
        activation = _activation_module(layer.activation, where)
    elif isinstance(layer, Maxout | MaxoutUnit):
        units = layer.units if isinstance(layer, Maxout) else [layer]
        maxout = torch_modules()["MaxoutLayer"](layer.nin, len(units), layer.num_pieces)
        pieces = [piece for unit in units for piece in unit.neurons]
        _copy_into(maxout.linear, pieces, where)
        return [maxout]
    else:
        raise TypeError(
            f"{where}: to_torch cannot translate a {type(layer).__name__}; it knows "
            "Layer, Neuron, Maxout and MaxoutUnit (and Sequential/MLP stacks of them)"
        )
    return modules if activation is None else [*modules, activation]


def to_torch(model: Any) -> Any:
    """An equivalent ``torch.nn.Sequential`` holding a float64 copy of ``model``'s weights.

    ``model`` is an ``MLP`` or ``Sequential``, stacks inside it included
    (or a single ``Layer``, ``Neuron`` or ``Maxout``). The copy is independent: training one does
    not change the other. The torch model returns a tensor with a last
    dimension of size ``nout``, also when chainrule would return one Value.

    >>> import torch
    >>> from nn.modules import MLP
    >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
    >>> net = to_torch(model)
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> x = [0.5, -1.5]
    >>> abs(net(torch.tensor(x, dtype=torch.float64)).item() - model(x).data) < 1e-12
    True

    Raises ``ImportError`` (with the install command) without torch,
    ``ValueError`` for a custom activation function and ``TypeError`` for a
    module it does not know.
    """
    torch = _import_torch()
    from nn.modules import Sequential

    layers = model.layers if isinstance(model, Sequential) else [model]
    modules: list[Any] = []
    for i, layer in enumerate(layers):
        modules.extend(_convert_layer(layer, f"layer {i} ({type(layer).__name__})"))
    return torch.nn.Sequential(*modules)


__all__ = ["to_torch", "torch_modules"]
