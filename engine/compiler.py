r"""``engine.compile``: a training step written out as straight-line Python, the chain rule as code.

JAX's *autodidax* explains ``jit`` by showing the code it stages out. This
does the same for a scalar engine: it traces the graph of one example, writes
that example's forward and backward passes as straight-line Python on local
variables, and loops it over the batch::

    step = engine.compile(per_example, params, reduce="mean", extra=None)
    loss = step(X, Y)   # the loss (a float); fills p.grad for every p in params
    print(step.source)  # the generated Python: forward, then backward, a comment per edge
    step.graph(x, y)    # one example's ordinary eager graph, to draw or step through

``per_example(x, y)`` takes a list of input Values and a label Value (a list
of Values when a label is a list of numbers) and returns the example's loss.
``step(X, Y)`` has exactly the effect of this eager code, and gives the same
floats, bit for bit (on CPython; the tests check it):

    L = sum_values([per_example([Value(v) for v in x], Value(y)) for x, y in zip(X, Y)])
    L = L / len(X) + extra()   # reduce="mean"; "sum" leaves out / len(X); extra is optional
    L.backward()

Like ``backward()``, it adds to ``p.grad`` (a training loop calls
``zero_grad()``), and only Values in ``params`` get gradients. The compiled
code creates no Value and no graph, so it runs faster than the same step
written by hand with floats, and allocates no object the garbage collector
would have to track.

**How** (see ``engine.tracing``, ``engine.codegen``, ``engine.templates``):

1. *trace*: the first call runs ``per_example`` on its first example (and on a
   second, to check that both build the same graph), noting which operation
   made each node and which numbers the code read;
2. *write*: each node becomes a line of forward code from its operation's rule,
   each edge a line of backward code, ``g_input += local * g_node``, in the
   order the eager backward pass would add it;
3. *run*: the generated function loops over the batch; ``extra()``, a function
   of the parameters only, is traced and written out as well.

**Refused** with a ``CompileError`` naming the node and the line of code (the
step then cannot run; ``nn.fit(compile=True)`` trains eagerly instead, with a
warning): a ``custom_op`` node (its formula is unknown), Python code that reads
a number that changes between examples (it could branch on it: ``if
z.data > 0``), Values from outside ``per_example`` that are not in ``params``,
and graphs that differ between two examples (random numbers, global state).
Code that reads only the *label*'s number (a class index, the hinge loss's
check of a +-1 label) is compiled once per label value, up to
``MAX_PROGRAMS`` of them.

**Exactly as eager, even where the fast path is not exact**: a step where a
parameter or a local derivative is infinite, NaN or above about 1e150 runs
eagerly (the zero-gradient skip is exact only for finite derivatives). An
error inside the generated code (a log of 0, a division by zero) is raised
by re-running that example eagerly: the eager operation's own exception, its
message followed by the example's index.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import linecache
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine.codegen import Layout, Program, write_step
from engine.templates import NAMESPACE
from engine.tracing import CompileError, Graph, analyse, run_traced
from engine.value import Value, _to_float, _total, sum_values

#: At most this many programs, one per label value, for code that reads the label's number.
MAX_PROGRAMS = 16

_counter = itertools.count(1)


def compile(  # engine.compile, as torch.compile: shadows the builtin here only
    per_example: Callable[..., Any],
    params: Sequence[Value],
    reduce: str = "mean",
    extra: Callable[[], Value | float] | None = None,
    *,
    has_aux: bool = False,
) -> CompiledStep:
    r"""A training step that computes $L$ and fills ``p.grad`` exactly as eager code would.

    $L = \frac{1}{n}\sum_{i=1}^{n} \ell(x_i, y_i) + R$ for ``reduce="mean"``
    ($\sum_i \ell(x_i, y_i) + R$ for ``"sum"``), with $\ell$ = ``per_example``
    and $R$ = ``extra()`` (0 without it), and each ``p.grad`` increased by
    $\partial L / \partial p$. Nothing is traced until the first call.

    * ``per_example(x, y)``: ``x`` a list of input Values, ``y`` a label Value
      (or a list of them); returns the example's loss as a Value. With
      ``has_aux=True`` it returns ``(loss, outputs)``, ``outputs`` a Value or a
      list of Values (the model's prediction, say), and the step returns
      ``(loss, [numbers of the outputs, per example])``.
    * ``params``: the leaf Values to differentiate (a repeated one counts once).
    * ``extra()``: a term added to the loss, from the parameters only (an L2
      penalty), or ``None``.

    >>> from engine import Value
    >>> w = Value(2.0)
    >>> step = compile(lambda x, y: (w * x[0] - y) ** 2, [w])
    >>> step([[1.0], [3.0]], [1.0, 3.0])  # ((2 - 1)^2 + (6 - 3)^2) / 2
    5.0
    >>> w.grad  # (2 * (2 - 1) * 1 + 2 * (6 - 3) * 3) / 2
    10.0
    """
    return CompiledStep(per_example, params, reduce, extra, has_aux)


class CompiledStep:
    """A training step written out as Python; see ``engine.compile``.

    Call it with a batch, ``step(X, Y)``. ``source`` is the generated code,
    ``graph(x, y)`` one example's eager graph, ``trace(X, Y)`` compiles for a
    batch without running it, and ``params`` are the Values it differentiates.
    """

    def __init__(
        self,
        per_example: Callable[..., Any],
        params: Sequence[Value],
        reduce: str,
        extra: Callable[[], Value | float] | None,
        has_aux: bool,
    ) -> None:
        if not callable(per_example):
            raise TypeError(
                "engine.compile needs per_example, a function (x, y) -> loss Value, "
                f"got {type(per_example).__name__}"
            )
        if reduce not in ("mean", "sum"):
            raise ValueError(f"reduce must be 'mean' or 'sum', got {reduce!r}")
        if extra is not None and not callable(extra):
            raise TypeError(
                "extra must be a function of no arguments that returns a Value (say, an "
                f"L2 penalty), or None; got {type(extra).__name__}"
            )
        self.params: tuple[Value, ...] = _checked_params(params)
        self._index = {p: i for i, p in enumerate(self.params)}
        self._per_example = per_example
        self._extra = extra
        self.reduce = reduce
        self.has_aux = has_aux
        self._layout: Layout | None = None
        self._shared: bool = True  # pragma: no mutate (the first trace sets it before any read)
        self._programs: list[Program] = []
        self._examples: list[tuple[list[float], Any]] = []  # the example each was traced on
        self._keys: dict[object, int] = {}
        self._extra_graph: Graph | None = None
        self._extra_number = 0.0
        self._function: Callable[..., Any] | None = None
        self._used: list[Value] = []
        self._source = ""  # pragma: no mutate (None: _register reads it as false too)
        #: The name the generated code is compiled under: tracebacks and ``linecache`` show it.
        self.filename = f"<engine.compile {next(_counter)}>"

    # -- the public face -------------------------------------------------------------

    def __call__(self, X: Sequence[Sequence[float]], Y: Sequence[Any]) -> Any:
        """The batch's loss (a float), after adding $\\partial L / \\partial p$ to each ``p.grad``.

        With ``has_aux=True``: ``(loss, outputs)``, the outputs' numbers per example.
        """
        X, Y = self._batch(X, Y)
        keys = self._prepare(X, Y)
        return self._run(X, Y, keys)

    def trace(self, X: Sequence[Sequence[float]], Y: Sequence[Any]) -> None:
        """Trace and compile for this batch (every label in it), without running the step."""
        X, Y = self._batch(X, Y)
        self._prepare(X, Y)

    @property
    def source(self) -> str:
        """The generated Python source (the same graphs give the same text)."""
        if self._function is None:
            raise RuntimeError(
                "nothing is compiled yet: the first step(X, Y) (or step.trace(X, Y)) traces "
                "an example and writes the source"
            )
        return self._source

    def graph(self, x: Sequence[float], y: Any) -> Value:
        """One example's eager graph, as ``per_example`` builds it: its loss Value, to draw.

        The inputs are labelled ``x0``, ``x1``, ... and the label ``y``, the
        names the generated code gives them.
        """
        inputs, label = _leaves(x, y)
        root, _ = self._split(self._per_example(inputs, label))
        return root

    def __repr__(self) -> str:
        name = getattr(self._per_example, "__name__", "per_example")
        state = f"{len(self._programs)} program(s)" if self._programs else "not traced yet"
        return (
            f"CompiledStep({name}, {len(self.params)} params, reduce={self.reduce!r}, "
            f"extra={'yes' if self._extra else 'no'}, {state})"
        )

    # -- the batch -----------------------------------------------------------------

    def _batch(self, X: Any, Y: Any) -> tuple[Sequence[Sequence[float]], list[Any]]:
        """``X`` and ``Y`` as rows and labels of floats, checked as the eager code would."""
        if not hasattr(X, "__len__") or not hasattr(Y, "__len__") or isinstance(X, str):
            raise TypeError("step(X, Y) needs X, a list of examples, and Y, a list of labels")
        if len(X) != len(Y):
            raise ValueError(f"step(X, Y): {len(X)} examples in X but {len(Y)} labels in Y")
        if len(X) == 0:
            raise ValueError("step(X, Y): the batch is empty")
        width = self._layout.inputs if self._layout else len(X[0])
        lists = set(map(type, X)) <= {list, tuple}  # pragma: no mutate (a fast path; else _row)
        floats = lists and set(map(type, itertools.chain.from_iterable(X))) <= {float}
        if floats and set(map(len, X)) == {width}:
            rows = X  # the common case, checked in C: used as it is
        else:
            rows = [_row(x, k, width) for k, x in enumerate(X)]
        size = self._layout.label_size if self._layout else _label_size(Y[0])
        if size is None and set(map(type, Y)) <= {float}:  # pragma: no mutate (a fast path)
            return rows, Y
        return rows, [_label(y, k, size) for k, y in enumerate(Y)]

    # -- tracing and writing ----------------------------------------------------------------

    def _prepare(self, X: Sequence[Sequence[float]], Y: list[Any]) -> Iterator[int] | list[int]:
        """Trace what this batch needs (the first example; each new label); the program keys.

        All or nothing: where tracing, writing or the check fails, the step is
        left as it was, so that the next call says the same thing again.
        """
        saved = dict(vars(self))
        saved["_keys"] = dict(self._keys)
        new = len(self._programs)
        try:
            return self._prepare_programs(X, Y, new)
        except BaseException:
            vars(self).update(saved)
            del self._programs[new:], self._examples[new:]
            self._register(self._source)
            raise

    def _prepare_programs(
        self, X: Sequence[Sequence[float]], Y: list[Any], new: int
    ) -> Iterator[int] | list[int]:
        if self._layout is None:
            self._layout = Layout(len(X[0]), _label_size(Y[0]), self.has_aux)
            self._trace_extra()
            graph = self._trace_example(X[0], Y[0], 0)
            self._shared = graph.label_read is None  # the code never reads the label's number
            self._add_program(graph, X, Y, 0)
        if self._shared:
            keys: Iterator[int] | list[int] = itertools.repeat(0)  # pragma: no mutate (unread)
        else:
            keys = []
            for k, y in enumerate(Y):
                key = _key(y)
                if key not in self._keys:
                    self._add_program(self._trace_example(X[k], y, k), X, Y, k)
                keys.append(self._keys[key])
        if len(self._programs) > new:
            self._write()
            for x, y in self._examples[new:]:
                self._self_check(x, y)
        return keys

    def _add_program(self, graph: Graph, X: Any, Y: list[Any], k: int) -> None:
        """A program for example ``k``'s graph, checked against the next example it serves."""
        if not self._shared and len(self._programs) == MAX_PROGRAMS:
            raise CompileError(
                f"the traced code reads the label's number ({graph.label_read}), so each "
                f"label value gets a program of its own, and this batch has more than "
                f"{MAX_PROGRAMS} of them. Pass the label to Value operations without "
                "reading .data, or train without engine.compile"
            )
        key = _key(Y[k])
        for j in range(k + 1, len(X)):  # the same graph for another example, or a CompileError
            if self._shared or _key(Y[j]) == key:
                _check_same(graph, self._trace_example(X[j], Y[j], j), k, j)
                break
        self._keys[key] = len(self._programs)
        self._programs.append(Program(graph, None if self._shared else _as_tuple(Y[k])))
        self._examples.append((list(X[k]), Y[k]))

    def _trace_example(self, x: Sequence[float], y: Any, k: int) -> Graph:
        inputs, label = _leaves(x, y)
        labels = label if isinstance(label, list) else [label]
        try:
            result, record = run_traced(self._per_example, inputs, label)
        except Exception as error:  # per_example's own error, as eager code would meet it
            if not isinstance(error, CompileError):
                _add_to_message(error, f"(in example {k} of the batch, while tracing it)")
            raise
        root, outputs = self._split(result)
        return analyse(record, root, outputs, inputs, labels, self._index)

    def _split(self, result: Any) -> tuple[Any, list[Value]]:
        """The loss and the further outputs of what ``per_example`` returned."""
        if not self.has_aux:
            return result, []
        if not isinstance(result, tuple) or len(result) != 2:
            raise CompileError(
                "with has_aux=True, per_example must return a pair (loss, outputs), got "
                f"{type(result).__name__}"
            )
        loss, outputs = result
        one = isinstance(outputs, Value) or not hasattr(outputs, "__iter__")  # (a number: below)
        outputs = [outputs] if one else list(outputs)
        if not all(isinstance(v, Value) for v in outputs):
            raise CompileError("per_example's outputs must be a Value or a list of Values")
        return loss, outputs

    def _trace_extra(self) -> None:
        if self._extra is None:
            return
        result, record = run_traced(self._extra)
        if isinstance(result, Value):
            self._extra_graph = analyse(
                record, result, [], [], [], self._index, root_may_be_parameter=True
            )
        elif isinstance(result, numbers.Real):
            self._extra_number = _to_float(result, "extra()")
        else:
            raise CompileError(f"extra() must return a Value or a number, got {result!r}")

    def _write(self) -> None:
        """Write the source for every program so far, compile it, and register it for tracebacks."""
        assert self._layout is not None
        source, used = write_step(self._programs, self._extra_graph, self._layout, self._heading())
        code = builtins.compile(source, self.filename, "exec")
        namespace = dict(NAMESPACE)
        exec(code, namespace)  # defines compiled_step, from the engine's own text only
        self._register(source)
        self._function = namespace["compiled_step"]
        self._used = [self.params[i] for i in used]
        self._source = source

    def _register(self, source: str) -> None:
        """Give ``linecache`` the source, so that tracebacks through the code show its lines."""
        if source:
            lines = source.splitlines(True)
            linecache.cache[self.filename] = (len(source), None, lines, self.filename)
        else:
            linecache.cache.pop(self.filename, None)

    def _heading(self) -> str:
        name = getattr(self._per_example, "__name__", "")
        name = name if name.isidentifier() else "per_example"
        layout = self._layout
        assert layout is not None
        label = (
            "a label y" if layout.label_size is None else f"a label y0..y{layout.label_size - 1}"
        )
        per_label = "" if self._shared else " (one program per label value: the code reads it)"
        return (
            f"engine.compile of {name}: its forward and backward passes as straight-line Python.\n"
            f"An example has {layout.inputs} input{'s' * (layout.inputs != 1)} (x0, ...), "
            f"{label}{per_label};\n"
            f"p0, p1, ... are params[0], params[1], ... of {len(self.params)}, and gp0 their "
            "gradients.\n"
            "Forward: each node's value in topological order (v7 is node 7 of\n"
            "engine.draw(step.graph(x, y))), and beside it, as the engine does, a local\n"
            "derivative that takes some computing (d7). Backward: each node's gradient\n"
            "dL/dv7 as g7, in reverse order, adding (local derivative) * (gradient) for\n"
            "each edge, as engine.backprop does; a node whose gradient is 0 passes nothing on."
        )

    def _self_check(self, x: list[float], y: Any) -> None:
        """The compiled code and the eager engine on the traced example: the same bits, or a bug."""
        saved = [p.grad for p in self.params]
        try:
            for p in self.params:
                p.grad = 0.0
            eager = _bits(self._eager([x], [y]), [p.grad for p in self.params])
            for p in self.params:
                p.grad = 0.0
            keys = [self._keys[_key(y)]]  # the program traced on this example
            compiled = _bits(self._run([x], [y], keys), [p.grad for p in self.params])
        finally:
            for p, grad in zip(self.params, saved):
                p.grad = grad
        if compiled != eager:
            raise CompileError(
                "the compiled code does not reproduce the eager engine on the traced example "
                "(a rule of engine.templates differs from its operation): this is a bug in "
                "chainrule, please report it"
            )

    # -- running --------------------------------------------------------------------------

    def _run(self, X: Sequence[Sequence[float]], Y: list[Any], keys: Any) -> Any:
        assert self._function is not None
        seed = _seed(len(X), self.reduce == "mean")
        used = self._used
        values = [p.data for p in used]  # (a comprehension reads slots faster than map)
        grads = [p.grad for p in used]
        try:
            result = self._function(values, grads, X, Y, keys, seed)
        except Exception as error:
            self._raise_eagerly(error, X, Y)
        if result is None:  # a number too large or not finite for the fast path: run eagerly
            return self._eager(X, Y)
        losses, outputs, extra_value, new_grads = result
        for p, grad in zip(self._used, new_grads):
            p.grad = grad
        total = _total(losses)
        if self.reduce == "mean":
            total = total / len(X)
        if self._extra is not None:
            total = total + (extra_value if self._extra_graph else self._extra_number)
        return (total, outputs) if self.has_aux else total

    def _eager(self, X: Sequence[Sequence[float]], Y: list[Any]) -> Any:
        """The step by the eager engine: the definition the compiled code reproduces."""
        results = [self._split(self._per_example(*_leaves(x, y))) for x, y in zip(X, Y)]
        total = sum_values([loss for loss, _ in results])
        if self.reduce == "mean":
            total = total / len(X)
        if self._extra is not None:
            total = total + self._extra()
        total.backward()
        if not self.has_aux:
            return total.data
        outputs = [[v.data for v in out] if len(out) > 1 else out[0].data for _, out in results]
        return total.data, outputs

    def _raise_eagerly(self, error: Exception, X: Any, Y: list[Any]) -> None:
        """Raise the eager engine's own error for the example where the generated code failed."""
        k = _failing_example(error)
        try:
            if k is None:
                if self._extra is not None:
                    self._extra()
            else:
                self._split(self._per_example(*_leaves(X[k], Y[k])))
        except Exception as eager_error:
            if k is not None:
                _add_to_message(eager_error, f"(in example {k} of the batch)")
            raise eager_error from None
        raise RuntimeError(
            f"the compiled step raised {type(error).__name__}: {error} on example {k}, where "
            "the eager engine does not: this is a bug in chainrule, please report it"
        ) from error


# -- helpers ------------------------------------------------------------------------------


def _checked_params(params: Any) -> tuple[Value, ...]:
    """``params`` as a tuple of leaf Values, each once, in order; clear errors otherwise."""
    if isinstance(params, Value) or not hasattr(params, "__iter__"):
        raise TypeError(
            "engine.compile needs params, a list of the Values to differentiate "
            f"(model.parameters()), got {type(params).__name__}"
        )
    unique: dict[Value, None] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
        if p._inputs:
            raise ValueError(
                f"params[{i}] is the result of an operation ({p._op!r}), not a leaf; "
                "gradients are filled for leaves: pass the leaves it is computed from"
            )
        unique[p] = None
    return tuple(unique)


def _row(x: Any, k: int, width: int) -> list[float]:
    """Example ``k``'s inputs as floats (the eager engine's ``Value(v)`` errors for a bad one)."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"example {k} must be a list of numbers, got {type(x).__name__}")
    row = [_to_float(v) for v in x]
    if len(row) != width:
        raise ValueError(
            f"example {k} has {len(row)} inputs, but the step was traced with {width}; "
            "every example needs the same number of inputs"
        )
    return row


def _label_size(y: Any) -> int | None:
    """``None`` for a label that is one number, else the length of the label list."""
    if isinstance(y, numbers.Real) or isinstance(y, Value):
        return None
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"a label must be a number or a list of numbers, got {type(y).__name__}")
    return len(y)


def _label(y: Any, k: int, size: int | None) -> Any:
    """Label ``k`` as a float, or a tuple of ``size`` floats."""
    if size is None:
        if not isinstance(y, numbers.Real):
            _label_size(y)  # a TypeError for anything else
            raise ValueError(f"label {k} is a list, but the step was traced with one number")
        return _to_float(y)
    if isinstance(y, numbers.Real) or not hasattr(y, "__len__") or len(y) != size:
        raise ValueError(f"label {k} must be a list of {size} numbers, got {y!r}")
    return tuple(_to_float(v) for v in y)


def _leaves(x: Sequence[float], y: Any) -> tuple[list[Value], Any]:
    """The Values the eager code makes for an example: ``[Value(v) for v in x]``, ``Value(y)``."""
    inputs = [Value(v, label=f"x{i}") for i, v in enumerate(x)]
    if isinstance(y, (tuple, list)):
        return inputs, [Value(v, label=f"y{i}") for i, v in enumerate(y)]
    return inputs, Value(y, label="y")


def _as_tuple(y: Any) -> tuple[float, ...]:
    return tuple(y) if isinstance(y, (tuple, list)) else (y,)


def _key(y: Any) -> object:
    """A label as a key that tells apart every float, 0.0 from -0.0 too (``float.hex``)."""
    return tuple(v.hex() for v in y) if isinstance(y, (tuple, list)) else y.hex()


def _check_same(first: Graph, second: Graph, k: int, j: int) -> None:
    """A ``CompileError`` unless examples ``k`` and ``j`` gave graphs of the same structure."""
    a, b = first.signature(), second.signature()
    if a == b:
        return
    i = next((i for i, (u, v) in enumerate(zip(a, b)) if u != v), min(len(a), len(b)))
    raise CompileError(
        f"per_example builds different graphs for examples {k} and {j} (from node v{i} on: "
        f"{_shape(first, i)} against {_shape(second, i)}), so one example's graph cannot "
        "stand for all. Does it use random numbers (dropout), or state that changes "
        "from one call to the next?"
    )


def _shape(graph: Graph, i: int) -> str:
    if i >= len(graph.nodes):
        return "no node"
    node = graph.nodes[i]
    return f"{node.kind.value} {node.value._op!r}" if node.value._op else node.kind.value


@functools.lru_cache(maxsize=64)
def _seed(n: int, mean: bool) -> float:
    r"""$\partial L / \partial \ell_i$, each example's share of the loss, as ``backward()`` has it.

    Computed by the eager engine itself on a stand-in batch of ``n`` zeros, so
    that it is the very float the eager pass gives (``1.0 / n`` for a mean).
    The numbers do not matter: a sum's derivatives, and those of ``/ n``, do not
    depend on them; an ``extra`` term added to the total (derivative 1) changes nothing.
    """
    losses = [Value(0.0) for _ in range(n)]  # pragma: no mutate (any numbers: see the docstring)
    total = sum_values(losses)
    if mean:
        total = total / n
    total.backward()
    return losses[0].grad


def _failing_example(error: BaseException) -> int | None:
    """The index of the example the generated code was at when it raised (``None``: before any)."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "compiled_step":
            return tb.tb_frame.f_locals.get("example")
        tb = tb.tb_next
    return None


def _add_to_message(error: BaseException, note: str) -> None:
    """Append ``note`` to an exception's message, keeping its type (and every attribute)."""
    if error.args and isinstance(error.args[0], str):
        error.args = (f"{error.args[0]} {note}", *error.args[1:])
    elif not error.args:
        error.args = (note,)


def _bits(result: Any, grads: list[float]) -> list[str]:
    """A step's loss and gradients as exact text (``float.hex`` tells -0.0 from 0.0)."""
    loss = result[0] if isinstance(result, tuple) else result
    return [x.hex() for x in (loss, *grads)]


__all__ = ["CompileError", "CompiledStep", "compile"]
