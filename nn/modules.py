r"""Neurons, layers and networks, built from engine Values.

The names follow micrograd, so micrograd code runs unchanged:
``MLP(2, [16, 16, 1])`` is a network with two ReLU hidden layers of 16
neurons and one linear output; ``model.layers[0].neurons[3].w[1]`` is a
weight (a ``Value``); ``model.parameters()`` lists every weight and bias.

A **neuron** with weights $w_1, \dots, w_n$ and bias $b$ computes

$$z = \sum_{i=1}^{n} w_i x_i + b, \qquad a = f(z),$$

with $\partial z / \partial w_i = x_i$, $\partial z / \partial x_i = w_i$,
$\partial z / \partial b = 1$ and $\partial a / \partial z = f'(z)$.
The sum is one graph node (``engine.weighted_sum``), so a forward pass
makes two nodes per neuron: fast to run and readable in a graph picture.

A **layer** is a list of neurons that all read the same inputs; an
**MLP** (a ``Sequential`` stack) feeds each layer's outputs to the next.

>>> import random
>>> model = MLP(2, [3, 1], rng=random.Random(0))
>>> model
MLP(
  (0): Layer(2, 3, activation='relu')
  (1): Layer(3, 1, activation='linear')
)
>>> [name for name, _ in model.named_parameters()][:3]
['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b']
>>> len(model.parameters())  # 3 * (2 + 1) + 1 * (3 + 1)
13
>>> y = model([1.0, -2.0])  # one output: a Value
>>> y.backward()
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any

from engine import Constant, Value, maximum, weighted_sums
from nn.activations import LAYER_ACTIVATIONS, Activation, activation_name, get_activation
from nn.data import random_source
from nn.softmax import softmax

Number = int | float
Inputs = Sequence[Value | Number] | Value | Number

#: Weight initialisations by name (biases always start at 0).
INITS: tuple[str, ...] = ("uniform", "xavier", "glorot", "he")

#: Every Module subclass by class name, so a saved architecture can be rebuilt.
MODULE_CLASSES: dict[str, type[Module]] = {}


# -- helpers ----------------------------------------------------------------


def _check_size(n: object, what: str) -> int:
    """``n`` (an int or numpy integer) as a positive int, or an error naming ``what``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n}")
    return int(n)


def _make_rng(rng: random.Random | None, seed: int | None) -> random.Random:
    """The random source for initial weights.

    * ``rng``: that ``random.Random`` (or the ``random`` module itself);
    * ``seed``: a fresh ``random.Random(seed)``;
    * neither: Python's global generator, so ``random.seed(...)`` makes runs reproducible.
    """
    if rng is not None and seed is not None:
        raise ValueError("give either rng= or seed=, not both")
    if seed is not None:
        return random_source(seed)
    if rng is None:
        return random  # type: ignore[return-value]  # the module has the same methods
    if not hasattr(rng, "uniform"):
        raise TypeError(
            f"rng must be a random.Random (or the random module), got {type(rng).__name__}"
        )
    return rng


def _micrograd_nonlin(activation: str | Activation, nonlin: object, who: str) -> str | Activation:
    """The activation for micrograd's ``nonlin=`` keyword: True is ReLU, False is linear.

    ``nonlin=None`` (not given) keeps ``activation``; giving both is an error.
    """
    if nonlin is None:
        return activation
    if nonlin is not True and nonlin is not False:
        raise TypeError(
            f"{who}: nonlin must be True or False (micrograd's keyword), got {nonlin!r}"
        )
    if activation != "relu":
        raise ValueError(
            f"{who}: give either activation= or micrograd's nonlin= (True is 'relu', "
            f"False is 'linear'), not both; got activation={activation!r}, nonlin={nonlin!r}"
        )
    return "relu" if nonlin else "linear"


def init_limit(init: str, fan_in: int, fan_out: int = 1) -> float:
    r"""The half-width $a$ of the uniform range $[-a, a]$ the initial weights are drawn from.

    * ``"uniform"``: $a = 1$ (micrograd's choice);
    * ``"xavier"`` / ``"glorot"``: $a = \sqrt{6 / (n_\text{in} + n_\text{out})}$, which keeps
      the variance of signals roughly constant through tanh/sigmoid layers
      (``torch.nn.init.xavier_uniform_``);
    * ``"he"``: $a = \sqrt{6 / n_\text{in}}$, the same for ReLU layers, which
      zero half their inputs (``torch.nn.init.kaiming_uniform_`` with ReLU gain).

    >>> init_limit("xavier", 4, 2)
    1.0
    """
    if init == "uniform":
        return 1.0
    if init in ("xavier", "glorot"):
        return math.sqrt(6.0 / (fan_in + fan_out))
    if init == "he":
        return math.sqrt(6.0 / fan_in)
    raise ValueError(f"unknown init {init!r}; valid names: {', '.join(map(repr, INITS))}")


def _as_input_list(x: Inputs, nin: int, who: str) -> list[Value | Number]:
    """The inputs as a list of length ``nin`` (a bare number or Value counts as one input)."""
    if isinstance(x, (Value, numbers.Real)):
        items: list[Value | Number] = [x]  # type: ignore[list-item]
    elif isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(
            f"{who} expects a list of {nin} inputs (numbers or Values), "
            f"got {type(x).__name__}: {x!r}"
        )
    else:
        items = list(x)
    if len(items) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(items)}")
    return items


def _as_value_list(x: Inputs, nin: int, who: str) -> list[Value]:
    """Like ``_as_input_list`` but numbers become constant leaves once, shared by every neuron."""
    if type(x) is list and len(x) == nin and all(map(isinstance, x, repeat(Value))):
        return x  # the common case, a layer's outputs (checked in one C-level pass)
    items = _as_input_list(x, nin, who)
    try:
        return [v if isinstance(v, Value) else Constant(v) for v in items]
    except TypeError:
        rejected = [v for v in items if not isinstance(v, (Value, numbers.Real))]
        if not rejected:
            raise  # a number the engine rejects: its own message says why
        bad = rejected[0]
        hint = ""
        if hasattr(bad, "__len__") and not isinstance(bad, (str, bytes)):
            hint = (
                "; a model takes one example at a time: for a list of examples use "
                "[model(x) for x in X] or nn.predict(model, X)"
            )
        raise TypeError(
            f"{who} inputs must be numbers or Values, got {type(bad).__name__}: {bad!r}{hint}"
        ) from None


def _pre_activations(neurons: Sequence[Neuron], inputs: Sequence[Value]) -> list[Value]:
    """Each neuron's $z = w \\cdot x + b$ on the same inputs, already checked to be Values.

    One ``weighted_sums`` call for all of them: the inputs' numbers are read once.
    """
    try:
        return weighted_sums([n.w for n in neurons], inputs, [n.b for n in neurons], validate=False)
    except (AttributeError, TypeError):  # a weight or a bias replaced by a plain number
        parameters = [p for n in neurons for p in (*n.w, n.b)]
        kinds = sorted({type(p).__name__ for p in parameters if not isinstance(p, Value)})
        raise TypeError(
            f"a Neuron's w must be a list of Values and b a Value, found {', '.join(kinds)}; "
            "to set a weight by hand, set its data: neuron.w[0].data = 2.0"
        ) from None


def _neuron_outputs(neurons: Sequence[Neuron], inputs: Sequence[Value]) -> list[Value]:
    """Each neuron's $f(w \\cdot x + b)$ on the same inputs, already checked to be Values."""
    pre_activations = _pre_activations(neurons, inputs)
    return [neuron._activate(z) for neuron, z in zip(neurons, pre_activations)]


def _unwrap(outputs: list[Value]) -> Value | list[Value]:
    """One output as a Value, several as a list (micrograd's convention)."""
    return outputs[0] if len(outputs) == 1 else outputs


# -- the base class ------------------------------------------------------------


class Module:
    """Anything with parameters: a neuron, a layer, a network.

    Parameters are found by walking the public attributes in the order they
    were set: a ``Value`` is a parameter, a ``Module`` contributes its own,
    and a list is walked item by item (its index becomes part of the name).
    So ``Neuron.w[1]`` is named ``w.1`` and, inside an MLP,
    ``layers.0.neurons.1.w.1``, the same path you would type to reach it.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register every subclass by name in ``MODULE_CLASSES`` (so ``nn.load`` can rebuild it).

        A class of your own named like one of the library's (say, ``Layer``
        written as an exercise) does not replace it: loading a saved model
        still builds the library's class, and saving yours is a clear error.
        A class redefined in a notebook cell replaces its earlier version.
        """
        super().__init_subclass__(**kwargs)
        registered = MODULE_CLASSES.get(cls.__name__)
        if registered is None or registered.__module__ != __name__:
            MODULE_CLASSES[cls.__name__] = cls

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """Run the module on ``x``: a Value when there is one output, else a list."""
        return _unwrap(self.forward(x))

    def forward(self, x: Inputs) -> list[Value]:
        """The outputs as a list (always a list, even for one output)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def __repr__(self) -> str:
        count = self.num_parameters()
        return f"{type(self).__name__}({count} parameter{'' if count == 1 else 's'})"

    # -- parameters -----------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. ``("layers.0.neurons.1.b", b)``.

        A depth-first walk with an explicit stack, in attribute order. Each
        parameter is listed once, under the first name that reaches it, as in
        PyTorch: a weight shared by two modules (tied weights) is one
        parameter, trained once per step. A module or list reached a second
        time (a layer used twice, a child that refers back to its parent) is
        not walked again.
        """
        found: list[tuple[str, Value]] = []
        listed: set[Value] = set()
        walked: set[int] = set()  # ids of the modules and lists already walked
        stack: list[tuple[str, object]] = [("", self)]
        while stack:
            name, item = stack.pop()
            if isinstance(item, Value):
                if item not in listed:
                    listed.add(item)
                    found.append((name, item))
                continue
            if id(item) in walked:
                continue
            walked.add(id(item))
            if isinstance(item, Module):
                children = [
                    (key, child) for key, child in vars(item).items() if not key.startswith("_")
                ]
            elif isinstance(item, (list, tuple)):
                children = [(str(i), child) for i, child in enumerate(item)]
            else:
                continue  # pragma: no mutate (unreachable: only the kinds below are pushed)
            prefix = f"{name}." if name else ""
            # push in reverse so that the first child is popped (and listed) first
            for key, child in reversed(children):
                if isinstance(child, (Value, Module, list, tuple)):
                    stack.append((prefix + key, child))
        return found

    def parameters(self) -> list[Value]:
        """Every weight and bias, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients accumulate across ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many numbers the model learns."""
        return len(self.named_parameters())

    def state_dict(self) -> dict[str, float]:
        """``{dotted name: value}`` for every parameter: the numbers a saved model stores."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Number]) -> None:
        """Set every parameter from ``{dotted name: number}``; the names must match exactly.

        Each value may be any finite real number: an int, a float, a numpy
        scalar, a ``Fraction``. Raises ``ValueError`` naming missing or
        unexpected names, or a value that is not a finite real number (or is
        too large for a float). Nothing is changed unless everything matches.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict expects a dict of name: number (from state_dict()), "
                f"got {type(state).__name__}"
            )
        params = dict(self.named_parameters())
        problem = names_mismatch(type(self).__name__, params, state)
        if problem is not None:
            raise ValueError(problem)
        values = {name: parameter_value(name, number) for name, number in state.items()}
        for name, p in params.items():
            p.data = values[name]

    # -- saving -----------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's architecture (not its weights)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        """A new module built from ``get_config()``'s output (weights drawn from a private RNG).

        A private ``random.Random(0)`` keeps loading a model from disturbing
        the global random state; ``nn.load`` then overwrites every weight.
        """
        return _build(cls, config)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and every weight to a JSON file (see ``nn.serialize``)."""
        from nn.serialize import save

        save(self, path)


# -- neurons and layers ------------------------------------------------------


class Neuron(Module):
    r"""One neuron: $a = f\left(\sum_i w_i x_i + b\right)$.

    ``w`` is a list of ``nin`` weight Values, drawn from $U(-a, a)$ (see
    ``init_limit``); ``b`` is the bias Value, starting at 0.0; ``activation``
    is a name from ``nn.ACTIVATIONS`` or a function Value -> Value.
    micrograd's ``Neuron(nin, nonlin=True)`` works too: ``nonlin=True`` is
    ReLU, ``nonlin=False`` linear.

    >>> n = Neuron(2, activation="linear", rng=random.Random(0))
    >>> n.w[0].data, n.w[1].data = 0.5, 0.5
    >>> n([2.0, 3.0]).data  # the average of 2 and 3
    2.5
    """

    def __init__(
        self,
        nin: int,
        activation: str | Activation = "relu",
        init: str = "uniform",
        rng: random.Random | None = None,
        *,
        seed: int | None = None,
        fan_out: int = 1,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _check_size(nin, "Neuron nin")
        activation = _micrograd_nonlin(activation, nonlin, "Neuron")
        self.activation = activation  # checked (and looked up) by the setter below
        limit = init_limit(init, nin, fan_out)
        source = _make_rng(rng, seed)
        self.w = [Value(source.uniform(-limit, limit)) for _ in range(nin)]
        self.b = Value(0.0)
        self.init = init

    @property
    def activation(self) -> str | Activation:
        """The activation's name (or function); setting it takes effect on the next call."""
        return self._activation

    @activation.setter
    def activation(self, activation: str | Activation) -> None:
        self._activate = get_activation(activation)
        self._activation = activation

    def __call__(self, x: Inputs) -> Value:
        """The neuron's output $f(w \\cdot x + b)$ as one Value."""
        (output,) = _neuron_outputs([self], _as_value_list(x, self.nin, "Neuron"))
        return output

    def forward(self, x: Inputs) -> list[Value]:
        """``[self(x)]``."""
        return [self(x)]

    @property
    def nout(self) -> int:
        """A neuron has one output."""
        return 1

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={activation_name(self.activation)!r})"


class Layer(Module):
    r"""``nout`` neurons reading the same ``nin`` inputs: $a_j = f(\sum_i w_{ji} x_i + b_j)$.

    ``activation="softmax"`` makes a classifier's output layer: linear
    neurons, then a softmax over the whole layer (``nn.softmax``). micrograd's
    ``Layer(nin, nout, nonlin=False)`` works too (``nonlin=True`` is ReLU).

    >>> layer = Layer(3, 2, activation="softmax", rng=random.Random(0))
    >>> probs = layer([1.0, 2.0, 3.0])
    >>> round(sum(p.data for p in probs), 12)
    1.0
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Activation = "relu",
        init: str = "uniform",
        rng: random.Random | None = None,
        *,
        seed: int | None = None,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _check_size(nin, "Layer nin")
        self.nout = _check_size(nout, "Layer nout")
        activation = _micrograd_nonlin(activation, nonlin, "Layer")
        source = _make_rng(rng, seed)
        self.neurons = [Neuron(nin, "linear", init, source, fan_out=nout) for _ in range(nout)]
        self.activation = activation  # the setter gives every neuron its activation
        self.init = init

    @property
    def activation(self) -> str | Activation:
        """The layer's activation; setting it sets every neuron's (linear for softmax)."""
        return self._activation

    @activation.setter
    def activation(self, activation: str | Activation) -> None:
        whole_layer = isinstance(activation, str) and activation in LAYER_ACTIVATIONS
        for neuron in self.neurons:
            neuron.activation = "linear" if whole_layer else activation
        self._activation = activation

    def forward(self, x: Inputs) -> list[Value]:
        """Every neuron's output on the same inputs (then softmax, for a softmax layer)."""
        inputs = _as_value_list(x, self.nin, "Layer")
        outputs = _neuron_outputs(self.neurons, inputs)
        if self.activation == "softmax":
            return softmax(outputs)
        return outputs

    def get_config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "init": self.init,
        }

    def __repr__(self) -> str:
        name = activation_name(self.activation)
        return f"Layer({self.nin}, {self.nout}, activation={name!r})"


class MaxoutUnit(Module):
    r"""One maxout unit: the largest of ``pieces`` linear neurons, $\max_k (w_k \cdot x + b_k)$.

    The gradient flows only into the winning piece (shared equally on a tie).
    """

    def __init__(
        self,
        nin: int,
        pieces: int = 2,
        init: str = "uniform",
        rng: random.Random | None = None,
        *,
        seed: int | None = None,
        fan_out: int = 1,
    ) -> None:
        self.nin = _check_size(nin, "MaxoutUnit nin")
        self.num_pieces = _check_size(pieces, "MaxoutUnit pieces")
        source = _make_rng(rng, seed)
        self.neurons = [
            Neuron(nin, "linear", init, source, fan_out=fan_out) for _ in range(self.num_pieces)
        ]
        self.init = init

    def __call__(self, x: Inputs) -> Value:
        """$\\max_k z_k$ over the pieces' weighted sums."""
        inputs = _as_value_list(x, self.nin, "MaxoutUnit")
        return maximum(*_neuron_outputs(self.neurons, inputs))

    def forward(self, x: Inputs) -> list[Value]:
        """``[self(x)]``."""
        return [self(x)]

    @property
    def nout(self) -> int:
        """A maxout unit has one output."""
        return 1

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "pieces": self.num_pieces, "init": self.init}

    def __repr__(self) -> str:
        return f"MaxoutUnit({self.nin}, pieces={self.num_pieces})"


class Maxout(Module):
    r"""A layer of ``nout`` maxout units, each $\max(w_1 \cdot x + b_1, \dots, w_k \cdot x + b_k)$.

    A maxout layer learns its own piecewise-linear activation; with
    ``pieces=2`` one unit can represent ReLU ($w_2 = 0, b_2 = 0$) or $|x|$.
    Parameter names: ``units.<j>.neurons.<k>.w.<i>``.

    >>> layer = Maxout(1, 1, pieces=2, rng=random.Random(0))
    >>> pieces = layer.units[0].neurons
    >>> pieces[0].w[0].data, pieces[1].w[0].data = 1.0, -1.0  # |x|
    >>> layer([-3.0]).data
    3.0
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        pieces: int = 2,
        init: str = "uniform",
        rng: random.Random | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        self.nin = _check_size(nin, "Maxout nin")
        self.nout = _check_size(nout, "Maxout nout")
        self.num_pieces = _check_size(pieces, "Maxout pieces")
        source = _make_rng(rng, seed)
        self.units = [MaxoutUnit(nin, pieces, init, source, fan_out=nout) for _ in range(nout)]
        self.init = init

    def forward(self, x: Inputs) -> list[Value]:
        """Every unit's output on the same inputs."""
        inputs = _as_value_list(x, self.nin, "Maxout")
        return [unit(inputs) for unit in self.units]

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "pieces": self.num_pieces, "init": self.init}

    def __repr__(self) -> str:
        return f"Maxout({self.nin}, {self.nout}, pieces={self.num_pieces})"


# -- stacks --------------------------------------------------------------------


class Sequential(Module):
    """Layers applied one after another: each layer's outputs are the next layer's inputs.

    Any modules with ``nin``/``nout`` and ``forward`` can be stacked, e.g. a
    maxout layer under a softmax output layer. Consecutive sizes must match.

    >>> model = Sequential(Maxout(2, 4, rng=random.Random(0)),
    ...                    Layer(4, 3, activation="softmax", rng=random.Random(1)))
    >>> model
    Sequential(
      (0): Maxout(2, 4, pieces=2)
      (1): Layer(4, 3, activation='softmax')
    )
    >>> len(model([0.5, -1.0]))
    3
    """

    def __init__(self, *layers: Module) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])  # Sequential([a, b]) works too
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential layer {i} must be a Module (Layer, Maxout, ...), "
                    f"got {type(layer).__name__}"
                )
            if not (hasattr(layer, "nin") and hasattr(layer, "nout")):
                raise TypeError(
                    f"Sequential layer {i} ({type(layer).__name__}) needs nin and nout "
                    "attributes (its numbers of inputs and outputs)"
                )
        for i in range(1, len(layers)):
            before, after = layers[i - 1].nout, layers[i].nin  # type: ignore[attr-defined]
            if before != after:
                raise ValueError(
                    f"layer {i - 1} has {before} outputs but layer {i} expects {after} inputs"
                )
        self.layers = list(layers)

    @property
    def nin(self) -> int:
        """The number of inputs of the first layer."""
        return self.layers[0].nin  # type: ignore[attr-defined, no-any-return]

    @property
    def nout(self) -> int:
        """The number of outputs of the last layer."""
        return self.layers[-1].nout  # type: ignore[attr-defined, no-any-return]

    def forward(self, x: Inputs) -> list[Value]:
        """Feed ``x`` through every layer in turn; the last layer's outputs, as a list."""
        outputs: Any = _as_input_list(x, self.nin, type(self).__name__)
        for layer in self.layers:
            outputs = layer.forward(outputs)
        return outputs

    def get_config(self) -> dict[str, Any]:
        for i, layer in enumerate(self.layers):
            _check_registered(layer, f"layer {i}")
        return {
            "layers": [
                {"class": type(layer).__name__, "config": layer.get_config()}
                for layer in self.layers
            ]
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        """Rebuild every layer from its ``{"class": ..., "config": ...}`` entry."""
        return cls(*(module_from_spec(spec) for spec in config["layers"]))

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}".replace("\n", "\n  ") for i, layer in enumerate(self.layers)]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class MLP(Sequential):
    """A multi-layer perceptron: ``Layer``s of sizes ``nouts`` on ``nin`` inputs.

    Hidden layers use ``activation`` (ReLU by default), the last layer uses
    ``output_activation`` (linear by default: a regression output; use
    ``"sigmoid"`` for one probability or ``"softmax"`` for several classes).
    ``MLP(2, [16, 16, 1])`` is micrograd's model.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Activation = "relu",
        output_activation: str | Activation = "linear",
        init: str = "uniform",
        rng: random.Random | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        _check_size(nin, "MLP nin")
        is_list = hasattr(nouts, "__iter__") and not isinstance(nouts, str)
        given = list(nouts) if is_list else []
        if not given:
            raise ValueError(
                "MLP nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], "
                f"got {nouts!r}"
            )
        nouts = [_check_size(n, "MLP layer size") for n in given]
        source = _make_rng(rng, seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        super().__init__(
            *(
                Layer(
                    sizes[i],
                    sizes[i + 1],
                    activation=output_activation if i == last else activation,
                    init=init,
                    rng=source,
                )
                for i in range(len(nouts))
            )
        )
        self.nouts = nouts
        self._activation = activation
        self.init = init

    @property
    def activation(self) -> str | Activation:
        """The hidden layers' activation; setting it sets every hidden layer's."""
        return self._activation

    @activation.setter
    def activation(self, activation: str | Activation) -> None:
        for layer in self.layers[:-1]:
            layer.activation = activation  # type: ignore[attr-defined]
        self._activation = activation

    @property
    def output_activation(self) -> str | Activation:
        """The last layer's activation; setting it sets that layer's."""
        return self.layers[-1].activation  # type: ignore[attr-defined, no-any-return]

    @output_activation.setter
    def output_activation(self, activation: str | Activation) -> None:
        self.layers[-1].activation = activation  # type: ignore[attr-defined]

    def get_config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "init": self.init,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        """``MLP(**config)``: an MLP is rebuilt from its sizes, not layer by layer."""
        return _build(cls, config)


def names_mismatch(what: str, expected: Iterable[str], given: Iterable[object]) -> str | None:
    """What is missing from ``given`` and unexpected in it, for a ``what``; ``None`` if nothing."""
    wanted, present = set(expected), set(given)
    missing = [name for name in expected if name not in present]
    unexpected = [name for name in given if name not in wanted]
    if not missing and not unexpected:
        return None
    parts = []
    for kind, names in (("missing", missing), ("unexpected", unexpected)):
        if names:
            shown = ", ".join(short_repr(name)[1:-1] if isinstance(name, str) else short_repr(name)
                              for name in names[:5])  # fmt: skip
            parts.append(f"{kind} {len(names)} ({shown}{'...' * (len(names) > 5)})")
    return f"parameters do not match this {what}: {'; '.join(parts)}"


def parameter_value(name: object, number: object) -> float:
    """A parameter's value as a float: any finite real number, else a ``ValueError`` naming it."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise ValueError(
            f"parameter {short_repr(name)} must be a number, got {type(number).__name__}: "
            f"{short_repr(number)}"
        )
    try:
        value = float(number)
    except OverflowError:  # an int beyond the largest float: never print all its digits
        raise ValueError(
            f"parameter {short_repr(name)} is too large for a float (above about 1.8e308)"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"parameter {short_repr(name)} must be a finite number, got {value!r}")
    return value


def short_repr(value: object) -> str:
    """``repr(value)`` cut to 60 characters: a file may hold a name a megabyte long."""
    if isinstance(value, str):
        text = repr(value[:60])
    elif isinstance(value, (list, dict)):
        return f"a {type(value).__name__} of {len(value)} items"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return "a huge int"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_registered(module: Module, where: str) -> None:
    """A ``ValueError`` if ``nn.load`` would rebuild ``module`` as another class of that name."""
    name = type(module).__name__
    registered = MODULE_CLASSES.get(name)
    if registered is not type(module):
        raise ValueError(
            f"cannot describe {where}: loading it would build {registered.__module__}.{name}, "
            f"another class of the same name; give your class another name (or, if you "
            "redefined it in a notebook, make the model again from the new definition)"
        )


def _build(cls: type[Module], config: dict[str, Any]) -> Module:
    """``cls(**config)``, with a private ``rng`` when the constructor takes one."""
    accepts = inspect.signature(cls).parameters
    if "rng" in accepts or any(p.kind is p.VAR_KEYWORD for p in accepts.values()):
        return cls(**config, rng=random.Random(0))  # pragma: no mutate (any fixed seed)
    return cls(**config)


def module_from_spec(spec: dict[str, Any]) -> Module:
    """Build a module from ``{"class": name, "config": get_config()}`` (weights still random).

    Raises ``ValueError`` for an unknown class or a config its constructor rejects.
    """
    if not isinstance(spec, dict) or "class" not in spec or "config" not in spec:
        raise ValueError(f"a module spec needs 'class' and 'config' entries, got {spec!r}")
    name = spec["class"]
    cls = MODULE_CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(
            f"unknown module class {name!r}; known: {', '.join(sorted(MODULE_CLASSES))}"
        )
    config = spec["config"]
    if not isinstance(config, dict):
        raise ValueError(f"the config of a {name} must be a dict, got {type(config).__name__}")
    try:
        return cls.from_config(config)
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(f"cannot build {name} from config {config!r}: {error}") from error
