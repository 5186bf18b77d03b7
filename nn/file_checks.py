"""Checking a model file's contents before anything is built from them.

``nn.load`` reads files that may come from anywhere: a file of 150 bytes can
declare ``MLP(100000, [100000, 1])``, ten billion parameters. So the whole
content is checked first, and a model is built only from a file that passes:

* the structure: exactly the entries ``format``, ``version``,
  ``architecture`` and ``parameters``, each of the right type;
* every parameter: a name and a finite real number that fits in a float;
* the architecture: a known class, and for the library's own classes
  (``Neuron``, ``Layer``, ``MaxoutUnit``, ``Maxout``, ``MLP``,
  ``Sequential``) every entry of its config: sizes are ints from 1 to
  ``MAX_PARAMETERS``, activations and inits are known names, no entry is
  missing or unknown, consecutive layers fit together;
* the sizes against the parameters present: the library's classes declare
  their parameters (a ``Layer(nin, nout)`` has ``nout * (nin + 1)``, named
  ``neurons.<j>.w.<i>`` and ``neurons.<j>.b``), and the file must hold
  exactly those, each missing or unexpected one named in the error. A
  module of your own class is checked once built (its constructor is your
  code, run only when the library's parts fit the file): load files
  holding such modules only from sources you trust;
* upper bounds: ``MAX_FILE_BYTES``, ``MAX_PARAMETERS``, ``MAX_NESTING``
  (modules inside modules) and ``MAX_ITEMS`` (entries of one list).

Any problem is a ``ValueError`` that names it; nothing is built before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from nn.activations import LAYER_ACTIVATIONS, get_activation
from nn.modules import INITS, MODULE_CLASSES, names_mismatch, parameter_value, short_repr

MAX_FILE_BYTES = 128 * 2**20
"""The largest model file ``nn.load`` reads (128 MiB: about two million parameters)."""

MAX_PARAMETERS = 1_000_000
"""The most parameters a model file may hold (a million Values is about 200 MB)."""

MAX_NESTING = 32
"""How deeply modules may sit inside modules (a ``Sequential`` in a ``Sequential``...)."""

MAX_ITEMS = 10_000
"""The most entries of one list in an architecture (layers of a ``Sequential``, ``nouts``)."""

FORMAT = "chainrule-model"
VERSION = 1
ENTRIES = ("format", "version", "architecture", "parameters")


class _Shape:
    """What checking a module spec found: its parameter count and sizes, where known.

    ``None`` means unknown (a class of your own, built before it is counted).
    ``known`` is the number of parameters of its library-built parts.
    """

    def __init__(self, count: int | None, nin: int | None, nout: int | None, known: int) -> None:
        self.count, self.nin, self.nout, self.known = count, nin, nout, known


def check_model_data(data: object) -> None:
    """Raise a ``ValueError`` naming the first problem with a model file's parsed JSON."""
    if not isinstance(data, dict):
        raise ValueError("not a chainrule model (expected a JSON object)")
    if data.get("format") != FORMAT:
        shown = short_repr(data["format"]) if "format" in data else "missing"
        raise ValueError(f"not a chainrule model: format is {shown}, expected {FORMAT!r}")
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        shown = version if type(version) is int and abs(version) < 10**6 else "another"
        raise ValueError(
            f"unsupported {FORMAT} version {shown!r}; this chainrule reads version {VERSION}"
        )
    for key in ENTRIES:
        if key not in data:
            raise ValueError(f"the {key!r} entry is missing")
    unknown = [key for key in data if key not in ENTRIES]
    if unknown:
        raise ValueError(
            f"unknown entry {short_repr(unknown[0])}; a model file has only {', '.join(ENTRIES)}"
        )
    parameters = data["parameters"]
    if not isinstance(parameters, dict):
        raise ValueError("'parameters' must be an object of name: number")
    if len(parameters) > MAX_PARAMETERS:
        raise ValueError(
            f"the file holds {len(parameters)} parameters, more than nn.load accepts "
            f"({MAX_PARAMETERS:,})"
        )
    for name, value in parameters.items():
        parameter_value(name, value)
    architecture = data["architecture"]
    shape = _check_spec(architecture, "the architecture", 1)
    present = len(parameters)
    if shape.known > present + 1000:  # too many to name: the count says it all
        declared = f"{shape.count:,}" if shape.count is not None else f"at least {shape.known:,}"
        raise ValueError(
            f"the architecture declares {declared} parameters but the file holds only "
            f"{present:,}: the weights are not for this architecture"
        )
    if shape.count is not None:  # the library's classes only: every name is known
        names = list(_parameter_names(architecture, ""))
        problem = names_mismatch(architecture["class"], names, parameters)
        if problem is not None:
            raise ValueError(problem)
    elif shape.known > present:
        raise ValueError(
            f"the architecture declares at least {shape.known:,} parameters but the file "
            f"holds {present:,}: the weights are not for this architecture"
        )


# -- the architecture ------------------------------------------------------------------


def _check_spec(spec: object, where: str, depth: int) -> _Shape:
    """Check ``{"class": name, "config": {...}}`` and everything inside it."""
    if depth > MAX_NESTING:
        raise ValueError(f"{where}: modules are nested more than {MAX_NESTING} deep")
    if not isinstance(spec, dict) or set(spec) != {"class", "config"}:
        raise ValueError(f"{where} must be an object with exactly 'class' and 'config' entries")
    name, config = spec["class"], spec["config"]
    if not isinstance(name, str) or name not in MODULE_CLASSES:
        raise ValueError(
            f"{where}: unknown module class {short_repr(name)}; known: "
            f"{', '.join(sorted(MODULE_CLASSES))}"
        )
    if not isinstance(config, dict):
        raise ValueError(f"{where}: the config of a {name} must be an object")
    rule = _LIBRARY_CLASSES.get(name)  # (a class of yours never replaces the library's)
    if rule is None:
        _check_plain(config, f"{where} ({name}) config", depth)
        return _Shape(None, None, None, 0)
    fields, shape_of = rule
    where = f"{where} ({name})"
    missing = [key for key, (_, required) in fields.items() if required and key not in config]
    unknown = [key for key in config if key not in fields]
    if missing or unknown:
        parts = [f"missing {', '.join(map(repr, missing))}"] if missing else []
        parts += [f"unknown {short_repr(unknown[0])}"] if unknown else []
        raise ValueError(f"cannot build {name} from {where}'s config: {'; '.join(parts)}")
    for key, value in config.items():
        check, _ = fields[key]
        check(value, f"{where} config {key!r}")
    return shape_of(config, where, depth)


def _check_plain(value: object, where: str, depth: int) -> None:
    """A config of your own class: JSON values, nested at most ``MAX_NESTING`` deep."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if level > MAX_NESTING:
            raise ValueError(f"{where} is nested more than {MAX_NESTING} deep")
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            if len(item) > MAX_ITEMS:
                raise ValueError(f"{where} has a list of {len(item)} items (at most {MAX_ITEMS})")
            stack.extend((child, level + 1) for child in item)


def _size(value: object, where: str) -> int:
    """A layer size: an int from 1 to ``MAX_PARAMETERS``."""
    if type(value) is not int or not 1 <= value <= MAX_PARAMETERS:
        raise ValueError(
            f"{where} must be an int from 1 to {MAX_PARAMETERS:,}, got {short_repr(value)}"
        )
    return value


def _sizes(value: object, where: str) -> list[int]:
    """A non-empty list of layer sizes (``MLP``'s ``nouts``)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        raise ValueError(f"{where} must be a list of 1 to {MAX_ITEMS} layer sizes")
    return [_size(n, f"{where}[{i}]") for i, n in enumerate(value)]


def _activation(value: object, where: str) -> None:
    """An element-wise activation's name: a built-in one or one registered in this process."""
    if not isinstance(value, str):
        raise ValueError(f"{where}: an activation is a name, got {short_repr(value)}")
    try:
        get_activation(value)  # (only looks the name up: the names of nn.register_activation too)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _layer_activation(value: object, where: str) -> None:
    """A layer's activation: an element-wise one, or ``softmax``."""
    if not (isinstance(value, str) and value in LAYER_ACTIVATIONS):
        _activation(value, where)


def _init(value: object, where: str) -> None:
    """A weight initialisation's name."""
    if not isinstance(value, str) or value not in INITS:
        raise ValueError(
            f"{where}: unknown init {short_repr(value)}; valid names: {', '.join(map(repr, INITS))}"
        )


def _layers(value: object, where: str) -> None:
    """``Sequential``'s list of layer specs (checked with their shapes in ``_sequential``)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        raise ValueError(f"{where} must be a list of 1 to {MAX_ITEMS} module specs")


def _neuron(config: dict[str, Any], where: str, depth: int) -> _Shape:
    count = config["nin"] + 1
    return _Shape(count, config["nin"], 1, count)


def _layer(config: dict[str, Any], where: str, depth: int) -> _Shape:
    count = config["nout"] * (config["nin"] + 1)
    return _Shape(count, config["nin"], config["nout"], count)


def _maxout_unit(config: dict[str, Any], where: str, depth: int) -> _Shape:
    count = config.get("pieces", 2) * (config["nin"] + 1)
    return _Shape(count, config["nin"], 1, count)


def _maxout(config: dict[str, Any], where: str, depth: int) -> _Shape:
    count = config["nout"] * config.get("pieces", 2) * (config["nin"] + 1)
    return _Shape(count, config["nin"], config["nout"], count)


def _mlp(config: dict[str, Any], where: str, depth: int) -> _Shape:
    sizes = [config["nin"], *config["nouts"]]
    count = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    return _Shape(count, sizes[0], sizes[-1], count)


def _sequential(config: dict[str, Any], where: str, depth: int) -> _Shape:
    shapes = [
        _check_spec(spec, f"{where} layer {i}", depth + 1)
        for i, spec in enumerate(config["layers"])
    ]
    known = shapes[0].known  # (a running sum: a stack may have 10,000 layers)
    for i in range(1, len(shapes)):
        before, after = shapes[i - 1].nout, shapes[i].nin
        if before is not None and after is not None and before != after:
            raise ValueError(
                f"{where}: layer {i - 1} has {before} outputs but layer {i} expects {after} inputs"
            )
        known += shapes[i].known
        if known > MAX_PARAMETERS:  # stop early: the sizes alone are too large
            raise ValueError(f"{where}: more than {MAX_PARAMETERS:,} parameters")
    counts = [shape.count for shape in shapes]
    count = None if None in counts else sum(counts)  # type: ignore[arg-type]
    return _Shape(count, shapes[0].nin, shapes[-1].nout, known)


def _parameter_names(spec: dict[str, Any], prefix: str) -> Iterator[str]:
    """The dotted names ``named_parameters()`` gives a library module built from ``spec``.

    (A test checks them against ``named_parameters()`` for every library class.)
    """
    name, config = spec["class"], spec["config"]
    if name == "Sequential":
        for i, layer in enumerate(config["layers"]):
            yield from _parameter_names(layer, f"{prefix}layers.{i}.")
        return
    nin = config["nin"]
    if name == "MLP":
        sizes = [nin, *config["nouts"]]
        for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
            layer = {"class": "Layer", "config": {"nin": fan_in, "nout": fan_out}}
            yield from _parameter_names(layer, f"{prefix}layers.{i}.")
    elif name == "Neuron":
        yield from (f"{prefix}w.{i}" for i in range(nin))
        yield f"{prefix}b"
    elif name in ("Layer", "MaxoutUnit"):
        count = config["nout"] if name == "Layer" else config.get("pieces", 2)
        for j in range(count):
            neuron = {"class": "Neuron", "config": {"nin": nin}}
            yield from _parameter_names(neuron, f"{prefix}neurons.{j}.")
    else:  # Maxout
        unit = {"class": "MaxoutUnit", "config": {"nin": nin, "pieces": config.get("pieces", 2)}}
        for j in range(config["nout"]):
            yield from _parameter_names(unit, f"{prefix}units.{j}.")


Check = Callable[[object, str], object]
Fields = dict[str, tuple[Check, bool]]  # key: (check, required)

_INIT = (_init, False)
_LIBRARY_CLASSES: dict[str, tuple[Fields, Callable[[dict[str, Any], str, int], _Shape]]] = {
    "Neuron": ({"nin": (_size, True), "activation": (_activation, False), "init": _INIT}, _neuron),
    "Layer": (
        {
            "nin": (_size, True),
            "nout": (_size, True),
            "activation": (_layer_activation, False),
            "init": _INIT,
        },
        _layer,
    ),
    "MaxoutUnit": ({"nin": (_size, True), "pieces": (_size, False), "init": _INIT}, _maxout_unit),
    "Maxout": (
        {"nin": (_size, True), "nout": (_size, True), "pieces": (_size, False), "init": _INIT},
        _maxout,
    ),
    "MLP": (
        {
            "nin": (_size, True),
            "nouts": (_sizes, True),
            "activation": (_activation, False),
            "output_activation": (_layer_activation, False),
            "init": _INIT,
        },
        _mlp,
    ),
    "Sequential": ({"layers": (_layers, True)}, _sequential),
}
"""The library's classes: their config entries (check, required) and their shape."""
