r"""Bug hunts: micrograd-style engines with one classic bug planted.

``buggy_value(kind)`` returns a ``Value`` class in the style of the well-known
lecture (``_prev``, ``_op``, one ``_backward`` closure per node, a
topological sort in ``backward``) that is correct except for one planted
bug. ``kinds()`` lists the bugs, one line each, for the teacher.

Each class is compiled from one readable source, ``SOURCE``, with a single
line changed, so a student can read the whole engine
(``inspect.getsource(Value)`` works, and tracebacks show its lines) and
hunt the bug with ``check_engine``, ``check_gradients`` or by hand.

>>> Value = buggy_value("accumulate")
>>> a = Value(3.0)
>>> y = a * a
>>> y.backward()
>>> a.grad  # should be 2a = 6.0: one of the two contributions was overwritten
3.0
"""

from __future__ import annotations

import linecache
import sys
import textwrap
import types
from typing import Any, NamedTuple

from engine.exercises.grade import CheckResult, EngineReport, check_engine

#: A correct micrograd-style engine, as the lecture writes it. Every bug below
#: changes exactly one of its lines.
SOURCE = textwrap.dedent(
    '''\
    import math


    class Value:
        """A scalar that remembers how it was computed (micrograd style)."""

        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = set(_children)
            self._op = _op

        def __repr__(self):
            return f"Value(data={self.data}, grad={self.grad})"

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():
                self.grad += out.grad
                other.grad += out.grad

            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad

            out._backward = _backward
            return out

        def __pow__(self, n):
            assert isinstance(n, (int, float)), "only number powers"
            out = Value(self.data**n, (self,), f"**{n}")

            def _backward():
                self.grad += n * self.data ** (n - 1) * out.grad

            out._backward = _backward
            return out

        def relu(self):
            out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

            def _backward():
                self.grad += (out.data > 0) * out.grad

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                self.grad += (1 - t**2) * out.grad

            out._backward = _backward
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += out.data * out.grad

            out._backward = _backward
            return out

        def backward(self):
            topo = []
            visited = set()

            def build_topo(v):
                if v not in visited:
                    visited.add(v)
                    for child in v._prev:
                        build_topo(child)
                    topo.append(v)

            build_topo(self)
            self.grad = 1.0
            for v in reversed(topo):
                v._backward()

        def __neg__(self):  # -self
            return self * -1

        def __radd__(self, other):  # other + self
            return self + other

        def __sub__(self, other):  # self - other
            return self + (-other)

        def __rsub__(self, other):  # other - self
            return other + (-self)

        def __rmul__(self, other):  # other * self
            return self * other

        def __truediv__(self, other):  # self / other
            return self * other**-1

        def __rtruediv__(self, other):  # other / self
            return other * self**-1
    '''
)


class Bug(NamedTuple):
    """One planted bug: what it is, and the lines it changes (``old`` becomes ``new``)."""

    description: str
    old: str
    new: str


_BREADTH_FIRST = """\
        self.grad = 1.0
        queue, seen = [self], {self}
        while queue:
            v = queue.pop(0)
            v._backward()
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
"""

#: Every bug, by kind. All but ``breadth_first`` change a single line.
BUGS: dict[str, Bug] = {
    "accumulate": Bug(
        "a * b assigns its second input's gradient (=) instead of adding to it (+=): "
        "in a * a one of the two contributions is lost",
        "            other.grad += self.data * out.grad\n",
        "            other.grad = self.data * out.grad\n",
    ),
    "topological_order": Bug(
        "backward() loops over the topological order without reversing it, so each node "
        "passes its gradient on before the nodes that use it have given it any",
        "        for v in reversed(topo):\n",
        "        for v in topo:\n",
    ),
    "breadth_first": Bug(
        "backward() walks breadth-first from the output instead of in reverse topological "
        "order: a node reached early by a short path passes its gradient on before a long "
        "path has added its share",
        "        build_topo(self)\n        self.grad = 1.0\n        for v in reversed(topo):\n"
        "            v._backward()\n",
        _BREADTH_FIRST,
    ),
    "seed": Bug(
        "backward() never seeds the output's gradient with 1, so every gradient stays 0",
        "        self.grad = 1.0\n        for v in reversed(topo):\n",
        "        for v in reversed(topo):\n",
    ),
    "relu": Bug(
        "relu tests out.data >= 0, which its output always is, so it passes the gradient "
        "through even where its input was negative",
        "            self.grad += (out.data > 0) * out.grad\n",
        "            self.grad += (out.data >= 0) * out.grad\n",
    ),
    "tanh_derivative": Bug(
        "tanh's local derivative is written 1 - t instead of 1 - t**2",
        "            self.grad += (1 - t**2) * out.grad\n",
        "            self.grad += (1 - t) * out.grad\n",
    ),
    "mul_derivative": Bug(
        "a * b sends its first input a's own value as the local derivative instead of b's",
        "            self.grad += other.data * out.grad\n",
        "            self.grad += self.data * out.grad\n",
    ),
    "pow_derivative": Bug(
        "x ** n has the local derivative n * x**n instead of n * x**(n - 1)",
        "            self.grad += n * self.data ** (n - 1) * out.grad\n",
        "            self.grad += n * self.data**n * out.grad\n",
    ),
    "upstream": Bug(
        "exp passes back its local derivative alone, forgetting to multiply by out.grad",
        "            self.grad += out.data * out.grad\n",
        "            self.grad += out.data\n",
    ),
    "graph": Bug(
        "tanh does not record its input as a child, so backward() never reaches what lies below it",
        '        out = Value(t, (self,), "tanh")\n',
        '        out = Value(t, (), "tanh")\n',
    ),
}


def kinds() -> dict[str, str]:
    """Every kind of planted bug, with a one-line description (for the teacher)."""
    return {kind: bug.description for kind, bug in BUGS.items()}


def buggy_source(kind: str) -> str:
    """The source of ``buggy_value(kind)``: ``SOURCE`` with the bug's lines changed."""
    bug = _bug(kind)
    if SOURCE.count(bug.old) != 1:  # an internal invariant, tested for every kind
        raise AssertionError(f"bug {kind!r} must change exactly one place of SOURCE")
    return SOURCE.replace(bug.old, bug.new)


def buggy_value(kind: str, fix: tuple[str, str] | None = None) -> type:
    """A micrograd-style ``Value`` class with the bug ``kind`` planted (see ``kinds()``).

    The class has ``+``, ``*``, ``**`` (by a number), ``-``, ``/``, ``relu``,
    ``tanh``, ``exp`` and ``backward``, written as in the lecture. Its source
    is ``buggy_source(kind)``; ``inspect.getsource`` finds it too.

    ``fix=(old, new)`` replaces the line(s) ``old`` with ``new`` first (see
    ``apply_fix``): a student's repair, to be graded by ``check_fix``.
    """
    source = buggy_source(kind)
    if fix is not None:
        source = apply_fix(source, *fix)
    filename = f"<buggy_value {kind!r}>" if fix is None else f"<buggy_value {kind!r}, fixed>"
    # A module of its own, with the text registered in linecache, so that
    # tracebacks show the class's lines and inspect.getsource(Value) finds them.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(f"chainrule_buggy_value_{kind}")
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)  # SOURCE, plus at most a fix
    sys.modules[module.__name__] = module
    value_class: type = module.Value  # type: ignore[attr-defined]
    return value_class


def apply_fix(source: str, old: str, new: str) -> str:
    """``source`` with the line(s) ``old`` replaced by ``new``; indentation does not matter.

    ``old`` is one line or several (compared with their spaces stripped) and
    must occur exactly once; ``new`` takes the indentation of ``old``'s first
    line (its own lines keep their indentation relative to its first line).
    A ``ValueError`` says when ``old`` is empty or not found once.

    >>> apply_fix("def f(x):\\n    return x - 1\\n", "return x - 1", "return x + 1")
    'def f(x):\\n    return x + 1\\n'
    """
    if not isinstance(old, str) or not isinstance(new, str):
        raise TypeError("a fix is two strings: (the line with the bug, the line as it should be)")
    wanted = [line.strip() for line in old.strip().splitlines()]
    if not any(wanted):
        raise ValueError("the fix's first string is empty: copy the line with the bug into it")
    lines = source.splitlines(True)
    stripped = [line.strip() for line in lines]
    starts = [i for i in range(len(lines)) if stripped[i : i + len(wanted)] == wanted]
    if len(starts) != 1:
        where = "is not in" if not starts else f"occurs {len(starts)} times in"
        raise ValueError(
            f"the line {old.strip()!r} {where} the engine's source: copy it exactly as "
            "printed (indentation does not matter)"
            + ("" if not starts else ", with a line around it to tell which one")
        )
    first = starts[0]
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    new_lines = new.strip("\n").splitlines() or [""]
    base = len(new_lines[0]) - len(new_lines[0].lstrip())
    replaced = [indent + line[base:] if line.strip() else "" for line in new_lines]
    body = "".join(line + "\n" for line in replaced)
    return "".join(lines[:first]) + body + "".join(lines[first + len(wanted) :])


def check_fix(kind: str, fix: tuple[str, str] | None, **options: Any) -> EngineReport:
    """Grade a student's repair of ``buggy_value(kind)`` with ``check_engine``.

    ``fix`` is ``(line with the bug, line as it should be)``, or ``None``
    when there is no fix yet (the report then shows the bug). Never raises
    for a bad fix: a line not found, or a new line that is not valid Python,
    is a failed ``fix`` check. ``options`` go to ``check_engine``.
    """
    _bug(kind)
    if fix is None:
        return check_engine(buggy_value(kind), **options)
    try:
        if not isinstance(fix, (tuple, list)) or len(fix) != 2:
            raise TypeError(
                "a fix is a pair of strings: (the line with the bug, the line as it should be)"
            )
        value_class = buggy_value(kind, tuple(fix))  # type: ignore[arg-type]
    except (TypeError, ValueError, SyntaxError) as error:
        message = f"your fix could not be applied: {error}"
        return EngineReport("Value", [CheckResult("fix", "failed", message, "missing")], [])
    return check_engine(value_class, **options)


def _bug(kind: object) -> Bug:
    if not isinstance(kind, str) or kind not in BUGS:
        raise ValueError(
            f"buggy_value: unknown kind {kind!r}; the kinds are {', '.join(BUGS)} "
            "(kinds() describes each)"
        )
    return BUGS[kind]
