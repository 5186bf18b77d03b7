"""nn.load on files from anywhere: everything is checked before anything is built.

Every malformed file is a ``ValueError`` naming the problem: never a
``RecursionError``, ``OverflowError``, ``MemoryError`` or ``KeyError``, and
never a model built far larger than the parameters the file holds.
"""

from __future__ import annotations

import copy
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import file_checks, serialize
from nn.modules import MLP, Layer, Maxout, Sequential


@pytest.fixture
def nothing_is_built(monkeypatch):
    """Make building any module fail the test: the checks must refuse the file first."""

    def refuse(spec):
        raise AssertionError(f"a module was built from an unchecked file: {spec!r:.80}")

    monkeypatch.setattr(serialize, "module_from_spec", refuse)


def valid_model_data() -> dict:
    model = Sequential(Maxout(2, 3, pieces=2, seed=0), Layer(3, 2, activation="tanh", seed=1))
    return serialize.to_dict(model)


def load_text(tmp_path: Path, text: str | bytes):
    path = tmp_path / "m.json"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return nn.load(path)


def load_data(tmp_path: Path, data: object):
    return load_text(tmp_path, json.dumps(data))


def test_a_150_byte_file_declaring_ten_billion_parameters_is_refused_unbuilt(
    tmp_path, nothing_is_built
) -> None:
    bomb = (
        '{"format": "chainrule-model", "version": 1, "parameters": {}, "architecture": '
        '{"class": "MLP", "config": {"nin": 100000, "nouts": [100000, 1]}}}'
    )
    assert len(bomb) < 160
    with pytest.raises(ValueError, match=r"declares 10,000,200,001 parameters .* holds only 0"):
        load_text(tmp_path, bomb)


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        ({"class": "Layer", "config": {"nin": 10**400, "nout": 1}},
         r"nin' must be an int from 1 to 1,000,000, got a huge int"),
        ({"class": "Layer", "config": {"nin": 2.0, "nout": 1}}, "must be an int from 1"),
        ({"class": "Layer", "config": {"nin": True, "nout": 1}}, "must be an int from 1"),
        ({"class": "Layer", "config": {"nin": 0, "nout": 1}}, "must be an int from 1"),
        ({"class": "MLP", "config": {"nin": 2, "nouts": []}}, "a list of 1 to 10000 layer sizes"),
        ({"class": "MLP", "config": {"nin": 2, "nouts": [1] * 10_001}}, "a list of 1 to 10000"),
        ({"class": "MLP", "config": {"nin": 2, "nouts": [3, "1"]}}, r"nouts'\[1\] must be an int"),
        ({"class": "Layer", "config": {"nin": 2, "nout": 1, "activation": ["relu"]}},
         "an activation is a name, got a list"),
        ({"class": "Layer", "config": {"nin": 2, "nout": 1, "activation": "not_registered"}},
         r"unknown activation 'not_registered'.*register_activation\('not_registered', fn\)"),
        ({"class": "Neuron", "config": {"nin": 2, "activation": "softmax"}},
         "'softmax' acts on a whole layer"),
        ({"class": "Layer", "config": {"nin": 2, "nout": 1, "init": "zeros"}}, "unknown init"),
        ({"class": "Layer", "config": {"nin": 2}}, r"cannot build Layer .*missing 'nout'"),
        ({"class": "Layer", "config": {"nin": 2, "nout": 1, "rng": 5}}, "unknown 'rng'"),
        ({"class": "Layer", "config": [2, 1]}, "the config of a Layer must be an object"),
        ({"class": "Layer"}, "exactly 'class' and 'config' entries"),
        ({"class": 7, "config": {}}, "unknown module class 7"),
        ({"class": "x" * 10**6, "config": {}}, r"unknown module class 'xxxx.*\.\.\.; known"),
        ({"class": "Sequential", "config": {"layers": []}}, "a list of 1 to 10000 module specs"),
        ({"class": "Sequential", "config": {"layers": [
            {"class": "Layer", "config": {"nin": 2, "nout": 3}},
            {"class": "Layer", "config": {"nin": 4, "nout": 1}}]}},
         "layer 0 has 3 outputs but layer 1 expects 4 inputs"),
        ({"class": "Sequential", "config": {"layers": [
            {"class": "Layer", "config": {"nin": 1000, "nout": 1000}}] * 2000}},
         "more than 1,000,000 parameters"),
    ],
)  # fmt: skip
def test_every_config_entry_is_checked_before_building(
    tmp_path, nothing_is_built, architecture, message
) -> None:
    data = {**valid_model_data(), "architecture": architecture}
    with pytest.raises(ValueError, match=message):
        load_data(tmp_path, data)


def nested_sequential(depth: int) -> dict:
    spec = {"class": "Layer", "config": {"nin": 2, "nout": 2}}
    for _ in range(depth):
        spec = {"class": "Sequential", "config": {"layers": [spec]}}
    return spec


def test_nesting_is_limited_and_never_a_recursion_error(tmp_path, nothing_is_built) -> None:
    data = {**valid_model_data(), "architecture": nested_sequential(40)}
    with pytest.raises(ValueError, match="nested more than 32 deep"):
        load_data(tmp_path, data)
    deep_json = '{"format": "chainrule-model", "version": 1, "parameters": {}, "architecture": '
    deep_json += "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ValueError, match="JSON nested too deeply|invalid JSON"):
        load_text(tmp_path, deep_json)


def test_nesting_within_the_limit_loads(tmp_path) -> None:
    model = nn.module_from_spec(nested_sequential(31))  # 31 stacks and a layer: 32 deep
    model.save(tmp_path / "deep.json")
    assert nn.load(tmp_path / "deep.json").state_dict() == model.state_dict()
    one_more = {**serialize.to_dict(model), "architecture": nested_sequential(32)}
    with pytest.raises(ValueError, match=r" layer 0: modules are nested more than 32 deep$"):
        file_checks.check_model_data(one_more)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**400, "is too large for a float (above about 1.8e308)"),
        ("0.5", "must be a number, got str: '0.5'"),
        (None, "must be a number, got NoneType: None"),
        (True, "must be a number, got bool: True"),
        ([0.5], "must be a number, got list: a list of 1 items"),
    ],
)
def test_every_parameter_is_checked_and_named(tmp_path, value, message) -> None:
    data = valid_model_data()
    name = next(iter(data["parameters"]))
    data["parameters"][name] = value
    with pytest.raises(ValueError) as refused:
        load_data(tmp_path, data)
    assert str(refused.value) == f"{tmp_path / 'm.json'}: parameter {name!r} {message}"


@pytest.mark.parametrize(
    ("nin", "shown"),
    [
        (2_000_000, "2000000"),
        (-5, "-5"),
        (10**39, "1" + "0" * 39),  # 40 digits: still written out
        (10**40, "a huge int"),
        (True, "True"),
        ("3", "'3'"),
    ],
)
def test_a_bad_size_is_shown_as_written_up_to_a_huge_int(nin, shown) -> None:
    data = serialize.to_dict(Layer(2, 1, seed=0))
    data["architecture"]["config"]["nin"] = nin
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        f"the architecture (Layer) config 'nin' must be an int from 1 to 1,000,000, got {shown}"
    )


def test_a_version_is_shown_up_to_six_digits_and_an_init_by_its_name() -> None:
    def refusal(data: dict) -> str:
        with pytest.raises(ValueError) as refused:
            file_checks.check_model_data(data)
        return str(refused.value)

    reads = "; this chainrule reads version 1"
    assert refusal({**valid_model_data(), "version": 999_999}) == (
        "unsupported chainrule-model version 999999" + reads
    )
    assert refusal({**valid_model_data(), "version": 10**6}) == (
        "unsupported chainrule-model version 'another'" + reads
    )
    data = serialize.to_dict(Layer(2, 1, seed=0))
    data["architecture"]["config"]["init"] = "zeros"
    assert refusal(data) == (
        "the architecture (Layer) config 'init': unknown init 'zeros'; valid names: "
        "'uniform', 'xavier', 'glorot', 'he'"
    )
    data = serialize.to_dict(nn.modules.Neuron(2, seed=0))
    data["architecture"]["config"]["nin"] = 1_000_000  # the largest size: refused further on
    assert refusal(data).startswith("the architecture declares 1,000,001 parameters")


def test_an_unknown_entry_is_named_cut_to_sixty_characters() -> None:
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data({**valid_model_data(), "x" * 100: 1})
    assert str(refused.value) == (
        f"unknown entry '{'x' * 56}...; a model file has only format, version, architecture, "
        "parameters"
    )


def test_a_class_name_is_shown_whole_up_to_sixty_characters_with_its_quotes() -> None:
    def refusal(name: str) -> str:
        data = {**valid_model_data(), "architecture": {"class": name, "config": {}}}
        with pytest.raises(ValueError) as refused:
            file_checks.check_model_data(data)
        return str(refused.value)

    # 58 letters and two quotes are 60 characters: shown whole; one letter more is cut
    message, known = refusal("C" * 58).split("; known: ")
    assert message == f"the architecture: unknown module class '{'C' * 58}'"
    assert refusal("C" * 59).startswith(f"the architecture: unknown module class '{'C' * 56}...;")
    # the known classes in order, the library's and those other tests defined
    names = known.split(", ")
    assert names == sorted(names) and {"Layer", "MLP", "Maxout", "Neuron", "Sequential"} < {*names}


def test_a_bad_activation_is_refused_naming_the_entry_it_is_in() -> None:
    def refusal(entry: str, activation: object) -> str:
        data = serialize.to_dict(MLP(2, [3, 1], seed=0))
        data["architecture"]["config"][entry] = activation
        with pytest.raises(ValueError) as refused:
            file_checks.check_model_data(data)
        return str(refused.value)

    assert refusal("output_activation", ["relu"]) == (
        "the architecture (MLP) config 'output_activation': an activation is a name, "
        "got a list of 1 items"
    )
    assert refusal("activation", "relu6").startswith(
        "the architecture (MLP) config 'activation': unknown activation 'relu6'; valid names: "
    )


def test_a_file_of_another_format_is_told_what_its_format_is() -> None:
    def refusal(data: dict) -> str:
        with pytest.raises(ValueError) as refused:
            file_checks.check_model_data(data)
        return str(refused.value)

    expected = ", expected 'chainrule-model'"
    for fmt, shown in [
        ("keras", "'keras'"),
        ("f" * 58, f"'{'f' * 58}'"),
        ("f" * 59, f"'{'f' * 56}..."),  # cut to 60 characters, as every name a file gives
        (7, "7"),
        (None, "None"),
        (["chainrule-model"], "a list of 1 items"),
    ]:
        assert refusal({**valid_model_data(), "format": fmt}) == (
            f"not a chainrule model: format is {shown}" + expected
        )
    data = valid_model_data()
    del data["format"]
    assert refusal(data) == "not a chainrule model: format is missing" + expected


def test_a_model_of_ones_own_class_is_refused_without_its_libraries_parameters() -> None:
    def refusal(first: nn.Module, second: nn.Module) -> str:
        data = serialize.to_dict(Sequential(first, second))
        data["parameters"] = {}
        with pytest.raises(ValueError) as refused:
            file_checks.check_model_data(data)
        return str(refused.value)

    # a class of one's own may have parameters of any names: only their count is known
    assert refusal(FreeConfig(2), Layer(2, 1, seed=0)) == (
        "the architecture declares at least 3 parameters but the file holds 0: "
        "the weights are not for this architecture"
    )
    assert refusal(FreeConfig(999), Layer(999, 3, seed=0)) == (
        "the architecture declares at least 3,000 parameters but the file holds only 0: "
        "the weights are not for this architecture"
    )


def test_parameters_are_named_when_at_most_a_thousand_are_missing() -> None:
    data = serialize.to_dict(nn.modules.Neuron(2, seed=0))
    data["parameters"] = {}
    data["architecture"]["config"]["nin"] = 999  # 1,000 parameters, none in the file
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        "parameters do not match this Neuron: missing 1000 (w.0, w.1, w.2, w.3, w.4...)"
    )
    data["architecture"]["config"]["nin"] = 1000  # one more: too many to name
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        "the architecture declares 1,001 parameters but the file holds only 0: "
        "the weights are not for this architecture"
    )


def test_json_oddities_are_value_errors(tmp_path, nothing_is_built, monkeypatch) -> None:
    good = json.dumps(valid_model_data())
    with pytest.raises(ValueError, match="appears twice in one JSON object"):
        load_text(tmp_path, good.replace('"version": 1', '"version": 1, "version": 1'))
    with pytest.raises(ValueError, match="invalid JSON"):
        load_text(tmp_path, good.replace('"version": 1', '"version": 1' + "0" * 5000))
    with pytest.raises(ValueError, match="invalid JSON"):
        load_text(tmp_path, b"\xff\xfe" + good.encode("utf-16-le"))
    with pytest.raises(ValueError, match="unknown entry 'comment'"):
        load_data(tmp_path, {**valid_model_data(), "comment": "hi"})
    with pytest.raises(ValueError, match="unsupported chainrule-model version 'another'"):
        load_data(tmp_path, {**valid_model_data(), "version": 10**100})
    with pytest.raises(ValueError, match="'parameters' must be an object"):
        load_data(tmp_path, {**valid_model_data(), "parameters": [1.0]})
    monkeypatch.setattr(serialize, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match="larger than 0 MiB"):
        load_text(tmp_path, good)


def test_a_key_given_twice_is_named(tmp_path) -> None:
    good = json.dumps(valid_model_data())
    with pytest.raises(ValueError) as refused:  # ("format" comes first, "version" second)
        load_text(tmp_path, good.replace('"version": 1', '"version": 1, "version": 2'))
    assert str(refused.value) == (
        f"{tmp_path / 'm.json'}: the key 'version' appears twice in one JSON object; "
        "a model file gives each name once"
    )


def test_a_file_of_exactly_the_most_bytes_is_read_and_one_byte_more_is_refused(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(serialize, "MAX_FILE_BYTES", 2**20)
    model = Layer(2, 1, seed=0)
    text = json.dumps(serialize.to_dict(model))
    text += " " * (2**20 - len(text))  # (JSON allows spaces after the object)
    assert load_text(tmp_path, text).state_dict() == model.state_dict()
    with pytest.raises(ValueError) as refused:
        load_text(tmp_path, text + " ")
    assert str(refused.value) == (
        f"{tmp_path / 'm.json'}: larger than 1 MiB, which no chainrule model file is "
        "(nn.load reads at most that)"
    )


def test_an_endless_file_is_refused_after_reading_the_most_bytes_and_one(monkeypatch) -> None:
    class EndlessFile:  # like /dev/zero: as many bytes as asked for, and no end
        handed_out = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            return None

        def read(self, size=-1):
            if size is None or size < 0:
                raise AssertionError("nn.load read an endless file to its end")
            EndlessFile.handed_out += size
            return b" " * size

    monkeypatch.setattr(serialize, "open", lambda path, mode: EndlessFile(), raising=False)
    monkeypatch.setattr(serialize, "MAX_FILE_BYTES", 2**20)
    with pytest.raises(ValueError, match="^endless: larger than 1 MiB"):
        nn.load("endless")
    assert EndlessFile.handed_out == 2**20 + 1  # the most a file may have, and one byte to know


def test_too_many_parameters_is_refused(tmp_path, nothing_is_built, monkeypatch) -> None:
    monkeypatch.setattr(file_checks, "MAX_PARAMETERS", 10)
    with pytest.raises(ValueError, match=r"holds 26 parameters, more than nn\.load accepts"):
        load_data(tmp_path, valid_model_data())


def test_a_file_of_exactly_the_most_parameters_is_accepted(monkeypatch) -> None:
    monkeypatch.setattr(file_checks, "MAX_PARAMETERS", 26)  # the 26 of valid_model_data()
    file_checks.check_model_data(valid_model_data())
    monkeypatch.setattr(file_checks, "MAX_PARAMETERS", 25)
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(valid_model_data())
    assert str(refused.value) == "the file holds 26 parameters, more than nn.load accepts (25)"


def test_a_config_with_missing_and_unknown_entries_names_all_missing_and_the_first_unknown() -> (
    None
):
    spec = {"class": "Layer", "config": {"rng": 5, "seed": 1}}
    data = {"format": "chainrule-model", "version": 1, "parameters": {}, "architecture": spec}
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        "cannot build Layer from the architecture (Layer)'s config: missing 'nin', 'nout'; "
        "unknown 'rng'"
    )
    spec["config"] = {"nin": 2, "nout": 1, "rng": 5}  # nothing missing: only the unknown
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        "cannot build Layer from the architecture (Layer)'s config: unknown 'rng'"
    )


def test_a_stack_is_refused_as_soon_as_its_layers_pass_the_parameter_limit() -> None:
    def stack(*sizes: tuple[int, int]) -> dict:
        layers = [{"class": "Layer", "config": {"nin": i, "nout": o}} for i, o in sizes]
        spec = {"class": "Sequential", "config": {"layers": layers}}
        return {"format": "chainrule-model", "version": 1, "parameters": {}, "architecture": spec}

    def refusal(data: dict) -> str:
        with pytest.raises(ValueError) as refused:
            file_checks.check_model_data(data)
        return str(refused.value)

    # 999,000 + 1,000 parameters: exactly the limit, refused only for the missing weights
    assert refusal(stack((999, 999), (999, 1))).startswith(
        "the architecture declares 1,000,000 parameters but the file holds only 0"
    )
    assert refusal(stack((999, 999), (999, 2))) == (  # one output more: past the limit
        "the architecture (Sequential): more than 1,000,000 parameters"
    )
    # layers are checked in order: a mismatch is found before the large layer after it
    assert refusal(stack((2, 2), (2, 2), (999, 1001))) == (
        "the architecture (Sequential): layer 1 has 2 outputs but layer 2 expects 999 inputs"
    )


@pytest.mark.parametrize(
    "first", [Maxout(2, 3, seed=0), Sequential(Layer(2, 3, seed=0)), MLP(2, [5, 3], seed=0)]
)
def test_a_layers_outputs_are_checked_against_the_next_layers_inputs(first) -> None:
    data = serialize.to_dict(Sequential(first, Layer(3, 1, seed=1)))
    data["architecture"]["config"]["layers"][1]["config"]["nin"] = 4
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        "the architecture (Sequential): layer 0 has 3 outputs but layer 1 expects 4 inputs"
    )


def test_each_missing_or_unexpected_name_is_reported_unbuilt(tmp_path, nothing_is_built) -> None:
    data = valid_model_data()
    removed = sorted(data["parameters"])[3]
    value = data["parameters"].pop(removed)
    with pytest.raises(ValueError, match=rf"Sequential: missing 1 \({removed}\)$"):
        load_data(tmp_path, data)
    data["parameters"]["layers.0.units.9.neurons.0.b"] = value  # the same count, a wrong name
    with pytest.raises(ValueError, match=r"missing 1 .*; unexpected 1 \(layers\.0\.units\.9\."):
        load_data(tmp_path, data)


ARCHITECTURES = st.recursive(
    st.builds(
        lambda cls, nin, nout, pieces: {
            "class": cls,
            "config": {
                "Neuron": {"nin": nin},
                "MaxoutUnit": {"nin": nin, "pieces": pieces},
                "Maxout": {"nin": nin, "nout": nout, "pieces": pieces},
                "Layer": {"nin": nin, "nout": nout},
                "MLP": {"nin": nin, "nouts": [nout, pieces]},
            }[cls],
        },  # fmt: skip
        st.sampled_from(["Neuron", "Layer", "MaxoutUnit", "Maxout", "MLP"]),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 3),
    ),
    lambda children: st.lists(children, min_size=1, max_size=3).map(
        lambda layers: {"class": "Sequential", "config": {"layers": layers}}
    ),
    max_leaves=4,
)


@settings(max_examples=60, deadline=None)
@given(ARCHITECTURES)
def test_the_names_checked_before_building_are_the_names_a_built_model_has(spec) -> None:
    try:
        shape = file_checks._check_spec(spec, "the architecture", 1)
    except ValueError:  # consecutive sizes that do not fit: the constructors refuse it too
        with pytest.raises(ValueError, match="outputs but layer"):
            nn.module_from_spec(spec)
        return
    names = list(file_checks._parameter_names(spec, ""))
    model = nn.module_from_spec(spec)
    assert names == [name for name, _ in model.named_parameters()]
    assert shape.count == len(names) == model.num_parameters()


# -- fuzzing: mutated valid files ----------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["MLP", "Layer", "Sequential", "relu", "softmax", "chainrule-model"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["class", "config", "nin", "nout", "layers"]), children)
    ),
    max_leaves=12,
)


def paths(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every path (a tuple of keys and indices) to a value inside ``data``."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += paths(value, (*prefix, i))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_files_load_or_give_a_value_error(tmp_path_factory, data) -> None:
    original = valid_model_data()
    mutated = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths(mutated)[1:]))
        action = data.draw(st.sampled_from(["replace", "delete", "insert"]))
        parent = mutated
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if action == "delete":
            del parent[last]
        elif action == "insert" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(JSON_VALUES)
        else:
            parent[last] = data.draw(JSON_VALUES)
        if not paths(mutated)[1:]:
            break
    tmp_path = tmp_path_factory.mktemp("fuzz")
    text = json.dumps(mutated, allow_nan=True)
    cut = data.draw(st.sampled_from([None, len(text) // 2, 7]))
    try:
        model = load_text(tmp_path, text if cut is None else text[:cut])
    except ValueError as error:
        assert str(error).startswith(str(tmp_path)), error  # every message names the file
        return
    # it loaded: then it is a whole, finite model no larger than the file's parameters
    assert model.num_parameters() == len(mutated["parameters"])
    assert all(math.isfinite(value) for value in model.state_dict().values())


# -- load_state_dict takes any finite real number ------------------------------------


def test_load_state_dict_takes_numpy_scalars_and_fractions() -> None:
    np = pytest.importorskip("numpy")
    model = MLP(1, [1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict({names[0]: np.float32(0.5), names[1]: np.int64(-2)})
    assert [p.data for p in model.parameters()] == [0.5, -2.0]
    model.load_state_dict({names[0]: Fraction(1, 4), names[1]: np.float16(1.5)})
    assert [p.data for p in model.parameters()] == [0.25, 1.5]
    for bad, message in [
        (np.float64("nan"), "must be a finite number"),
        (10**400, "too large for a float"),
        (np.bool_(True), "must be a number"),
        ("1", "must be a number"),
    ]:
        with pytest.raises(ValueError, match=message):
            model.load_state_dict({names[0]: bad, names[1]: 0.0})
    assert [p.data for p in model.parameters()] == [0.25, 1.5]  # nothing changed
    with pytest.raises(TypeError) as refused:
        model.load_state_dict([0.1, 0.2])  # type: ignore[arg-type]
    assert str(refused.value) == (
        "load_state_dict expects a dict of name: number (from state_dict()), got list"
    )


class FreeConfig(nn.Module):
    """A module of a user's own, whose config holds any JSON (its ``tags``)."""

    def __init__(self, n: int = 1, tags: object = None) -> None:
        self.nin = self.nout = n
        self.tags = tags

    def forward(self, x):
        return x

    def get_config(self):
        return {"n": self.nin, "tags": self.tags}


def tagged_data(tags: object) -> dict:
    spec = {"class": "FreeConfig", "config": {"n": 1, "tags": tags}}
    return {**valid_model_data(), "parameters": {}, "architecture": spec}


def nest(depth: int, kind: type) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"t": value} if kind is dict else [value]
    return value


@pytest.mark.parametrize("kind", [dict, list])
def test_a_config_of_ones_own_class_is_nested_at_most_32_deep(tmp_path, kind) -> None:
    """The config is level 1 under the architecture, its tags 2: 30 levels of tags fit."""
    assert load_data(tmp_path, tagged_data(nest(30, kind))).tags == nest(30, kind)
    with pytest.raises(ValueError) as refused:
        load_data(tmp_path, tagged_data(nest(31, kind)))
    assert str(refused.value) == (
        f"{tmp_path / 'm.json'}: the architecture (FreeConfig) config is nested more than 32 deep"
    )


def test_a_config_of_ones_own_class_holds_lists_of_at_most_10000_items(tmp_path) -> None:
    assert len(load_data(tmp_path, tagged_data([[0] * 10_000])).tags[0]) == 10_000
    with pytest.raises(ValueError) as refused:
        load_data(tmp_path, tagged_data([[0] * 10_001]))
    assert str(refused.value) == (
        f"{tmp_path / 'm.json'}: the architecture (FreeConfig) config has a list of 10001 items "
        "(at most 10000)"
    )


def test_an_mlp_of_10000_layers_passes_the_size_check(tmp_path, nothing_is_built) -> None:
    spec = {"class": "MLP", "config": {"nin": 1, "nouts": [1] * 10_000}}
    with pytest.raises(ValueError) as refused:
        load_data(tmp_path, {**valid_model_data(), "parameters": {}, "architecture": spec})
    assert "layer sizes" not in str(refused.value)  # refused further on: its parameters
    spec["config"]["nouts"].append(1)
    with pytest.raises(ValueError, match=r"'nouts' must be a list of 1 to 10000 layer sizes$"):
        load_data(tmp_path, {**valid_model_data(), "parameters": {}, "architecture": spec})


def test_a_stack_of_10000_layers_passes_the_size_check(nothing_is_built) -> None:
    layers = [{"class": "Layer", "config": {"nin": 1, "nout": 1}}] * 10_000
    data = {**valid_model_data(), "parameters": {}}
    data["architecture"] = {"class": "Sequential", "config": {"layers": layers}}
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (  # refused further on: its parameters
        "the architecture declares 20,000 parameters but the file holds only 0: "
        "the weights are not for this architecture"
    )
    layers.append(layers[0])
    with pytest.raises(ValueError) as refused:
        file_checks.check_model_data(data)
    assert str(refused.value) == (
        "the architecture (Sequential) config 'layers' must be a list of 1 to 10000 module specs"
    )


def test_a_maxout_unit_without_pieces_has_two(tmp_path) -> None:
    unit = nn.modules.MaxoutUnit(2, pieces=2, seed=0)
    data = serialize.to_dict(unit)
    del data["architecture"]["config"]["pieces"]
    assert len(load_data(tmp_path, data).parameters()) == 6
    data["architecture"]["config"]["nin"] = 999  # 2 pieces of 1,000: too many for 6 numbers
    with pytest.raises(ValueError, match=r"declares 2,000 parameters but the file holds only 6"):
        load_data(tmp_path, data)
    small = serialize.to_dict(Maxout(2, 3, pieces=2, seed=0))
    del small["architecture"]["config"]["pieces"]
    assert len(load_data(tmp_path, small).parameters()) == 3 * 2 * 3  # 3 units of 2 pieces
    layer = serialize.to_dict(Maxout(999, 3, pieces=2, seed=0))
    del layer["architecture"]["config"]["pieces"]
    layer["parameters"] = {}
    with pytest.raises(ValueError, match=r"declares 6,000 parameters but the file holds only 0"):
        load_data(tmp_path, layer)
