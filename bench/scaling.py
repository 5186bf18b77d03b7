r"""How a training step scales with the network and the batch, in five implementations.

Run from the repository root (a few minutes; the widest case builds graphs of a GB)::

    python bench/scaling.py
    python bench/scaling.py --widths 16 32 --points 100 --repeat 5

For each ``MLP(2, [w, w, 1])`` (ReLU) on ``n`` two-moons points, with
``bench.py``'s loss (mean hinge + 1e-4 L2) and full-batch SGD, it times one
step from the initial weights, every implementation from the same weights:

* **eager**: chainrule's ``nn`` (``workload.ChainruleStep``);
* **compiled**: ``engine.compile`` (``workload.CompiledChainruleStep``), and
  the time of its first call (tracing, writing the code, Python's
  ``compile()``; the faster of two fresh compiles), with the generated
  source's size;
* **floats**: the hand-written float step, the floor for pure Python;
* **micrograd** 0.1.0 with ``gc.disable()`` (its fastest), only where its
  graph has at most ``--micrograd-nodes`` nodes (it builds about 6 nodes
  per weight and example); ``recursion`` where its recursive ``backward``
  fails (the L2 penalty is a chain of one addition per weight);
* **PyTorch**: the whole batch as float64 matrix products (``workload.TorchStep``),
  on one thread like the others (on a shared 2-core machine a second thread
  mostly adds the time to wake it: 50-150 ms after a ``gc.collect()``).

Each figure is the minimum over ``--repeat`` rounds, the implementations
taking turns within a round, so that a busy moment of a shared machine slows
all of them alike; ratios are from the same run.
"""

from __future__ import annotations

import argparse
import time

from workload import (
    ChainruleStep,
    CompiledChainruleStep,
    FloatStep,
    MicrogradStep,
    TorchStep,
    make_problem,
    model_weights,
)

from bench import machine, time_step


def measure(width: int, points: int, repeat: int, micrograd_nodes: int) -> dict[str, object]:
    """Seconds per step of each implementation (``None``: not run), and the compiled code's size."""
    X, y = make_problem(points)
    sizes = (2, width, width, 1)
    eager = ChainruleStep(X, y, sizes=sizes)
    weights = model_weights(eager.model)
    params = len(eager.params)
    compiled = CompiledChainruleStep(X, y, sizes=sizes)
    compile_time = float("inf")
    for step in (compiled.compile(), compiled.compiled):
        start = time.perf_counter()
        step.trace(X, y)  # the first call's work: trace, write, compile
        compile_time = min(compile_time, time.perf_counter() - start)
    contenders = {
        "eager": (eager.step, eager.set_weights, True),
        "compiled": (compiled.step, compiled.set_weights, True),
    }
    floats = FloatStep(weights, X, y)
    contenders["floats"] = (floats.step, floats.set_weights, True)
    micrograd_fails = False
    if 6 * params * points <= micrograd_nodes:
        theirs = MicrogradStep(weights, X, y)
        try:
            theirs.step()
            contenders["micrograd"] = (theirs.step, theirs.set_weights, False)
        except RecursionError:
            micrograd_fails = True
    torch_step = TorchStep(weights, X, y)
    contenders["torch"] = (torch_step.step, torch_step.set_weights, True)
    best: dict[str, float] = {}
    for _ in range(repeat):
        for name, contender in contenders.items():
            seconds, _ = time_step(contender, weights)
            best[name] = min(best.get(name, seconds), seconds)
    source = compiled.compiled.source
    return {
        "params": params,
        "micrograd fails": micrograd_fails,
        **best,
        "compile": compile_time,
        "lines": source.count("\n"),
        "megabytes": len(source.encode()) / 1e6,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--points", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3, help="timed steps per implementation")
    parser.add_argument("--micrograd-nodes", type=int, default=1_500_000)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    print("chainrule scaling:", machine(), "; PyTorch", torch.__version__, "on one thread")
    print(f"one SGD step of MLP(2, [w, w, 1]) on n points, ms (the least of {args.repeat})")
    print()
    header = (
        f"{'w':>4} {'n':>5} {'params':>7} {'eager':>9} {'compiled':>9} {'floats':>9} "
        f"{'micrograd':>10} {'torch':>7}  {'comp/floats':>11} {'eager/comp':>10} "
        f"{'compile':>8} {'source':>15}"
    )
    print(header)
    for width in args.widths:
        for points in args.points:
            r = measure(width, points, args.repeat, args.micrograd_nodes)
            ms = {
                name: "-"
                if r.get(name) is None
                else f"{r[name] * 1e3:.{2 if name == 'torch' else 1}f}"
                for name in ("eager", "compiled", "floats", "micrograd", "torch")
            }
            if r["micrograd fails"]:
                ms["micrograd"] = "recursion"
            print(
                f"{width:>4} {points:>5} {r['params']:>7,} {ms['eager']:>9} {ms['compiled']:>9} "
                f"{ms['floats']:>9} {ms['micrograd']:>10} {ms['torch']:>7}  "
                f"{r['compiled'] / r['floats']:>10.2f}x {r['eager'] / r['compiled']:>9.1f}x "
                f"{r['compile']:>7.2f}s {r['lines']:>7,} lines",
                flush=True,
            )


if __name__ == "__main__":
    main()
