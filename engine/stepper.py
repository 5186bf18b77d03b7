r"""The backward pass one node at a time, with the chain rule written out.

``backward()`` runs in one go. ``backward_steps(root)`` does exactly the same
work, in exactly the same order, but stops after every node and hands back a
``BackwardStep`` that says what just happened. When node $u$ is visited, its
gradient $\partial L / \partial u$ (the *upstream* gradient) is final, and
for each input $x$ of $u$ the chain rule adds one term:

$$\frac{\partial L}{\partial x} \mathrel{+}= \frac{\partial L}{\partial u}
\cdot \frac{\partial u}{\partial x}$$

Printed, a step reads like that formula with the numbers filled in. Two
notations keep the two kinds of derivative apart: ``dL/dx`` (upright d) is a
*running total*, the gradient of the output $L$ with respect to $x$, built up
by ``+=``; ``∂u/∂x`` (the partial sign ∂) is a *local derivative*, the one
number operation $u$ stored for its input $x$ when it was computed. Read
aloud, ``dL/da += dL/dc * ∂c/∂a`` is "the gradient of L with respect to a
grows by the gradient of L with respect to c times the partial derivative of
c with respect to a":

>>> from engine import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b
>>> c.label = "c"
>>> steps = list(backward_steps(c))
>>> print(steps[0])
dc/da += dc/dc * ∂c/∂a = 1.0 * -3.0 = -3.0
dc/db += dc/dc * ∂c/∂b = 1.0 * 2.0 = 2.0
>>> a.grad, b.grad
(-3.0, 2.0)

Values without a label are called ``v0``, ``v1``, ... by their position in
``topological_order(root)``, the same numbers ``engine.draw`` uses.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.backprop import topological_order
from engine.value import Value


def _node_names(order: list[Value]) -> dict[Value, str]:
    """Each node's label, or ``v<i>`` with ``i`` its position in topological order."""
    return {node: str(node.label) if node.label else f"v{i}" for i, node in enumerate(order)}


class InputGrad:
    """One chain-rule term of a ``BackwardStep``: what was added to one input's gradient.

    * ``input``: the input Value $x$,
    * ``name``: its name in the printed formula,
    * ``local``: the local derivative $\\partial u / \\partial x$,
    * ``contribution``: ``local * upstream``, the amount added to ``x.grad``,
    * ``grad_before`` and ``grad``: ``x.grad`` before and after the addition.
    """

    __slots__ = ("input", "name", "local", "contribution", "grad_before", "grad")

    def __init__(
        self,
        input_value: Value,
        name: str,
        local: float,
        contribution: float,
        grad_before: float,
        grad: float,
    ) -> None:
        self.input = input_value
        self.name = name
        self.local = local
        self.contribution = contribution
        self.grad_before = grad_before
        self.grad = grad

    def __repr__(self) -> str:
        return (
            f"InputGrad(name={self.name!r}, local={self.local!r}, "
            f"contribution={self.contribution!r}, grad={self.grad!r})"
        )


class BackwardStep:
    """What the backward pass did at one node.

    * ``node``: the Value visited, ``name`` its name,
    * ``index``: the position of this step in the backward pass (0 is the root),
    * ``upstream``: ``node.grad`` when it was visited, i.e. $\\partial L / \\partial \\text{node}$,
    * ``inputs``: one ``InputGrad`` per input of ``node``, in order
      (a leaf has none),
    * ``root_name``: the name of the output $L$.

    ``str(step)`` writes the chain rule out, one line per input:
    ``dL/dx += dL/du * ∂u/∂x = upstream * local = contribution``, and where
    ``x`` already had a gradient (a second path into it), the running total
    ``so dL/dx = before + contribution = after``. A leaf's step has no
    inputs: ``dL/dx = grad (x is a leaf: nothing to pass back)``.
    """

    __slots__ = ("node", "name", "index", "upstream", "inputs", "root_name")

    def __init__(
        self,
        node: Value,
        name: str,
        index: int,
        upstream: float,
        inputs: tuple[InputGrad, ...],
        root_name: str,
    ) -> None:
        self.node = node
        self.name = name
        self.index = index
        self.upstream = upstream
        self.inputs = inputs
        self.root_name = root_name

    def __str__(self) -> str:
        big_l, u = self.root_name, self.name
        if not self.inputs:
            return f"d{big_l}/d{u} = {self.upstream!r} ({u} is a leaf: nothing to pass back)"
        lines = []
        for term in self.inputs:
            x = term.name
            line = (
                f"d{big_l}/d{x} += d{big_l}/d{u} * ∂{u}/∂{x} = "
                f"{self.upstream!r} * {term.local!r} = {term.contribution!r}"
            )
            if term.grad_before != 0.0:  # a second path into x: the running total
                line += (
                    f", so d{big_l}/d{x} = {term.grad_before!r} + {term.contribution!r}"
                    f" = {term.grad!r}"
                )
            lines.append(line)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"BackwardStep(index={self.index}, name={self.name!r}, "
            f"upstream={self.upstream!r}, inputs={len(self.inputs)})"
        )


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """``root.backward()``, one node at a time: yields a ``BackwardStep`` per node.

    The same float operations in the same order as ``engine.backpropagate``:
    first every interior gradient is set to 0 and the root is seeded with
    ``root.grad += 1``; then the nodes are visited in reverse topological
    order and each adds ``local * upstream`` into its inputs' gradients.
    Here every term is shown, even where ``backpropagate`` skips a node
    whose gradient is 0 (its terms are all exactly 0, and adding them
    changes no bit). After the last step every ``.grad`` is exactly what
    ``backward()`` gives (and, as with ``backward()``, leaf gradients
    accumulate across runs).

    Nothing happens until the first step is asked for (it is a generator).
    A pass stopped half-way leaves the gradients half-computed: finish it, or
    zero the leaves' gradients and run ``backward()`` before using them.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps expects a Value, got {type(root).__name__}: {root!r}")
    order = topological_order(root)
    names = _node_names(order)
    for node in order:
        if node._inputs:
            node.grad = 0.0
    root.grad += 1.0
    root_name = names[root]
    for index, node in enumerate(reversed(order)):
        upstream = node.grad
        terms = []
        for child, local in zip(node._inputs, node._local_grads):
            grad_before = child.grad
            contribution = local * upstream
            child.grad += contribution
            terms.append(
                InputGrad(child, names[child], local, contribution, grad_before, child.grad)
            )
        yield BackwardStep(node, names[node], index, upstream, tuple(terms), root_name)


def explain_backward(root: Value) -> str:
    """Run the backward pass from ``root`` and return every step's chain rule, in order.

    Like ``backward()``, it fills the gradients. ``y = x * x`` uses ``x``
    twice, so the pass adds into ``dy/dx`` twice; the second line shows the
    running total:

    >>> from engine import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> print(explain_backward(y))
    dy/dx += dy/dy * ∂y/∂x = 1.0 * 3.0 = 3.0
    dy/dx += dy/dy * ∂y/∂x = 1.0 * 3.0 = 3.0, so dy/dx = 3.0 + 3.0 = 6.0
    dy/dx = 6.0 (x is a leaf: nothing to pass back)
    """
    return "\n".join(str(step) for step in backward_steps(root))
