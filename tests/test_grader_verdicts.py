"""check_engine's verdicts where they are easiest to get wrong: which mistake it names, and
the numbers and names its message shows.

The engines are the lecture's (tests/exercise_solutions/build_your_own_micrograd.py) with
one slip each, as in test_check_engine.py, and a few small classes written here. Each
message is compared whole: a student reads every word of it.
"""

from __future__ import annotations

import linecache
import math
import sys
import warnings
from pathlib import Path

import pytest

from engine import Value
from engine.exercises import (
    ENGINE_CHECKS,
    KinkWarning,
    buggy_value,
    check_engine,
    check_gradients,
)
from engine.exercises.compare import show

LECTURE = Path(__file__).parent / "exercise_solutions" / "build_your_own_micrograd.py"


def load_class(source: str, filename: str = "student_engine.py") -> type:
    """The class ``Value`` of ``source``, its lines in linecache as a file's would be."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "student_engine"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["Value"]


def lecture_source() -> str:
    return LECTURE.read_text(encoding="utf-8").split("# %% engine\n", 1)[1]


def variant(old: str, new: str, source: str | None = None) -> type:
    """The lecture's engine with ``old`` (which must occur once) replaced by ``new``."""
    source = lecture_source() if source is None else source
    assert source.count(old) == 1, old
    return load_class(source.replace(old, new))


#: The lecture's engine keeps its children in a set, whose order changes from run to run;
#: in a tuple, backward() visits the nodes in the same order every time.
IN_ORDER = ("        self._prev = set(_children)\n", "        self._prev = tuple(_children)\n")


def in_order(old: str, new: str) -> type:
    """The lecture's engine with children in a tuple, and ``old`` replaced by ``new``."""
    return variant(old, new, lecture_source().replace(*IN_ORDER))


# -- the core check ---------------------------------------------------------------------------


def core_class(data: str = "x", grad: str = "0.0", backward: bool = True) -> type:
    lines = ["class Value:", "    def __init__(self, x):"]
    lines += [f"        self.data = {data}", f"        self.grad = {grad}"]
    if backward:
        lines += ["", "    def backward(self):", "        pass"]
    return load_class("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("value_class", "diagnosis", "message"),
    [
        (core_class(data="x + 1"), "forward", "Value(2.0).data is 3.0; it should be 2.0"),
        (core_class(grad="1.0"), "missing", "a new Value's .grad is 1.0; it should start at 0"),
        (core_class(backward=False), "missing", "your Value has no backward() method"),
        (core_class(data="str(x)"), "not_a_number", "Value(2.0).data is a str, not a number"),
        (core_class(grad="'0'"), "not_a_number", "Value(2.0).grad is a str, not a number"),
        (  # an array has a .data (its buffer) but no .grad: it is not taken for a Value
            core_class(data="__import__('numpy').array([x])"),
            "not_a_number",
            "Value(2.0).data is a ndarray, not a number",
        ),
    ],
    ids=["data", "grad", "backward", "data not a number", "grad not a number", "data an array"],
)
def test_a_core_mistake_is_named_as_a_mistake_not_as_an_exception(
    value_class, diagnosis, message
) -> None:
    report = check_engine(value_class)
    core = report["core"]
    assert (core.status, core.diagnosis, core.message) == ("failed", diagnosis, message)
    assert core.failure is None  # the student's code raised nothing
    heading = f"check_engine(Value): 0 of {len(ENGINE_CHECKS)} checks passed, FAILED"
    assert str(report).splitlines()[:2] == [heading, f"  ✗ core: {message}"]
    assert [check.name for check in report.checks] == list(ENGINE_CHECKS)  # core once
    not_run = "not run: core failed (Value(2.0), .data, .grad, backward() come first)"
    assert {(check.status, check.message) for check in report.checks[1:]} == {("not run", not_run)}


def test_a_class_without_data_is_told_so_without_a_hint_about_numbers() -> None:
    no_data = load_class("class Value:\n    def __init__(self, x):\n        self.x = x\n")
    message = check_engine(no_data)["core"].message
    assert "to accept a number as an operand" not in message  # no number was an operand
    expected = "your code raised AttributeError: 'Value' object has no attribute 'data'"
    if "mutmut" in sys.modules:  # the error is read in mutmut's trampoline, which says where
        message = message.split(" at trampoline.py:")[0]
    assert message == expected


def test_a_report_names_a_factory_without_a_name_by_its_type() -> None:
    import functools

    report = check_engine(functools.partial(Value), checks=["add"])
    assert str(report).splitlines() == [
        "check_engine(partial): 2 of 2 checks passed, all passed",
        "  ✓ core",
        "  ✓ add",
    ]


def test_one_check_named_alone_is_the_check_not_its_letters() -> None:
    report = check_engine(Value, checks="mlp")
    assert [check.name for check in report.checks] == ["core", "mlp"]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (
            {"checks": ["relu", "bogus"]},
            ValueError,
            "check_engine: unknown check 'bogus'; valid names: core, seed, add, mul, sub, neg, "
            "truediv, pow, radd, rsub, rmul, rtruediv, relu, tanh, exp, log, sigmoid, sin, cos, "
            "reuse, diamond, subexpression, mlp, or 'ops' for every operation",
        ),
        (
            {"time_limit": "2"},
            TypeError,
            "check_engine: time_limit must be a number of seconds, got '2'",
        ),
        (
            {"time_limit": True},
            TypeError,
            "check_engine: time_limit must be a number of seconds, got True",
        ),
        (
            {"time_limit": math.nan},
            ValueError,
            "check_engine: time_limit must be positive, got nan",
        ),
    ],
    ids=["unknown check", "text", "bool", "nan"],
)
def test_a_teachers_mistake_in_calling_check_engine_is_named(arguments, error, message) -> None:
    with pytest.raises(error) as refused:
        check_engine(Value, **arguments)
    assert str(refused.value) == message
    with pytest.raises(TypeError) as not_a_class:
        check_engine(42)
    assert str(not_a_class.value) == "check_engine expects the student's Value class, got int"


# -- the numbers a message shows --------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0, "0.0"),
        (-2.5, "-2.5"),
        (1 / 3, "0.333333"),
        (1e-4, "0.0001"),
        (1.5e-5, "1.5e-05"),
        (123456.7, "123456.7"),
        (1e6, "1e+06"),
        (1234567.0, "1.23457e+06"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
    ],
)
def test_a_report_shows_a_number_with_at_most_six_significant_digits(x, text) -> None:
    assert show(x) == text


def test_a_gradient_that_is_not_finite_is_shown_as_it_is() -> None:
    nan_tanh = variant(
        "            self.grad += (1 - t**2) * out.grad\n",
        "            self.grad += float('nan') * out.grad\n",
    )
    assert check_engine(nan_tanh, checks=["tanh"])["tanh"].message == (
        "a.tanh() at a = 0.5: your `tanh` node (data 0.462117) passes gradient nan to its "
        "input a (data 0.5); it should pass 0.786448, since tanh'(x) = 1 − tanh²(x)"
    )


def test_a_leaf_that_does_not_keep_its_number_is_named() -> None:
    """``round(data)``: right for 2.0 (the core check) and -3.0, wrong for k = -1.5."""
    rounds = variant("        self.data = data\n", "        self.data = round(data)\n")
    report = check_engine(rounds, checks=["add"])
    assert (report["add"].diagnosis, report["add"].op) == ("forward", None)
    assert report["add"].message == (
        "(a + b) * k at a = 2.0, b = -3.0, k = -1.5: Value(-1.5).data is -2.0; it should be -1.5"
    )
    assert str(report).endswith(
        "To fix:\n  * an operation computes the wrong value: a Value keeps the number it is made "
        "with: self.data = data [add]"
    )


@pytest.mark.parametrize(
    ("old", "new", "check", "message"),
    [
        (
            "        return other + (-self)\n",
            "        return self + (-other)\n",
            "rsub",
            "2.5 - a at a = 1.5: your `-` node 2.5 - a has data -1.0; it should be 2.5 - 1.5 = 1.0",
        ),
        (
            "        other = other if isinstance(other, Value) else Value(other)\n"
            '        out = Value(self.data + other.data, (self, other), "+")\n',
            "        other = other if isinstance(other, Value) else Value(int(other))\n"
            '        out = Value(self.data + other.data, (self, other), "+")\n',
            "add",
            "a + 2.5 at a = 1.5: your `+` node a + 2.5 has data 3.5; it should be 1.5 + 2.5 = 4.0",
        ),
    ],
    ids=["number on the left", "number on the right"],
)
def test_a_wrong_value_with_a_number_operand_shows_the_number(old, new, check, message) -> None:
    assert check_engine(variant(old, new), checks=[check])[check].message == message


def test_an_output_seeded_with_a_value_is_told_its_gradient_is_not_a_number() -> None:
    seeded = variant(
        "        self.grad = 1.0\n        for node in reversed(topo):\n",
        "        self.grad = Value(1.0)\n        for node in reversed(topo):\n",
    )
    report = check_engine(seeded, checks=["seed"])
    assert report["seed"].diagnosis == "not_a_number"
    assert report["seed"].message == (
        "the output's .grad after backward() is a Value, not a number; it is a Value itself: "
        "use .data of the other Value (e.g. other.data * out.grad)"
    )


def test_a_node_whose_data_or_grad_is_a_value_is_named() -> None:
    """``.data`` forgotten in one branch of relu, and in the product's gradient."""
    relu = variant(
        '        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")\n',
        '        out = Value(self if self.data > 0 else 0.0, (self,), "relu")\n',
    )
    product = variant(
        "            self.grad += other.data * out.grad\n",
        "            self.grad += other * out.grad\n",
    )
    hint = "it is a Value itself: use .data of the other Value (e.g. other.data * out.grad)"
    assert check_engine(relu, checks=["relu"])["relu"].message == (
        f"the .data of the `relu` node relu(a) is a Value, not a number; {hint}"
    )
    assert check_engine(product, checks=["mul"])["mul"].message == (
        f"the .grad of a is a Value, not a number; {hint}"
    )


def test_an_op_returning_something_with_data_but_no_grad_is_not_a_value() -> None:
    source = lecture_source().replace("import math", "import math\nimport types", 1)
    plain = variant(
        "        out._backward = _backward\n        return out\n\n    def __mul__",
        "        out._backward = _backward\n        return types.SimpleNamespace(data=out.data)\n"
        "\n    def __mul__",
        source,
    )
    report = check_engine(plain, checks=["add"])
    assert report["add"].diagnosis == "not_a_value"
    message = (
        "your a + b returned a SimpleNamespace, not a Value: an operation returns a new Value "
        "that records its inputs, e.g. out = Value(self.data + other.data, (self, other), '+')"
    )
    assert report["add"].message == message
    assert str(report) == (  # the mistake is named with its operation
        "check_engine(Value): 1 of 2 checks passed, FAILED\n"
        "  ✓ core\n"
        f"  ✗ add: {message}\n"
        "To fix:\n"
        "  * an operation returns something other than a Value (add): return a new Value: "
        "out = Value(data, (self, other), '+'); return out [add]"
    )


def test_a_wrong_power_is_shown_with_its_exponent() -> None:
    cubes = variant(
        '        out = Value(self.data**n, (self,), f"**{n}")\n',
        '        out = Value(self.data ** (n + 1), (self,), f"**{n}")\n',
    )
    assert check_engine(cubes, checks=["pow"])["pow"].message == (
        "a ** 2 at a = 1.7: your `**` node a ** 2 has data 4.913; it should be 1.7 ** 2 = 2.89"
    )


def test_a_relu_that_opens_at_one_is_told_the_rule_above_zero() -> None:
    """Right at -2.0, 1.5 and -0.3; at 0.7 it passes nothing."""
    opens_late = variant(
        "        self.grad += (out.data > 0) * out.grad\n",
        "        self.grad += (out.data > 1) * out.grad\n",
    )
    report = check_engine(opens_late, checks=["relu"])
    assert (report["relu"].diagnosis, report["relu"].op) == ("local_derivative", "relu")
    assert report["relu"].message == (
        "a.relu() at a = 0.7: your `relu` node (data 0.7) passes gradient 0.0 to its input a "
        "(data 0.7); it should pass 1.0, since relu'(z) = 1 for z > 0"
    )


# -- which mistake is named -------------------------------------------------------------------

#: The product passes back its local derivatives alone, not times out.grad.
MUL_IGNORES_UPSTREAM = (
    "            self.grad += other.data * out.grad\n"
    "            other.grad += self.data * out.grad\n",
    "            self.grad += other.data\n            other.grad += self.data\n",
)


def test_an_upstream_gradient_of_two_is_an_upstream_gradient_too() -> None:
    """In the diamond, ``p = m + d`` is used by ``p * e``, whose own gradient is f = 2."""
    report = check_engine(variant(*MUL_IGNORES_UPSTREAM), checks=["diamond"])
    assert report["diamond"].diagnosis == "upstream"
    assert report["diamond"].message == (
        "y = m * c + ((m + d) * e) * f with m = a * b at a = 1.5, b = -2.0, c = 0.5, d = 3.0, "
        "e = -1.0, f = 2.0: p (data 0.0) has gradient -1.0; it should be -2.0. Your `*` node "
        "passes back its local derivative alone, without multiplying by its own gradient "
        "dL/d(*) = 2.0: the chain rule is local derivative · out.grad"
    )


def test_a_sum_that_passes_back_its_local_derivative_of_one_ignores_the_upstream() -> None:
    """``self.grad += 1.0``: right alone, where out.grad is 1; wrong under k = -1.5."""
    ones = variant(
        "            self.grad += out.grad\n            other.grad += out.grad\n",
        "            self.grad += 1.0\n            other.grad += 1.0\n",
    )
    report = check_engine(ones, checks=["add"])
    assert report["add"].message == (
        "(a + b) * k at a = 2.0, b = -3.0, k = -1.5: a (data 2.0) has gradient 1.0; it should "
        "be -1.5. Your `+` node passes back its local derivative alone, without multiplying by "
        "its own gradient dL/d(+) = -1.5: the chain rule is local derivative · out.grad"
    )


def test_ops_built_on_a_product_that_ignores_the_upstream_are_not_findings_of_their_own() -> None:
    """``a - b`` is ``a + (-b)`` and ``-b`` is ``b * -1`` in the lecture's engine: only the
    gradient toward ``b`` goes through the product. The subtraction fails, for the same
    reason (not for an ordering mistake), and the findings name the product."""
    report = check_engine(variant(*MUL_IGNORES_UPSTREAM))
    for name in ("sub", "neg", "truediv", "rsub", "rtruediv"):
        assert (report[name].diagnosis, report[name].derived) == ("upstream", True), name
    assert report["sub"].message == (
        "(a - b) * k at a = 2.0, b = -3.0, k = -1.5: b (data -3.0) has gradient -1.0; it "
        "should be 1.5. Your `-` node passes back its local derivative alone, without "
        "multiplying by its own gradient dL/d(-) = -1.5: the chain rule is local derivative "
        "· out.grad"
    )
    # 3.0 * a is the product itself (a node with a and 3.0 as children), named apart
    assert [(f.kind, f.op) for f in report.findings] == [("upstream", "mul"), ("upstream", "rmul")]


def test_a_product_that_assigns_its_first_input_keeps_one_contribution_of_several() -> None:
    """In the diamond ``m`` keeps the second of its two contributions; in the subexpression
    ``t`` keeps the second and third of three."""
    assigns = in_order(
        "            self.grad += other.data * out.grad\n",
        "            self.grad = other.data * out.grad\n",
    )
    report = check_engine(assigns, checks=["diamond", "subexpression"])
    overwritten = (
        "but it holds only some of them: the others were overwritten. Add to .grad (+=) in "
        "every _backward, never assign it (=)"
    )
    assert report["diamond"].message == (
        "y = m * c + ((m + d) * e) * f with m = a * b at a = 1.5, b = -2.0, c = 0.5, d = 3.0, "
        "e = -1.0, f = 2.0: m (data -3.0) has gradient 0.5; it should be -1.5. It is used "
        "twice (by the `+` node, and by the `*` node), so its gradient is the sum of 2 "
        f"contributions, -2.0 + 0.5 = -1.5, {overwritten}"
    )
    assert report["subexpression"].message == (
        "y = (t * t) * (t + d) with t = a * b + c at a = 1.5, b = -2.0, c = 0.5, d = 3.0: t "
        "(data -2.5) has gradient -2.5; it should be 3.75. It is used three times (by the `+` "
        "node, and twice by the `*` node), so its gradient is the sum of 3 contributions, "
        f"6.25 + -1.25 + -1.25 = 3.75, {overwritten}"
    )
    assert {check.diagnosis for check in report.checks[1:]} == {"accumulate"}


def test_a_missing_child_below_a_wrong_gradient_is_named_with_that_gradient() -> None:
    """A sum that forgets its second input: in the diamond, backward() never reaches the long
    path below the output, so ``q`` keeps gradient 0."""
    forgets = variant(
        '        out = Value(self.data + other.data, (self, other), "+")\n',
        '        out = Value(self.data + other.data, (self,), "+")\n',
    )
    report = check_engine(forgets, checks=["diamond"])
    assert report["diamond"].diagnosis == "graph"
    assert report["diamond"].message == (
        "y = m * c + ((m + d) * e) * f with m = a * b at a = 1.5, b = -2.0, c = 0.5, d = 3.0, "
        "e = -1.0, f = 2.0: q (data -0.0) has gradient 0.0; it should be 2.0. your `+` node "
        "does not list its input the `*` node (((a * b) + d) * e) * f (data -0.0) among its "
        "children, so backward() never reaches what lies below it: pass the inputs when you "
        "make the result, e.g. Value(t, (self,), '+')"
    )


# -- where an engine keeps its graph ----------------------------------------------------------

#: A small engine (sum and product) that keeps its children under ``KIDS``; ``MUL_SELF`` is
#: the product's local derivative toward its first input (``other.data`` when right).
SMALL = """
class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self.KIDS = tuple(_children)
        self._backward = lambda: None
METHOD
    def __add__(self, other):
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += MUL_SELF * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if id(v) not in seen:
                seen.add(id(v))
                for child in v.KIDS:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
"""

#: The checks with Values only (no number operands, which SMALL does not wrap).
CHECKS = ["reuse", "diamond", "subexpression"]


def small_engine(kids: str, method: str = "", mul_self: str = "other.data") -> type:
    source = SMALL.replace("KIDS", kids).replace("METHOD", method)
    return load_class(source.replace("MUL_SELF", mul_self))


def test_children_kept_under_inputs_are_found_beside_a_children_method() -> None:
    """``children()`` is a method here, not the list: the graph is read from ``.inputs``."""
    method = "\n    def children(self):\n        return list(self.inputs)\n"
    assert check_engine(small_engine("inputs", method), checks=CHECKS).passed
    source = SMALL.replace("KIDS", "inputs").replace("METHOD", method)
    source = source.replace("MUL_SELF", "other.data").replace(
        "out = Value(self.data * other.data, (self, other))",
        "out = Value(self.data * other.data, (self,))",
    )
    report = check_engine(load_class(source), checks=["mul"])
    assert report["mul"].diagnosis == "graph"
    assert report["mul"].message == (
        "a * b at a = 2.0, b = -3.0: your `*` node does not list its input b (data -3.0) among "
        "its children, so backward() never reaches what lies below it: pass the inputs when "
        "you make the result, e.g. Value(t, (self,), '*')"
    )


def test_an_engine_that_shows_no_graph_is_graded_on_its_numbers_alone() -> None:
    """Children under a name check_engine does not know: no graph mistake can be seen, and
    no op is said to be built from others."""
    assert check_engine(small_engine("_kids"), checks=CHECKS).passed
    wrong = check_engine(small_engine("_kids", mul_self="2 * other.data"), checks=["mul"])
    assert wrong["mul"].message == (
        "a * b at a = 2.0, b = -3.0: your `*` node (data -6.0) passes gradient -6.0 to its "
        "input a (data 2.0); it should pass -3.0, since ∂(a·b)/∂a = b and ∂(a·b)/∂b = a"
    )


@pytest.mark.parametrize(
    "cycle",
    [
        "out._prev = {out}",  # the result lists itself
        "loop = Value(0.0)\n        loop._prev = {loop}\n        out._prev = {loop}",  # below it
    ],
    ids=["itself", "below"],
)
def test_a_cycle_among_the_children_is_a_missing_input_not_an_endless_walk(cycle) -> None:
    looped = variant(
        '        out = Value(t, (self,), "tanh")\n',
        f'        out = Value(t, (), "tanh")\n        {cycle}\n',
    )
    report = check_engine(looped, checks=["tanh"], time_limit=5.0)
    assert report["tanh"].diagnosis == "graph"
    assert report["tanh"].message.startswith(
        "a.tanh() at a = 0.5: your `tanh` node does not list its input a (data 0.5) among its "
        "children"
    )


def test_a_gradient_that_became_a_value_in_the_no_flow_probe_is_named_there() -> None:
    """The product's first gradient is wrong, so check_engine looks whether any gradient
    flows at all, in ``y = x + 3``: there the sum hands back a Value, not a number."""
    broken = variant(
        "            self.grad += out.grad\n            other.grad += out.grad\n",
        "            self.grad += out\n            other.grad += out.grad\n",
        lecture_source().replace(
            "            self.grad += other.data * out.grad\n",
            "            self.grad += self.data * out.grad\n",
        ),
    )
    report = check_engine(broken, checks=["seed"])
    assert report["seed"].diagnosis == "not_a_number"
    assert report["seed"].message == (
        "in y = x + 3, after y.backward(), x.grad is a Value, not a number; it is a Value "
        "itself: use .data of the other Value (e.g. other.data * out.grad)"
    )


def test_exceptions_at_two_places_are_two_mistakes_in_the_report() -> None:
    """``a * a`` raises in the product, ``m + d`` (d = 3) in the sum: the report shows both
    messages; the subexpression (``t * t``) repeats the first, and is named as such."""
    source = SMALL.replace("KIDS", "_prev").replace("METHOD", "").replace("MUL_SELF", "other.data")
    source = source.replace(
        "        out = Value(self.data * other.data, (self, other))\n",
        "        if self is other:\n            raise ValueError('no squares')\n"
        "        out = Value(self.data * other.data, (self, other))\n",
    ).replace(
        "        out = Value(self.data + other.data, (self, other))\n",
        "        if other.data == 3.0:\n            raise ValueError('no threes')\n"
        "        out = Value(self.data + other.data, (self, other))\n",
    )
    report = check_engine(load_class(source, "raises.py"), checks=CHECKS)
    assert str(report).splitlines()[1:5] == [
        "  ✓ core",
        "  ✗ reuse: a * a at a = 3.0: your code raised ValueError: no squares at raises.py:23 "
        "in __mul__ (`raise ValueError('no squares')`)",
        "  ✗ diamond: y = m * c + ((m + d) * e) * f with m = a * b at a = 1.5, b = -2.0, "
        "c = 0.5, d = 3.0, e = -1.0, f = 2.0: your code raised ValueError: no threes at "
        "raises.py:11 in __add__ (`raise ValueError('no threes')`)",
        "  ✗ subexpression: the same mistake as in reuse",
    ]


def test_an_engine_without_a_product_is_graded_on_what_it_has() -> None:
    """The seed check falls back on ``a + b``; the checks built from ``*`` say they need it,
    and the missing product is a finding of its own."""
    source = SMALL.replace("KIDS", "_prev").replace("METHOD", "")
    source = source[: source.index("    def __mul__")] + source[source.index("    def backward") :]
    report = check_engine(load_class(source, "no_mul.py"))
    wrap = "other = other if isinstance(other, Value) else Value(other)"
    assert (report["mul"].status, report["mul"].op) == ("failed", "mul")
    assert report["pow"].message == "your Value has no __pow__ (for a ** n)"
    assert report["rsub"].message == "your Value has no __rsub__ (for c - a)"
    assert str(report) == "\n".join(
        [
            "check_engine(Value): 2 of 8 checks passed, FAILED",
            "  ✓ core",
            "  ✓ seed",
            "  ✗ add: a + 2.5 at a = 1.5: your code raised AttributeError: 'float' object has no "
            "attribute 'data' at no_mul.py:10 in __add__ (`out = Value(self.data + other.data, "
            f"(self, other))`); to accept a number as an operand, wrap it first: {wrap}",
            "  ✗ mul: your Value has no __mul__ (for a * b)",
            "  ✗ reuse: this check needs a * b",
            "  ✗ diamond: the same mistake as in reuse",
            "  ✗ subexpression: the same mistake as in reuse",
            "  ✗ mlp: the same mistake as in reuse",
            "  not implemented (not counted): sub, neg, truediv, pow, radd, rsub, rmul, rtruediv, "
            "relu, tanh, exp, log, sigmoid, sin, cos",
            "To fix:",
            "  * your code raised an exception (add): see no_mul.py:10 in __add__ [add]",
            "  * something required is missing or not done yet (mul): implement what the message "
            "names [mul]",
            "  * something required is missing or not done yet: implement what the message names "
            "[reuse, diamond, subexpression, mlp]",
        ]
    )


def test_a_skeleton_with_neither_sum_nor_product_is_told_what_each_check_needs() -> None:
    """Only ``__init__`` and ``backward()`` written: the seed check needs ``+`` or ``*`` (it
    does not blame an exception on a line of the student's), the others need both."""
    source = SMALL.replace("KIDS", "_prev").replace("METHOD", "")
    source = source[: source.index("    def __add__")] + source[source.index("    def backward") :]
    report = check_engine(load_class(source, "skeleton.py"))
    assert str(report) == "\n".join(
        [
            "check_engine(Value): 1 of 8 checks passed, FAILED",
            "  ✓ core",
            "  ✗ seed: this check needs a + b or a * b",
            "  ✗ add: your Value has no __add__ (for a + b)",
            "  ✗ mul: your Value has no __mul__ (for a * b)",
            "  ✗ reuse: the same mistake as in seed",
            "  ✗ diamond: the same mistake as in seed",
            "  ✗ subexpression: the same mistake as in seed",
            "  ✗ mlp: the same mistake as in seed",
            "  not implemented (not counted): sub, neg, truediv, pow, radd, rsub, rmul, rtruediv, "
            "relu, tanh, exp, log, sigmoid, sin, cos",
            "To fix:",
            "  * something required is missing or not done yet: implement what the message names "
            "[seed, reuse, diamond, subexpression, mlp]",
            "  * something required is missing or not done yet (add): implement what the message "
            "names [add]",
            "  * something required is missing or not done yet (mul): implement what the message "
            "names [mul]",
        ]
    )
    needs_both = "this check needs a + b and a * b"
    assert [report[name].message for name in CHECKS + ["mlp"]] == [needs_both] * 4


def test_an_attribute_that_is_not_a_method_is_not_an_operation() -> None:
    """A skeleton's placeholders: the checks of relu and tanh are not implemented, not failed."""
    placeholders = "\n    relu = None  # to do\n    tanh = 'write tanh'\n"
    report = check_engine(small_engine("_prev", placeholders), checks=["ops"])
    assert {"relu", "tanh"} <= {check.name for check in report.not_implemented}
    assert report["tanh"].message == "your Value has no tanh (for tanh(a))"


def test_without_a_product_the_seed_is_checked_on_a_sum() -> None:
    source = SMALL.replace("KIDS", "_prev").replace("METHOD", "")
    source = source[: source.index("    def __mul__")] + source[source.index("    def backward") :]
    unseeded = load_class(source.replace("        self.grad = 1.0\n", ""))
    assert check_engine(unseeded, checks=["seed"])["seed"].message == (
        "y = a + b at a = 2.0, b = -3.0: after backward(), the output's own gradient is 0.0; it "
        "must be 1.0 (dL/dL = 1): backward() starts by seeding it, before any gradient flows back"
    )


def test_without_tanh_and_relu_the_mlp_has_no_activation() -> None:
    wrap = "        other = other if isinstance(other, Value) else Value(other)\n"
    source = SMALL.replace("KIDS", "_prev").replace("METHOD", "")
    source = source.replace("        out = Value(self.data", wrap + "        out = Value(self.data")
    source = source.replace("self.grad += MUL_SELF * out.grad", "self.grad = other.data * out.grad")
    report = check_engine(load_class(source), checks=["mlp"])
    assert report["mlp"].message.startswith(
        "the MLP's loss (no activation): layers.1.neurons.0.w.0 (data 0.7) has gradient 1.932; "
        "it should be 0.144. It is used twice (by the `*` node, and by another `*` node), so "
        "its gradient is the sum of 2 contributions, -1.788 + 1.932 = 0.144,"
    )


def test_a_square_listing_its_input_twice_is_not_built_from_other_operations() -> None:
    """Children in a tuple: ``a * a`` lists ``a`` twice, and is still one product."""
    doubled = in_order(
        "            other.grad += self.data * out.grad\n",
        "            other.grad += 2 * self.data * out.grad\n",
    )
    report = check_engine(doubled, checks=["reuse"])
    assert (report["reuse"].diagnosis, report["reuse"].derived) == ("local_derivative", False)
    assert report["reuse"].message == (
        "a * a at a = 3.0: your `*` node (data 9.0) passes gradient 6.0 to its input a (data "
        "3.0); it should pass 3.0, since ∂(a·b)/∂a = b and ∂(a·b)/∂b = a"
    )


def test_an_op_built_from_others_is_the_finding_when_it_is_the_only_one() -> None:
    """A teacher checks ``a - b`` alone; the student's ``-b`` passes +1 back: the finding is
    the subtraction's (the negation was not checked), with the hint to look below it."""
    negation = variant(
        "        return self * -1\n",
        "        out = Value(-self.data, (self,), 'neg')\n\n"
        "        def _backward():\n            self.grad += out.grad\n\n"
        "        out._backward = _backward\n        return out\n",
    )
    report = check_engine(negation, checks=["sub"])
    assert str(report) == "\n".join(
        [
            "check_engine(Value): 1 of 2 checks passed, FAILED",
            "  ✓ core",
            "  ✗ sub: a - b at a = 2.0, b = -3.0: your `-` node (data 5.0) passes gradient 1.0 to "
            "its input b (data -3.0); it should pass -1.0, since ∂(a − b)/∂a = 1 and "
            "∂(a − b)/∂b = −1 (your a - b is built from other operations: look at those first)",
            "To fix:",
            "  * an operation has the wrong local derivative (sub): ∂(a − b)/∂a = 1 and "
            "∂(a − b)/∂b = −1; in micrograd style: return self + (-other) [sub]",
        ]
    )


@pytest.mark.parametrize(
    ("change", "check", "message"),
    [
        (
            ("        self.data = data\n", "        self.data = data / 0\n"),
            "core",
            "your code raised ZeroDivisionError: float division by zero at raises.py:4 in "
            "__init__ (`self.data = data / 0`)",
        ),
        (
            (
                "    def backward(self):\n",
                "    def backward(self):\n        raise NotImplementedError\n",
            ),
            "seed",
            "not done yet: a method raises NotImplementedError (raises.py:30 in backward)",
        ),
        (
            (
                "    def __add__(self, other):\n",
                "    def __add__(self, other):\n        if not isinstance(other, Value):\n"
                "            raise TypeError('only Values')\n",
            ),
            "add",
            "a + 2.5 at a = 1.5: your code raised TypeError: only Values at raises.py:11 in "
            "__add__ (`raise TypeError('only Values')`); to accept a number as an operand, wrap "
            "it first: other = other if isinstance(other, Value) else Value(other)",
        ),
        (
            (
                "    def __add__(self, other):\n",
                "    def __add__(self, other):\n        if not isinstance(other, Value):\n"
                "            raise ValueError('only Values')\n",
            ),
            "add",
            "a + 2.5 at a = 1.5: your code raised ValueError: only Values at raises.py:11 in "
            "__add__ (`raise ValueError('only Values')`)",  # no hint: not about a missing wrap
        ),
    ],
    ids=["in the constructor", "not done yet", "numbers refused", "another exception"],
)
def test_an_exception_is_named_with_the_students_line(change, check, message) -> None:
    source = SMALL.replace("KIDS", "_prev").replace("METHOD", "").replace("MUL_SELF", "other.data")
    assert source.count(change[0]) == 1
    report = check_engine(load_class(source.replace(*change), "raises.py"), checks=[check])
    assert report[check].message == message


def test_the_mlp_takes_tanh_when_tanh_and_relu_both_pass() -> None:
    """A product that assigns its first input's gradient passes every op check alone; the
    MLP, built with tanh (whose check passed, as relu's did), shows the slip."""
    assigns = variant(
        "            self.grad += other.data * out.grad\n",
        "            self.grad = other.data * out.grad\n",
    )
    report = check_engine(assigns)
    assert report["tanh"].passed and report["relu"].passed
    assert report["mlp"].message.startswith("the MLP's loss (tanh hidden layer): ")


# -- check_gradients ---------------------------------------------------------------------------


def infinite_right_of_one(x: Value) -> Value:
    """x² up to 1, then infinite: the finite difference at 1 is infinite."""
    return x * x if x.data <= 1.0 else x * math.inf


def test_an_infinite_finite_difference_agrees_with_no_gradient() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", KinkWarning)  # a slope that is not finite: no kink
        report = check_gradients(infinite_right_of_one, [1.0])
    (row,) = report.rows
    assert (row.analytic, row.numeric, row.kink, row.ok) == (2.0, math.inf, False, False)
    assert not report.passed
    assert report.summary == (
        "check_gradients(infinite_right_of_one): 0 of 1 gradients agree with finite "
        "differences: FAILED"
    )


def test_an_infinite_expected_value_agrees_with_no_value() -> None:
    report = check_gradients(lambda x: x * 2.0, [1.0], expected=lambda x: math.inf)
    assert [row.ok for row in report.values] == [False] and not report.passed


# -- the results as a notebook shows them (repr) -----------------------------------------------


def test_results_and_findings_show_what_they_hold() -> None:
    report = check_engine(buggy_value("relu"), checks=["mul", "relu"])
    assert repr(report["relu"]) == "CheckResult('relu', 'failed', diagnosis='relu')"
    assert repr(report["mul"]) == "CheckResult('mul', 'passed', diagnosis=None)"
    assert repr(report.findings) == "[Finding('relu', op='relu')]"
    (row,) = check_gradients(lambda x: x * 2.0, [0.5]).rows
    assert repr(row) == (
        f"GradientRow(point=(0.5,), input=0, analytic=2.0, numeric={row.numeric!r}, ok=True)"
    )
