"""Saving and loading models: exact round trips, clear errors, and atomic writes."""

from __future__ import annotations

import json
import math
import os
import random
import stat
from pathlib import Path

import pytest

import nn
from engine import Value
from nn import serialize
from nn.modules import MLP, Layer, Maxout, Neuron, Sequential

AWKWARD_FLOATS = [0.1, 1 / 3, -2.0 / 7.0, 1e-300, 5e-324, 1.7976931348623157e308, -0.0, 123456.789]


def _models() -> list[nn.Module]:
    return [
        MLP(2, [16, 16, 1], seed=0),
        MLP(3, [4, 3], activation="tanh", output_activation="softmax", init="xavier", seed=1),
        Sequential(Maxout(2, 4, pieces=3, seed=2), Layer(4, 3, activation="softmax", seed=3)),
        Sequential(MLP(2, [3], activation="sigmoid", seed=4), Layer(3, 1, "elu", seed=5)),
        Layer(3, 2, activation="silu", init="he", seed=6),
        Neuron(4, activation="sigmoid", seed=7),
    ]


@pytest.mark.parametrize("index", range(6))
def test_round_trip_gives_the_same_model_and_outputs(tmp_path: Path, index: int) -> None:
    model = _models()[index]
    for i, p in enumerate(model.parameters()):
        p.data += 0.01 * i  # nonzero biases too
    path = tmp_path / "model.json"
    model.save(path)
    copy = nn.load(path)
    assert type(copy) is type(model)
    assert repr(copy) == repr(model)
    assert copy.get_config() == model.get_config()
    assert copy.state_dict() == model.state_dict()
    assert list(copy.state_dict()) == list(model.state_dict())
    for x in ([0.3, -0.2, 0.9, 1.1][: model.nin], [1.0, 2.0, -3.0, 0.5][: model.nin]):
        a, b = model(x), copy(x)
        a_list = a if isinstance(a, list) else [a]
        b_list = b if isinstance(b, list) else [b]
        assert [v.data for v in a_list] == [v.data for v in b_list]


def test_awkward_floats_round_trip_bit_for_bit(tmp_path: Path) -> None:
    model = MLP(2, [4, 1], seed=0)
    params = model.parameters()
    for p, value in zip(params, AWKWARD_FLOATS, strict=False):
        p.data = value  # floats that a careless writer would round
    model.save(tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json").state_dict()
    for name, value in model.state_dict().items():
        assert loaded[name] == value and math.copysign(1, loaded[name]) == math.copysign(1, value)


def test_file_is_readable_json_with_format_version_and_names(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "m.json"
    nn.save(model, str(path))
    data = json.loads(path.read_text())
    assert data["format"] == "chainrule-model" and data["version"] == 1
    assert data["architecture"] == {"class": "MLP", "config": model.get_config()}
    assert data["parameters"]["layers.1.neurons.0.w.2"] == model.layers[1].neurons[0].w[2].data
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left behind


def test_loading_leaves_the_global_random_state_alone(tmp_path: Path) -> None:
    MLP(2, [8, 1], seed=0).save(tmp_path / "m.json")
    random.seed(9)
    expected = random.random()
    random.seed(9)
    nn.load(tmp_path / "m.json")
    assert random.random() == expected


def test_a_callable_activation_cannot_be_saved(tmp_path: Path) -> None:
    def squash(z):
        return z.tanh()

    model = Sequential(Layer(2, 2, activation=squash, seed=0), Layer(2, 1, seed=1))
    path = tmp_path / "m.json"
    with pytest.raises(ValueError, match="'squash'; only named activations"):
        model.save(path)
    assert not path.exists()
    assert os.listdir(tmp_path) == []


# -- broken files -------------------------------------------------------------------------------


def _saved(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    return path, json.loads(path.read_text())


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data))


def test_corrupt_file_names_the_path(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])  # a truncated write
    with pytest.raises(ValueError, match=r"m\.json: not a chainrule model file \(invalid JSON"):
        nn.load(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(ValueError, match="invalid JSON"):
        nn.load(path)
    path.write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match="expected a JSON object"):
        nn.load(path)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.json")


def test_wrong_format_or_version(tmp_path: Path) -> None:
    path, data = _saved(tmp_path)
    _write(path, {**data, "format": "keras"})
    with pytest.raises(ValueError, match="m.json: not a chainrule model: format is 'keras'"):
        nn.load(path)
    _write(path, {**data, "version": 2})
    with pytest.raises(ValueError, match="unsupported chainrule-model version 2"):
        nn.load(path)
    _write(path, {key: value for key, value in data.items() if key != "parameters"})
    with pytest.raises(ValueError, match="'parameters' entry is missing"):
        nn.load(path)


def test_mismatched_parameters(tmp_path: Path) -> None:
    path, data = _saved(tmp_path)
    params = dict(data["parameters"])
    del params["layers.0.neurons.2.b"]
    _write(path, {**data, "parameters": params})
    with pytest.raises(ValueError, match=r"m.json: parameters do not match.*layers.0.neurons.2.b"):
        nn.load(path)
    params = {**data["parameters"], "layers.2.neurons.0.b": 0.0}
    _write(path, {**data, "parameters": params})
    with pytest.raises(ValueError, match="unexpected 1"):
        nn.load(path)
    params = {**data["parameters"], "layers.0.neurons.0.b": "zero"}
    _write(path, {**data, "parameters": params})
    with pytest.raises(ValueError, match="must be a number"):
        nn.load(path)
    # the architecture says 4 hidden neurons, the weights are for 3
    config = {**data["architecture"]["config"], "nouts": [4, 1]}
    _write(path, {**data, "architecture": {"class": "MLP", "config": config}})
    with pytest.raises(ValueError, match="missing"):
        nn.load(path)


def test_unknown_class_or_bad_config(tmp_path: Path) -> None:
    path, data = _saved(tmp_path)
    _write(path, {**data, "architecture": {"class": "Transformer", "config": {}}})
    with pytest.raises(ValueError, match="unknown module class 'Transformer'"):
        nn.load(path)
    _write(path, {**data, "architecture": {"class": "MLP", "config": {"nin": 2, "size": 3}}})
    with pytest.raises(ValueError, match="cannot build MLP"):
        nn.load(path)
    config = {**data["architecture"]["config"], "activation": "swish"}
    _write(path, {**data, "architecture": {"class": "MLP", "config": config}})
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.load(path)


# -- atomic writes ---------------------------------------------------------------------------------


def test_crash_while_writing_leaves_the_old_file_intact(tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.json"
    old = MLP(2, [3, 1], seed=0)
    old.save(path)
    before = path.read_bytes()

    def dump_half_then_crash(data, file, **kwargs):
        file.write(json.dumps(data)[:40])
        raise OSError("disk full")

    monkeypatch.setattr(serialize.json, "dump", dump_half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]  # the half-written temp file is gone
    assert nn.load(path).state_dict() == old.state_dict()


def test_crash_at_rename_leaves_the_old_file_intact(tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    before = path.read_bytes()

    def crash(src, dst):
        raise KeyboardInterrupt  # even an interrupt cleans up

    monkeypatch.setattr(serialize.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


class Shift(nn.Module):
    """A user-defined module without an rng argument: y_i = x_i + c."""

    def __init__(self, n: int) -> None:
        self.nin = self.nout = n
        self.c = Value(0.0)

    def forward(self, x):
        return [xi + self.c for xi in x]

    def get_config(self):
        return {"n": self.nin}


def test_user_defined_modules_round_trip(tmp_path: Path) -> None:
    model = Sequential(Layer(2, 2, seed=0), Shift(2))
    model.layers[1].c.data = 0.25
    model.save(tmp_path / "m.json")
    copy = nn.load(tmp_path / "m.json")
    assert isinstance(copy.layers[1], Shift) and copy.layers[1].c.data == 0.25
    assert [v.data for v in copy([1.0, 2.0])] == [v.data for v in model([1.0, 2.0])]


# -- paths and values a file cannot hold ------------------------------------------------------


def test_saving_into_a_missing_folder_or_onto_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(FileNotFoundError, match=r"folder .*folder does not exist.*os\.makedirs"):
        model.save(missing / "m.json")
    with pytest.raises(IsADirectoryError, match=r"it is a folder.*model\.json"):
        model.save(tmp_path)
    assert os.listdir(tmp_path) == []  # no temp file left behind


def test_a_tilde_path_means_the_home_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    model = MLP(2, [3, 1], seed=0)
    model.save("~/m.json")
    assert (tmp_path / "m.json").exists()
    assert nn.load("~/m.json").state_dict() == model.state_dict()


def test_non_finite_weights_are_refused_on_save_and_on_load(tmp_path: Path) -> None:
    path, data = _saved(tmp_path)
    before = path.read_bytes()
    broken = MLP(2, [3, 1], seed=1)
    broken.layers[1].neurons[0].b.data = math.nan
    with pytest.raises(ValueError, match=r"parameter layers\.1\.neurons\.0\.b is nan"):
        broken.save(path)
    assert path.read_bytes() == before  # the good file is untouched
    assert os.listdir(tmp_path) == ["m.json"]
    # a file edited by hand to hold Infinity (Python's json reads it) is refused, by name
    text = json.dumps({**data, "parameters": {**data["parameters"], "layers.0.neurons.1.b": 1.0}})
    path.write_text(text.replace('"layers.0.neurons.1.b": 1.0', '"layers.0.neurons.1.b": Infinity'))
    with pytest.raises(ValueError, match=r"m\.json: parameter 'layers\.0\.neurons\.1\.b' must"):
        nn.load(path)


def test_a_user_class_named_like_a_library_class_does_not_hijack_loading(tmp_path: Path) -> None:
    saved = Sequential(Maxout(2, 3, seed=0), nn.Layer(3, 2, activation="softmax", seed=1))
    saved.save(tmp_path / "library.json")

    class Layer(nn.Module):  # a student's own Layer, written as an exercise
        def __init__(self, nin: int, nout: int) -> None:
            self.nin, self.nout = nin, nout
            self.w = [Value(1.0) for _ in range(nin * nout)]

        def forward(self, x):
            return list(x)[: self.nout]

        def get_config(self):
            return {"nin": self.nin, "nout": self.nout}

    assert nn.modules.MODULE_CLASSES["Layer"] is nn.Layer  # the library's stays registered
    copy = nn.load(tmp_path / "library.json")
    assert type(copy.layers[1]) is nn.Layer
    assert [v.data for v in copy([0.5, -1.0])] == [v.data for v in saved([0.5, -1.0])]
    with pytest.raises(ValueError, match=r"loading it would build nn\.modules\.Layer"):
        Layer(2, 2).save(tmp_path / "mine.json")
    with pytest.raises(ValueError, match=r"cannot describe layer 1"):
        Sequential(Maxout(2, 2, seed=0), Layer(2, 2)).save(tmp_path / "mine.json")
    assert sorted(os.listdir(tmp_path)) == ["library.json"]


# -- permissions, long names, symbolic links -------------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_a_new_file_gets_the_permissions_the_umask_allows(tmp_path: Path, umask, mode) -> None:
    previous = os.umask(umask)
    try:
        MLP(2, [3, 1], seed=0).save(tmp_path / "private.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "private.json").st_mode) == mode


def test_a_file_saved_over_keeps_its_own_permissions(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    os.chmod(path, 0o640)
    previous = os.umask(0o000)
    try:
        MLP(2, [3, 1], seed=1).save(path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert nn.load(path).state_dict() == MLP(2, [3, 1], seed=1).state_dict()


def test_a_255_character_file_name_works(tmp_path: Path) -> None:
    path = tmp_path / ("m" * 250 + ".json")  # the longest name most file systems allow
    model = MLP(2, [3, 1], seed=0)
    model.save(path)
    model.save(path)  # and saving over it
    assert nn.load(path).state_dict() == model.state_dict()
    assert os.listdir(tmp_path) == [path.name]


def test_saving_through_a_symbolic_link_updates_the_file_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "v1.json"
    MLP(2, [3, 1], seed=0).save(target)
    link = tmp_path / "current.json"
    link.symlink_to(os.path.join("models", "v1.json"))  # a relative link
    newer = MLP(2, [3, 1], seed=1)
    newer.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("models", "v1.json")
    assert nn.load(target).state_dict() == newer.state_dict()
    assert sorted(os.listdir(tmp_path / "models")) == ["v1.json"]  # no temp file left
    dangling = tmp_path / "next.json"
    dangling.symlink_to(tmp_path / "models" / "v2.json")  # points to a file not made yet
    newer.save(dangling)
    assert dangling.is_symlink() and nn.load(tmp_path / "models" / "v2.json").num_parameters() == 13


def test_a_read_only_file_or_folder_is_a_clear_error_and_left_alone(tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(path)
    before = path.read_bytes()
    # (as if not root: root may write anything, and so does save, like open(path, "w"))
    monkeypatch.setattr(serialize.os, "access", lambda p, mode: os.path.realpath(p) != str(path))
    with pytest.raises(PermissionError, match=r"m\.json: the file is read-only"):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    monkeypatch.undo()

    def no_writing(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(serialize.os, "open", no_writing)
    with pytest.raises(PermissionError, match=r"the folder .* is not writable"):
        MLP(2, [3, 1], seed=1).save(tmp_path / "new.json")
    assert os.listdir(tmp_path) == ["m.json"]


def test_saving_over_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("old")
    os.chmod(path, 0o640)
    MLP(2, [2, 1], seed=0).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    os.chmod(path, 0o604)
    MLP(2, [2, 1], seed=0).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


def test_the_file_is_indented_json_ending_in_a_newline(tmp_path: Path) -> None:
    neuron = Neuron(1, activation="tanh", seed=0)
    neuron.w[0].data, neuron.b.data = 0.5, -0.25
    neuron.save(tmp_path / "n.json")
    assert (tmp_path / "n.json").read_bytes().decode("utf-8") == (
        "{\n"
        ' "format": "chainrule-model",\n'
        ' "version": 1,\n'
        ' "architecture": {\n'
        '  "class": "Neuron",\n'
        '  "config": {\n'
        '   "nin": 1,\n'
        '   "activation": "tanh",\n'
        '   "init": "uniform"\n'
        "  }\n"
        " },\n"
        ' "parameters": {\n'
        '  "w.0": 0.5,\n'
        '  "b": -0.25\n'
        " }\n"
        "}\n"
    )


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path: Path, monkeypatch) -> None:
    """Written in the same folder (so the rename is atomic), named after the target."""
    renamed = []
    real_replace = os.replace
    monkeypatch.setattr(
        os, "replace", lambda src, dst: (renamed.append(src), real_replace(src, dst))
    )
    Neuron(1, seed=0).save(tmp_path / "n.json")
    (temporary,) = renamed
    assert os.path.dirname(temporary) == str(tmp_path)
    name = os.path.basename(temporary)
    assert name.startswith(".") and name.endswith(".tmp")


class Tagged(nn.Module):
    """A user module whose config holds any value: None and lists save, a set cannot."""

    def __init__(self, tag: object = None) -> None:
        self.tag = tag
        self.w = Value(1.0)

    def forward(self, x):
        return [self.w * x[0]]

    def get_config(self):
        return {"tag": self.tag}


def test_a_config_may_hold_none_but_not_a_set(tmp_path: Path) -> None:
    Tagged(None).save(tmp_path / "none.json")
    assert nn.load(tmp_path / "none.json").tag is None
    Tagged([1, "a", None]).save(tmp_path / "list.json")
    with pytest.raises(
        ValueError, match=r"^cannot save this model: Tagged\.tag is a set, which JSON cannot store$"
    ):
        Tagged({1, 2}).save(tmp_path / "set.json")
    with pytest.raises(
        ValueError,
        match=r"^cannot save this model: Tagged\.tag\[1\] is the function 'abs'; only named",
    ):
        Tagged([1, abs]).save(tmp_path / "function.json")


def test_a_nan_in_a_config_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    """JSON has no nan: the save fails before any file appears (no half-written model)."""
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        Tagged(math.nan).save(tmp_path / "nan.json")
    assert os.listdir(tmp_path) == []


def test_a_taken_temporary_name_is_skipped_never_overwritten(tmp_path: Path, monkeypatch) -> None:
    import secrets

    taken = tmp_path / ".chainrule-aaaaaaaaaaaa.tmp"
    taken.write_text("another save's file", encoding="utf-8")
    names = iter(["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(names) if n == 6 else "?")
    replaced = []
    real_replace = serialize.os.replace
    monkeypatch.setattr(
        serialize.os, "replace", lambda src, dst: (replaced.append(src), real_replace(src, dst))
    )
    nn.save(MLP(2, [1], seed=0), tmp_path / "model.json")
    assert taken.read_text(encoding="utf-8") == "another save's file"
    assert replaced == [str(tmp_path / ".chainrule-bbbbbbbbbbbb.tmp")]
    assert nn.load(tmp_path / "model.json")([1.0, 2.0]).data == MLP(2, [1], seed=0)([1.0, 2.0]).data


def test_no_free_temporary_name_after_a_hundred_tries(tmp_path: Path, monkeypatch) -> None:
    import secrets

    (tmp_path / ".chainrule-aaaaaaaaaaaa.tmp").write_text("taken", encoding="utf-8")
    tries = []
    monkeypatch.setattr(secrets, "token_hex", lambda n: tries.append(n) or "aaaaaaaaaaaa")
    with pytest.raises(FileExistsError) as refused:
        nn.save(MLP(2, [1], seed=0), tmp_path / "model.json")
    assert str(refused.value) == (
        f"cannot save to {tmp_path / 'model.json'}: no free temporary name in {tmp_path}"
    )
    assert tries == [6] * 100 and not (tmp_path / "model.json").exists()
