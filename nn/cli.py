r"""The ``chainrule`` command line: argument parsing and dispatch.

Three subcommands, each a short tour of the library::

    chainrule --version
    chainrule demo [--out DIR] [--epochs N] [--no-progress]
    chainrule examples
    chainrule graph "tanh(a*b + c)" a=2 b=-3 c=10 -o graph.svg [--rankdir LR]
    chainrule check student.py:Value [--json] [--checks a,b] [--time-limit S]

* ``demo`` trains micrograd's two-moons network and saves the training time
  machine (``training.html``, to open in a browser) and two pictures (without
  matplotlib, one picture, and a line saying how to get the other).
* ``examples`` recomputes every worked example of the texts the project was
  specified from and prints the texts' number beside the engine's
  (``nn.worked_examples``).
* ``graph`` turns a formula into Values (``nn.formula``), runs
  ``backward()``, prints every variable's gradient and draws the
  computation graph (``-o page.html``: the explorer page, ``engine.explore``).
* ``check`` grades a student's own micrograd-style ``Value`` class
  (``engine.exercises.command``): exit 0 when every check passed, 1 when
  one failed, 2 for a missing file or class.

Exit codes: 0 on success, 1 when a worked example does not match (or a tool
such as Graphviz's ``dot`` is missing), 2 for a bad command line or formula.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import GraphTooLargeError, Value, sum_values, topological_order
from nn.formula import FUNCTIONS, evaluate_formula, parse_assignments
from nn.worked_examples import run_examples

if TYPE_CHECKING:
    import graphviz

    from engine import Page

# -- `chainrule demo` -----------------------------------------------------------------


def run_demo(out_dir: Path, epochs: int, progress: bool) -> int:
    """Train micrograd's two-moons MLP; save its time machine, one neuron's graph and the
    decision boundary.

    Without matplotlib (the light install) the decision boundary is skipped, in
    one line that says how to get it; the page and the graph are still written.
    Without Graphviz's ``dot`` the graph cannot be drawn: the rest is written,
    and the exit code is 1. A folder that cannot be made is an error before
    training.
    """
    import random

    import nn
    from engine.draw import draw
    from nn.visualize import plot_decision_boundary

    problem = _unusable_folder(out_dir)
    if problem is not None:  # said before training, not after
        print(f"chainrule demo: error: --out {out_dir}: {problem}", file=sys.stderr)
        return 2
    X, labels = nn.make_moons(100, noise=0.1, seed=1)
    y = nn.to_signed_labels(labels)
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    print(
        f"training {model.num_parameters()}-parameter MLP(2, [16, 16, 1]) on two moons "
        f"(hinge loss + 1e-4 L2, SGD, full batch, {epochs} epochs)"
    )
    history = nn.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer="sgd",
        lr=lambda step: 1.0 - 0.9 * step / epochs,
        epochs=epochs,
        regularization=lambda m: 1e-4 * sum_values([p * p for p in m.parameters()]),
        shuffle=False,
        seed=0,
        progress=progress,
        record=True,
    )
    print(f"final loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.1%}")

    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "training.html"
    history.explore(input_names=["x1", "x2"]).save(page)
    print(f"wrote {page}: open it in a browser to replay the training epoch by epoch")

    neuron, output, parameters = _one_neuron(model, X[0])
    graph_path = out_dir / "neuron_graph.svg"
    drawn = _write_picture(draw(output, parameters=parameters), graph_path, "svg", "demo")
    if drawn:
        print(f"  (neuron {neuron + 1} of hidden layer 1 on the first example, after backward())")

    boundary = out_dir / "decision_boundary.png"
    try:
        figure = plot_decision_boundary(model, X, labels, resolution=60, title="two moons")
    except ImportError:  # the light install: no matplotlib
        print(
            f"skipped {boundary.name} (the decision boundary needs matplotlib): "
            'pip install "chainrule[plots]"'
        )
    else:
        figure.savefig(boundary, dpi=100)
        print(f"wrote {boundary}")
    return 0 if drawn else 1  # (1: Graphviz's dot is missing, as _write_picture said)


def _unusable_folder(folder: Path) -> str | None:
    """Why ``folder`` cannot hold the demo's files (a file, a file on its path), or ``None``."""
    if folder.exists():
        if not folder.is_dir():
            return "it is a file; give a folder for the pictures (it is made if missing)"
        return None if os.access(folder, os.W_OK) else "the folder is not writable"
    for parent in folder.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{parent} is a file, so no folder can be made inside it"
            if not os.access(parent, os.W_OK):
                return f"cannot make the folder: {parent} is not writable"
            return None
    return None


def _one_neuron(model: Any, x: Sequence[float]) -> tuple[int, Value, list[Value]]:
    """One neuron of the first hidden layer on the example ``x``, as a small labelled graph.

    The first neuron that is active there (``z > 0``, so gradient flows), or
    the first one. Its inputs are the leaves ``x1``, ``x2``, ...; its weights
    ``w1``, ``w2``, ... and bias ``b`` are labelled copies of the model's;
    ``z = w·x + b`` and the output ``a`` are labelled too, and ``a.backward()``
    has run. Returns the neuron's index, ``a`` and the weights and bias.
    """
    from engine import weighted_sum

    neurons = model.layers[0].neurons
    sums = [sum(w.data * v for w, v in zip(n.w, x)) + n.b.data for n in neurons]
    index = next((j for j, z in enumerate(sums) if z > 0), 0)
    neuron = neurons[index]
    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    weights = [Value(w.data, label=f"w{i + 1}") for i, w in enumerate(neuron.w)]
    bias = Value(neuron.b.data, label="b")
    z = weighted_sum(weights, inputs, bias)
    z.label = "z"
    output = neuron._activate(z)
    output.label = "a"
    output.backward()
    return index, output, [*weights, bias]


def _write_picture(
    picture: graphviz.Digraph | Page, path: Path, fmt: str, command: str, hint: str = ""
) -> bool:
    """Write a Digraph to ``path`` as ``fmt`` (``"dot"``: its DOT source), or an explorer
    ``Page`` (``"html"``), and say so.

    On failure print what went wrong (a file that cannot be written, or no
    Graphviz ``dot`` to render with) and return False.
    """
    try:
        if fmt == "html":
            picture.save(path)
        elif fmt == "dot":
            path.write_text(picture.source, encoding="utf-8")
        else:
            path.write_bytes(picture.pipe(format=fmt))
    except OSError as error:
        print(f"chainrule {command}: cannot write {path}: {error}", file=sys.stderr)
        return False
    except Exception as error:  # graphviz.ExecutableNotFound without `dot`
        print(
            f"chainrule {command}: could not run Graphviz's dot ({error}); "
            f"install Graphviz (apt-get install graphviz){hint}",
            file=sys.stderr,
        )
        return False
    print(f"wrote {path}")
    return True


# -- `chainrule graph` --------------------------------------------------------------

GRAPH_FORMATS = ("svg", "png", "pdf", "dot", "html")


def run_graph(formula: str, assignments: Sequence[str], output: str | None, rankdir: str) -> int:
    """Evaluate ``formula``, print the result and each gradient, and write the picture."""
    fmt = None
    if output is not None:
        fmt = Path(output).suffix.lower().lstrip(".")
        if fmt == "gv":
            fmt = "dot"
        if fmt not in GRAPH_FORMATS:
            return _error(
                f"cannot tell the picture format from {output!r}: end the file name with "
                + ", ".join(f".{f}" for f in GRAPH_FORMATS)
            )
    try:
        values = parse_assignments(assignments)
        result, variables = evaluate_formula(formula, values)
    except (ValueError, ZeroDivisionError, OverflowError) as error:  # FormulaError included
        return _error(str(error))
    result.backward()
    print(f"{formula} = {result.data!r}")
    for name, leaf in variables.items():
        print(f"d/d{name} = {leaf.grad!r}")
    numbers = [result.data, *(leaf.grad for leaf in variables.values())]
    if not all(map(math.isfinite, numbers)):
        print(
            "chainrule graph: warning: a result is inf or nan (a float overflowed, "
            "e.g. exp of a number above 709, or inf - inf)",
            file=sys.stderr,
        )
    if output is None:
        return 0

    from engine.draw import draw
    from engine.explore import explore

    result.label = result.label or "out"
    try:  # dot cannot lay out a huge picture in reasonable time; DOT text is fine
        if fmt == "html":
            picture: graphviz.Digraph | Page = explore(result, rankdir=rankdir)
        else:
            picture = draw(result, rankdir=rankdir, max_nodes=None if fmt == "dot" else 300)
    except RuntimeError as error:  # explore: no Graphviz dot to lay the page out with
        print(f"chainrule graph: {error}", file=sys.stderr)
        return 1
    except GraphTooLargeError:
        count = len(topological_order(result))
        return _error(
            f"the formula's graph has {count} Value nodes, too many to draw as a picture "
            "(at most 300); write the DOT source instead with -o graph.dot"
        )
    hint = " or write the DOT source with -o graph.dot"
    if not _write_picture(picture, Path(output), fmt, "graph", hint):
        return 1
    if fmt == "html":
        print("  open it in a browser to step through the forward and backward pass")
    return 0


def _error(message: str) -> int:
    """Print a command-line error and return exit code 2."""
    print(f"chainrule graph: error: {message}", file=sys.stderr)
    return 2


# -- the command line ---------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` argument parser with its three subcommands."""
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: a scalar autograd engine and a small neural-network library.",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo", help="train micrograd's two-moons MLP and save its training page and pictures"
    )
    demo.add_argument("--out", default="chainrule-demo", help="output folder (./chainrule-demo)")
    demo.add_argument("--epochs", type=int, default=100, help="training epochs (100)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")

    commands.add_parser("examples", help="recompute every worked example and compare")

    graph = commands.add_parser(
        "graph",
        help="differentiate a formula and draw its computation graph",
        description="Evaluate FORMULA with the variables given as name=value, print the result "
        "and each variable's gradient, and draw the graph. Functions: " + ", ".join(FUNCTIONS),
    )
    graph.add_argument("formula", help='e.g. "tanh(a*b + c)"')
    graph.add_argument("assignments", nargs="*", metavar="NAME=VALUE", help="e.g. a=2 b=-3")
    graph.add_argument(
        "-o",
        "--output",
        help="picture file: .svg, .png, .pdf, .dot, or .html (a page that steps through it)",
    )
    graph.add_argument("--rankdir", default="LR", choices=("LR", "RL", "TB", "BT"))

    check = commands.add_parser(
        "check",
        help="grade a student's own Value class against chainrule",
        description="Grade a micrograd-style Value class: exit 0 if every check passed, "
        "1 if one failed, 2 for a missing file or class.",
    )
    check.add_argument("target", metavar="FILE.py:CLASS", help="e.g. student.py:Value")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--checks", help="comma-separated check names (default: all)")
    check.add_argument("--time-limit", type=float, default=2.0, help="seconds per check (2)")
    return parser


def _version() -> str:
    """The installed package's version, from its metadata (pyproject.toml's ``version``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chainrule")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(version unknown: not installed; pip install . records it)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``chainrule`` command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # the reader went away (``chainrule examples | head``): stop quietly
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    """Dispatch a parsed command line to its subcommand."""
    if args.command == "examples":
        return 1 if run_examples() else 0
    if args.command == "check":
        from engine.exercises.command import run_check

        checks = args.checks.split(",") if args.checks else None
        return run_check(args.target, as_json=args.json, checks=checks, time_limit=args.time_limit)
    if args.command == "demo":
        if args.epochs < 1:
            print("chainrule demo: error: --epochs must be at least 1", file=sys.stderr)
            return 2
        return run_demo(Path(args.out), args.epochs, not args.no_progress)
    return run_graph(args.formula, args.assignments, args.output, args.rankdir)


if __name__ == "__main__":
    raise SystemExit(main())
