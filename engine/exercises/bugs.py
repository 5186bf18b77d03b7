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
import math
import sys
import textwrap
import types
from typing import NamedTuple

#: A correct micrograd-style engine, as the lecture writes it. Every bug below
#: changes exactly one of its lines.
SOURCE = textwrap.dedent(
    '''\
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
        queue = [self]
        self.grad = 1.0
        seen = {self}
        while queue:
            v = queue.pop(0)
            v._backward()
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
"""

_TOPOLOGICAL = """\
        build_topo(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
"""

#: Every bug, by kind.
BUGS: dict[str, Bug] = {
    "accumulate": Bug(
        "a * b assigns its inputs' gradients (=) instead of adding (+=): a value used "
        "twice keeps only one contribution",
        "            self.grad += other.data * out.grad\n"
        "            other.grad += self.data * out.grad\n",
        "            self.grad = other.data * out.grad\n"
        "            other.grad = self.data * out.grad\n",
    ),
    "topological_order": Bug(
        "backward() walks breadth-first from the output instead of in reverse topological "
        "order: a node can pass its gradient on before it has received all of it",
        _TOPOLOGICAL,
        "        build_topo(self)  # the order is built, then not used\n" + _BREADTH_FIRST,
    ),
    "seed": Bug(
        "backward() never seeds the output's gradient with 1, so every gradient stays 0",
        "        self.grad = 1.0\n        for v in reversed(topo):\n",
        "        for v in reversed(topo):\n",
    ),
    "relu": Bug(
        "relu passes the gradient through even where its input was negative",
        "            self.grad += (out.data > 0) * out.grad\n",
        "            self.grad += out.grad\n",
    ),
    "tanh_derivative": Bug(
        "tanh's local derivative is written 1 - t instead of 1 - t**2",
        "            self.grad += (1 - t**2) * out.grad\n",
        "            self.grad += (1 - t) * out.grad\n",
    ),
    "mul_derivative": Bug(
        "a * b sends each input its own value as the local derivative instead of the other's",
        "            self.grad += other.data * out.grad\n"
        "            other.grad += self.data * out.grad\n",
        "            self.grad += self.data * out.grad\n"
        "            other.grad += other.data * out.grad\n",
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
        "tanh does not record its input as a child, so backward() never reaches it",
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


def buggy_value(kind: str) -> type:
    """A micrograd-style ``Value`` class with the bug ``kind`` planted (see ``kinds()``).

    The class has ``+``, ``*``, ``**`` (by a number), ``-``, ``/``, ``relu``,
    ``tanh``, ``exp`` and ``backward``, written as in the lecture. Its source
    is ``buggy_source(kind)``; ``inspect.getsource`` finds it too.
    """
    source = buggy_source(kind)
    filename = f"<buggy_value {kind!r}>"
    # A module of its own, with the text registered in linecache, so that
    # tracebacks show the class's lines and inspect.getsource(Value) finds them.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(f"chainrule_buggy_value_{kind}")
    module.__file__ = filename
    module.math = math  # type: ignore[attr-defined]
    exec(compile(source, filename, "exec"), module.__dict__)  # our own fixed text, never input
    sys.modules[module.__name__] = module
    value_class: type = module.Value  # type: ignore[attr-defined]
    return value_class


def _bug(kind: object) -> Bug:
    if not isinstance(kind, str) or kind not in BUGS:
        raise ValueError(
            f"buggy_value: unknown kind {kind!r}; the kinds are {', '.join(BUGS)} "
            "(kinds() describes each)"
        )
    return BUGS[kind]
