r"""How fast is chainrule? Timings and memory against micrograd and plain floats.

Run from the repository root::

    python bench/bench.py              # the full run (about 80 seconds)
    python bench/bench.py --quick      # fewer repeats, a 100,000-deep chain
    python bench/bench.py --repeat 9   # more repeats of the training step

It prints one table (see ``bench/README.md`` for what each figure means):

1. **sanity**: the demo loss at the shared initial weights, for chainrule,
   micrograd and the hand-written float version (they must agree), and the
   largest difference between their gradients; ``engine.compile``'s must be 0;
2. **one training step** of micrograd's demo (``MLP(2, [16, 16, 1])``, 100
   moons points, hinge loss + L2, full-batch SGD), from the demo's initial
   weights and from the weights after its 100 training steps: the median
   time of each implementation and its ratio to chainrule; then the compiled
   step's ratio to the plain floats, how long ``engine.compile``'s first call
   takes (trace, write, compile), and how many garbage collections ran
   during the compiled steps;
3. **memory**: bytes per graph node (``tracemalloc``) for the same graph of
   elementary operations built by both libraries, and the size of one demo
   step's whole graph;
4. **a deep chain** of a million operations: forward and backward time, and
   whether memory returns to where it was once the chain is dropped;
5. **operations per second**, forward and backward, on that chain.

micrograd 0.1.0 must be installed (``pip install micrograd==0.1.0``).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # `workload`, and chainrule even if not installed

try:
    import micrograd  # noqa: F401
    from micrograd.engine import Value as MicrogradValue
except ImportError:
    sys.exit(
        "bench.py compares chainrule with micrograd, which is not installed:\n"
        "    pip install micrograd==0.1.0"
    )

from workload import (  # noqa: E402
    DEMO_STEPS,
    ChainruleStep,
    CompiledChainruleStep,
    EngineStep,
    FloatStep,
    MicrogradStep,
    Weights,
    make_problem,
    model_weights,
    trained_weights,
)

from engine import Value, topological_order  # noqa: E402

# -- timing ---------------------------------------------------------------------


Contender = tuple[Callable[[], object], Callable[[Weights], None], bool]
"""A training step, how to give it weights, and whether the collector stays on while timed."""


COMPILED = "chainrule compiled (engine.compile)"
FLOATS = "plain floats, backward by hand"


def time_step(contender: Contender, weights: Weights) -> tuple[float, int]:
    """Seconds of one training step from ``weights``, following another step of the same kind.

    The heap is collected, then one untimed step runs, then the weights are
    set back and the timed step runs: as in a training loop, the timed step
    pays for collecting whatever its predecessor left behind (micrograd
    leaves its graph as reference cycles; chainrule leaves nothing), and
    every timed step does exactly the same arithmetic. When the collector
    is off for the timed step, the predecessor's garbage is collected
    before it, untimed, as a program that disables the collector must do.
    Also returns how many collections the garbage collector ran in the timed step.
    """
    step, set_weights, gc_enabled = contender
    set_weights(weights)
    gc.collect()
    step()
    set_weights(weights)
    if not gc_enabled:
        gc.collect()
        gc.disable()
    collections: list[str] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(phase)

    gc.callbacks.append(count)
    try:
        start = time.perf_counter()
        step()
        return time.perf_counter() - start, len(collections)
    finally:
        gc.callbacks.remove(count)
        gc.enable()


Timings = dict[str, dict[str, float]]


def time_all_steps(repeat: int, states: dict[str, Weights]) -> tuple[Timings, Timings, int]:
    """Median and least seconds per training step, ``{state: {implementation: seconds}}``.

    Every implementation is timed from the weights of each state. The
    implementations take turns, one timed step each per round, so that a
    busy moment of the machine slows all of them alike. Also returns the
    number of garbage collections during all the timed compiled steps.
    """
    X, y = make_problem()
    contenders: dict[str, Contender] = {}
    for name, gc_enabled in (("chainrule", True), ("chainrule, gc.disable()", False)):
        ours = ChainruleStep(X, y)
        contenders[name] = (ours.step, ours.set_weights, gc_enabled)
    engine_only = EngineStep(X, y)
    contenders["chainrule engine only (no nn)"] = (engine_only.step, engine_only.set_weights, True)
    compiled = CompiledChainruleStep(X, y)
    contenders[COMPILED] = (compiled.step, compiled.set_weights, True)
    any_weights = next(iter(states.values()))
    for name, gc_enabled in (
        ("micrograd 0.1.0 as shipped", True),
        ("micrograd 0.1.0, gc.disable()", False),
    ):
        theirs = MicrogradStep(any_weights, X, y)
        contenders[name] = (theirs.step, theirs.set_weights, gc_enabled)
    floats = FloatStep(any_weights, X, y)
    contenders[FLOATS] = (floats.step, floats.set_weights, True)
    samples = {state: {name: [] for name in contenders} for state in states}
    collections = 0
    for _ in range(repeat):
        for state, weights in states.items():
            for name, contender in contenders.items():
                seconds, count = time_step(contender, weights)
                samples[state][name].append(seconds)
                collections += count if name == COMPILED else 0
    medians = {
        state: {name: statistics.median(times) for name, times in by_name.items()}
        for state, by_name in samples.items()
    }
    least = {
        state: {name: min(times) for name, times in by_name.items()}
        for state, by_name in samples.items()
    }
    return medians, least, collections


def compile_seconds(repeat: int) -> tuple[float, float]:
    """Seconds of ``engine.compile``'s first call on the demo (trace, write, compile): min, median.

    Each time a fresh compiled step, traced on the demo's batch.
    """
    X, y = make_problem()
    workload = CompiledChainruleStep(X, y)
    times = []
    for _ in range(repeat):
        step = workload.compile()
        start = time.perf_counter()
        step.trace(X, y)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def sanity() -> tuple[dict[str, float], dict[str, float]]:
    """The demo loss at the shared weights, and each gradient's largest gap to chainrule's."""
    X, y = make_problem()
    chainrule = ChainruleStep(X, y)
    weights = model_weights(chainrule.model)
    results = {
        "chainrule": chainrule.loss_and_gradients(),
        "compiled": CompiledChainruleStep(X, y).loss_and_gradients(),
        "micrograd": MicrogradStep(weights, X, y).loss_and_gradients(),
        "floats": FloatStep(weights, X, y).loss_and_gradients(),
    }
    reference = results["chainrule"][1]
    scale = max(abs(g) for g in reference)
    losses = {name: loss for name, (loss, _) in results.items()}
    gaps = {
        name: max(abs(a - b) for a, b in zip(grads, reference, strict=True)) / scale
        for name, (_, grads) in results.items()
    }
    return losses, gaps


# -- memory ---------------------------------------------------------------------


def elementary_graph(value_type: type, n: int) -> object:
    """``n`` alternating products and sums on two leaves: the same graph in either library."""
    a, b = value_type(0.5), value_type(1.5)
    out = a
    for i in range(n):
        out = out * b if i % 2 == 0 else out + a
    return out


def traced_bytes(build: Callable[[], object]) -> int:
    """Bytes still allocated after ``build()``, while its result is alive (``tracemalloc``)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = build()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del result
    gc.collect()
    return after - before


def bytes_per_node(n: int) -> dict[str, float]:
    """Memory per node of the same ``n``-node graph in chainrule and micrograd.

    The graph is a chain, and micrograd's recursive ``backward`` is never
    called on it, so its depth does not matter here.
    """
    return {
        "chainrule": traced_bytes(lambda: elementary_graph(Value, n)) / n,
        "micrograd": traced_bytes(lambda: elementary_graph(MicrogradValue, n)) / n,
    }


def demo_graph_sizes() -> dict[str, tuple[int, int]]:
    """(nodes, bytes) of one demo step's whole graph, for chainrule and micrograd."""
    X, y = make_problem()
    chainrule = ChainruleStep(X, y)
    micrograd_step = MicrogradStep(model_weights(chainrule.model), X, y)
    sizes = {}
    for name, loss in (("chainrule", chainrule.loss), ("micrograd", micrograd_step.loss)):
        size = traced_bytes(loss)
        sizes[name] = (count_nodes(loss()), size)
    return sizes


def count_nodes(root: object) -> int:
    """Nodes in a graph (leaves included), walked iteratively for either library."""
    if isinstance(root, Value):
        return len(topological_order(root))
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        for child in node._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


# -- a deep chain -----------------------------------------------------------------


def deep_chain(depth: int) -> dict[str, float]:
    r"""Forward and backward through ``depth`` multiplications $y \leftarrow y \cdot c$.

    Also checks the gradient ($\partial y / \partial x = c^{\text{depth}}$) and
    that every node is freed once the chain is dropped: the interpreter holds
    as many memory blocks as before building it.
    """
    gc.collect()  # (this also empties the interpreter's free lists of floats and tuples)
    warm_up = Value(1.0)
    for _ in range(10_000):
        warm_up = warm_up * warm_up
    del warm_up  # refills those free lists, so that they are counted before and after alike
    blocks_before = sys.getallocatedblocks()
    x, c = Value(1.0), Value(1.0 - 1e-7)
    start = time.perf_counter()
    y = x
    for _ in range(depth):
        y = y * c
    forward = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    backward = time.perf_counter() - start
    expected = c.data**depth
    relative_error = abs(x.grad - expected) / expected
    start = time.perf_counter()
    del y
    free = time.perf_counter() - start
    del x, c
    blocks_after = sys.getallocatedblocks()
    return {
        "forward": forward,
        "backward": backward,
        "free": free,
        "relative_error": relative_error,
        "blocks_left": blocks_after - blocks_before,
    }


def micrograd_depth_limit(depth: int = 10_000) -> str:
    """What micrograd's recursive ``backward`` does on a chain ``depth`` deep."""
    y = x = MicrogradValue(1.0)
    for _ in range(depth):
        y = y * 1.0
    try:
        y.backward()
    except RecursionError:
        return f"RecursionError at depth {depth:,}"
    return f"ok at depth {depth:,} (x.grad = {x.grad})"


# -- the report --------------------------------------------------------------------


def machine() -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now}; {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, a 100,000-deep chain")
    parser.add_argument("--repeat", type=int, help="training steps timed per implementation")
    parser.add_argument("--depth", type=int, help="length of the deep chain (default 1,000,000)")
    args = parser.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else 3 if args.quick else 7
    depth = args.depth if args.depth is not None else 100_000 if args.quick else 1_000_000
    nodes = 20_000 if args.quick else 200_000
    if repeat < 1 or depth < 1:
        parser.error("--repeat and --depth must be at least 1")

    print("chainrule benchmark:", machine())
    print()
    losses, gaps = sanity()
    print("Sanity: micrograd's demo loss at the same initial weights")
    for name, loss in losses.items():
        print(f"  {name:<12} loss {loss!r:<22} max gradient gap {gaps[name]:.1e}")
    spread = max(losses.values()) - min(losses.values())
    if spread > 1e-12 * max(losses.values()) or max(gaps.values()) > 1e-12:
        sys.exit("the implementations disagree: the timings below would not be comparable")
    if losses["compiled"] != losses["chainrule"] or gaps["compiled"] != 0:
        sys.exit("engine.compile's step is not bit-identical to the eager one")

    X, y = make_problem()
    first = model_weights(ChainruleStep(X, y).model)
    states = {"first step": first, "trained": trained_weights(first, X, y)}
    steps, least, collections = time_all_steps(repeat, states)
    print()
    print(f"One SGD step of the demo (MLP(2, [16, 16, 1]), 100 points), median of {repeat}")
    print("  first step: from the demo's initial weights, where every point adds to the gradient")
    print(f"  trained:    from the weights after the demo's {DEMO_STEPS} steps")
    print(f"  {'':<34}{'first step':>19}   {'trained':>17}")
    print(f"  {'implementation':<34}{'ms':>9}{'/ chainrule':>12}{'ms':>9}{'/ chainrule':>12}")
    for name in steps["first step"]:
        cells = ""
        for state in states:
            seconds, ours = steps[state][name], steps[state]["chainrule"]
            cells += f"{seconds * 1e3:>9.1f}{seconds / ours:>11.2f}x"
        print(f"  {name:<34}{cells}")

    first_step, trained = steps["first step"], steps["trained"]
    compiled_first = first_step[COMPILED] / first_step[FLOATS]
    compiled_trained = trained[COMPILED] / trained[FLOATS]
    fastest = {state: least[state][COMPILED] / least[state][FLOATS] for state in states}
    fastest_compile, median_compile = compile_seconds(repeat)
    print()
    print("engine.compile (the same loss and gradients, bit for bit)")
    print(
        f"  compiled step / plain floats: first step {compiled_first:.2f}x, "
        f"trained {compiled_trained:.2f}x (medians); fastest steps: "
        f"{fastest['first step']:.2f}x, {fastest['trained']:.2f}x"
    )
    print(
        f"  compiled step / chainrule:    first step "
        f"{first_step[COMPILED] / first_step['chainrule']:.2f}x, "
        f"trained {trained[COMPILED] / trained['chainrule']:.2f}x"
    )
    print(
        f"  first call (trace, write, compile): {median_compile * 1e3:.0f} ms median, "
        f"{fastest_compile * 1e3:.0f} ms fastest, of {repeat}"
    )
    print(f"  garbage collections during the {2 * repeat} timed compiled steps: {collections}")

    per_node = bytes_per_node(nodes)
    demo = demo_graph_sizes()
    print()
    print("Memory (tracemalloc)")
    print(f"  bytes per node, the same {nodes:,}-node graph of * and +:")
    for name, size in per_node.items():
        print(f"    {name:<12}{size:>8.0f} B/node")
    print("  one demo step's whole graph:")
    for name, (count, size) in demo.items():
        print(f"    {name:<12}{count:>8,} nodes {size / 1e6:>8.1f} MB")

    chain = deep_chain(depth)
    print()
    print(f"A chain {depth:,} operations deep (y = y * c), chainrule")
    for phase in ("forward", "backward"):
        seconds = chain[phase]
        print(f"  {phase:<9}{seconds:>7.2f} s   {depth / seconds / 1e6:>5.2f} M ops/s")
    print(f"  free     {chain['free']:>7.2f} s   (refcounting, no gc.collect())")
    print(f"  dx gradient vs c**depth: relative error {chain['relative_error']:.1e}")
    print(f"  memory blocks left after del: {chain['blocks_left']:+d}")
    print(f"  micrograd on a chain: {micrograd_depth_limit()}")

    print()
    print("Targets (from the issues), on the first step unless said")
    ours = first_step["chainrule"]
    shipped = first_step["micrograd 0.1.0 as shipped"] / ours
    no_gc = first_step["micrograd 0.1.0, gc.disable()"] / ours
    floats = ours / first_step["plain floats, backward by hand"]
    memory = per_node["micrograd"] / per_node["chainrule"]
    deep = chain["forward"] + chain["backward"]
    flat = abs(chain["blocks_left"]) < 100
    rows = [
        ("step vs micrograd as shipped", f"{shipped:.1f}x faster", ">= 50x", shipped >= 50),
        ("step vs micrograd, gc.disable()", f"{no_gc:.1f}x faster", ">= 3x", no_gc >= 3),
        ("step vs plain floats by hand", f"{floats:.1f}x slower", "<= 3x", floats <= 3),
        ("memory per node", f"1/{memory:.1f} of micrograd", "<= 1/3", memory >= 3),
        ("deep chain forward + backward", f"{deep:.1f} s", "a few s", deep < 10),
        ("memory after the deep chain", "flat" if flat else "grew", "flat", flat),
        (
            "compiled vs floats, first step",
            f"{compiled_first:.2f}x",
            "<= 0.5x",
            compiled_first <= 0.5,
        ),
        (
            "compiled vs floats, trained",
            f"{compiled_trained:.2f}x",
            "<= 0.5x",
            compiled_trained <= 0.5,
        ),
        ("compile time (median)", f"{median_compile:.3f} s", "<= 0.1 s", median_compile <= 0.1),
        ("GC runs in compiled steps", f"{collections}", "0", collections == 0),
    ]
    for label, measured, goal, ok in rows:
        print(f"  {label:<34}{measured:>22}   target {goal:<8} {'met' if ok else 'MISSED'}")
    floats_trained = trained["chainrule"] / trained["plain floats, backward by hand"]
    print(
        f"On the trained model chainrule is {floats_trained:.1f}x slower than the plain floats,\n"
        "whose step there is little more than a forward pass: the hinge is 0 for most points,\n"
        "so the hand-written backward skips them. chainrule's backward skips them too (their\n"
        "gradients are 0), but a graph engine must still record their forward pass and sort it."
    )


if __name__ == "__main__":
    main()
