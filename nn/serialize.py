"""Saving a model to a file and loading it back: ``model.save(path)``, ``nn.load(path)``.

The file is JSON, readable in any text editor::

    {
      "format": "chainrule-model",
      "version": 1,
      "architecture": {"class": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...}},
      "parameters": {"layers.0.neurons.0.w.0": 0.6888437030500962, ...}
    }

* ``architecture`` is the model's class and its ``get_config()``; a
  ``Sequential`` lists each layer the same way, so any stack can be rebuilt.
* ``parameters`` holds every weight and bias by its dotted name
  (``Module.named_parameters()``). Python writes floats with ``repr``, the
  shortest text that reads back as the same float, so a loaded model gives
  bit-for-bit the same outputs.

Saving is atomic: the JSON goes to a temporary file in the same folder,
which is flushed to disk and then renamed over the target in one step
(``os.replace``). A crash half-way leaves the old file untouched. Saving
through a symbolic link updates the file the link points to (the link
stays); a new file gets the usual permissions (the umask applies), a file
saved over keeps its own.

Loading reads files from anywhere: ``nn.file_checks`` checks a file's whole
content before anything is built.

>>> import os, tempfile
>>> from nn.modules import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> model.save(path)
>>> copy = load(path)
>>> copy([1.0, 2.0]).data == model([1.0, 2.0]).data
True
"""

from __future__ import annotations

import json
import math
import os
import secrets
from typing import Any

from nn.activations import activation_name, registered_name
from nn.file_checks import FORMAT, MAX_FILE_BYTES, VERSION, check_model_data
from nn.modules import Module, _check_registered, module_from_spec, short_repr


def _unsaveable(config: object, where: str) -> str | None:
    """A description of the first value in ``config`` that JSON cannot hold, or ``None``."""
    stack: list[tuple[str, object]] = [(where, config)]
    while stack:
        place, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((f"{place}.{key}", value) for key, value in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{place}[{i}]", value) for i, value in enumerate(item))
        elif callable(item):
            name = registered_name(getattr(item, "__wrapped__", item))
            fix = (
                f"build the model with activation={name!r}, the name it is registered under"
                if name
                else "register it with nn.register_activation('a_name', fn) and build the "
                "model with activation='a_name'"
            )
            return (
                f"{place} is the function {activation_name(item)!r}; only named activations "
                f"(e.g. 'relu', 'tanh'; see nn.ACTIVATIONS) can be saved: {fix}"
            )
        elif not (item is None or isinstance(item, (str, int, float, bool))):
            return f"{place} is a {type(item).__name__}, which JSON cannot store"
    return None


def to_dict(model: Module) -> dict[str, Any]:
    """The model as the JSON-able dict that ``save`` writes."""
    if not isinstance(model, Module):
        raise TypeError(f"save expects an nn Module, got {type(model).__name__}")
    _check_registered(model, "this model")
    config = model.get_config()
    problem = _unsaveable(config, type(model).__name__)
    if problem is not None:
        raise ValueError(f"cannot save this model: {problem}")
    parameters = model.state_dict()
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise ValueError(
                f"cannot save this model: parameter {name} is {value} (JSON has no nan or inf, "
                "and such a model could not be used); train again with a lower learning rate"
            )
    return {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"class": type(model).__name__, "config": config},
        "parameters": parameters,
    }


def from_dict(data: object, source: str = "model data") -> Module:
    """Rebuild a model from ``to_dict``'s output; a ``ValueError`` naming ``source`` if wrong.

    Everything is checked before anything is built (``nn.file_checks``): a
    file cannot make ``load`` build a model larger than the parameters it
    holds, or nest deeper than ``MAX_NESTING``.
    """
    try:
        check_model_data(data)
        model = module_from_spec(data["architecture"])  # type: ignore[index]
        model.load_state_dict(data["parameters"])  # type: ignore[index]
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from error
    return model


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON, atomically (temp file, fsync, ``os.replace``).

    * A new file gets the permissions any new file gets (``0o666`` less the
      umask, as ``open(path, "w")`` gives); a file saved over keeps its own.
    * A symbolic link is followed: the file it points to is replaced, and the
      link stays a link to it (as ``open(path, "w")`` writes through a link).
    * The temporary file has a short name of its own in the target's folder,
      so a target name of any length the system allows works.

    Raises ``ValueError`` (before touching any file) for a model that cannot
    be described in a file, e.g. one built with a function as activation or
    with a ``nan`` weight; ``FileNotFoundError``/``IsADirectoryError`` when
    ``path`` is in a folder that does not exist or is itself a folder; and
    ``PermissionError`` for a read-only file or folder, which is left as it is.
    """
    data = to_dict(model)
    path = os.path.expanduser(os.fspath(path))  # "~/model.json" means the home folder
    target = os.path.realpath(path)  # through symbolic links: the file actually written
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise IsADirectoryError(
            f"cannot save to {path}: it is a folder; give a file name inside it, "
            f"e.g. {os.path.join(path, 'model.json')}"
        )
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot save to {path}: the folder {folder} does not exist; "
            f"create it first with os.makedirs({folder!r}, exist_ok=True)"
        )
    existing_mode = _mode_of(target)
    if existing_mode is not None and not os.access(target, os.W_OK):
        raise PermissionError(f"cannot save to {path}: the file is read-only, and is left as it is")
    handle, temp_path = _new_temp_file(folder, path)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:  # pragma: no mutate (ASCII JSON)
            if existing_mode is not None:
                os.chmod(temp_path, existing_mode)
            json.dump(data, file, indent=1, allow_nan=False)  # pragma: no mutate (None: false)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_path, target)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
    _fsync_folder(folder)


def _new_temp_file(folder: str, path: str) -> tuple[int, str]:
    """A new, empty file ``.chainrule-<random>.tmp`` in ``folder``: its descriptor and path.

    Created with mode ``0o666``, from which the system takes the umask away,
    as for any new file; ``O_EXCL`` makes sure it is a new file of our own.
    """
    binary = getattr(os, "O_BINARY", 0)  # pragma: no mutate (Windows only; 0 elsewhere)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | binary
    for _ in range(100):
        temp_path = os.path.join(folder, f".chainrule-{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp_path, flags, 0o666), temp_path
        except FileExistsError:
            continue
        except PermissionError:
            raise PermissionError(
                f"cannot save to {path}: the folder {folder} is not writable"
            ) from None
    raise FileExistsError(f"cannot save to {path}: no free temporary name in {folder}")


def _mode_of(path: str) -> int | None:
    """The permission bits of the existing file at ``path``, or ``None`` if there is none."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


def _fsync_folder(folder: str) -> None:
    """Flush the folder entry of the renamed file to disk, where the OS allows it (POSIX)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def load(path: str | os.PathLike[str]) -> Module:
    """Read a model written by ``save``: same architecture, bit-for-bit the same weights.

    The file may come from anywhere: its whole content is checked before a
    model is built (see ``nn.file_checks``). Raises ``FileNotFoundError``
    for a missing file and ``ValueError`` naming the path and the problem
    for anything else: a file larger than ``MAX_FILE_BYTES``, not valid
    JSON (or nested too deeply to read, or with a key given twice), not a
    chainrule model, of another version, or whose architecture and
    parameters do not fit each other or the limits.
    """
    path = os.path.expanduser(os.fspath(path))
    with open(path, "rb") as file:
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(
            f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB, which no chainrule model "
            "file is (nn.load reads at most that)"
        )
    try:
        text = raw.decode("utf-8")  # pragma: no mutate ("UTF-8" names the same codec)
        data = json.loads(text, object_pairs_hook=_object_without_repeats)
    except _RepeatedKey as error:
        raise ValueError(f"{path}: {error}") from None
    except RecursionError:
        raise ValueError(f"{path}: not a chainrule model file (JSON nested too deeply)") from None
    except ValueError as error:  # bad UTF-8, bad JSON, an int of more than 4300 digits
        raise ValueError(f"{path}: not a chainrule model file (invalid JSON: {error})") from None
    return from_dict(data, path)


class _RepeatedKey(ValueError):
    """A JSON object with the same key twice: which value is meant is anyone's guess."""


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``dict(pairs)`` for ``json.loads``, refusing a key given twice (JSON keeps the last)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise _RepeatedKey(
            f"the key {short_repr(repeated)} appears twice in one JSON object; "
            "a model file gives each name once"
        )
    return data
