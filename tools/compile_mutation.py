"""Mutation testing of engine.compile, in place (mutmut cannot: see tests/MUTATION.md).

    python tools/compile_mutation.py run [GLOB ...]   make the mutants and test each one
                                                    (all of them, or the names matching GLOB)
    python tools/compile_mutation.py run --sample N [--seed S] [GLOB ...]
                                                    test N of them, drawn uniformly at random
                                                    (seed 0 unless given): a sampled score
    python tools/compile_mutation.py retest         rerun the survivors and new mutants (after new
                                                    tests, or an edit of the modules); after a
                                                    sample, only the sample's (and any it has
                                                    not reached yet: a stopped run goes on)
    python tools/compile_mutation.py retest --sample N
                                                    the same, the sample cut to its first N drawn
                                                    (a stopped run closed where it got to: the
                                                    first N drawn are a uniform sample too)
    python tools/compile_mutation.py score          per-module scores of the last run
    python tools/compile_mutation.py survivors      the survivors' names, one a line
    python tools/compile_mutation.py show NAME      a mutant as a diff

engine.compile traces the engine's own functions by identity, and mutmut replaces every
function with a trampoline, so its tests cannot run under mutmut. This runner makes the
same mutants mutmut would (mutmut's own operators and pragma handling: a ``+`` for a ``-``,
``<`` for ``<=``, a string for ``"XX...XX"``, an argument for ``None``...), and writes each
one into the module's file itself, in a private copy of the project, so that the mutated
code runs exactly as the real one does. Unlike mutmut it also mutates module-level code
(``engine/templates.py``'s tables) and decorated functions.

For each mutant, ``tests/test_compile.py`` and ``tests/test_compile_golden.py`` run (``-x``:
up to the first failure) in a process forked from one that has imported pytest, torch and
hypothesis but not chainrule, so each mutant's modules are imported afresh. A failing run
kills the mutant; so does one past the time limit (ten times the unmutated run, at least
30 s), as in mutmut. The tests run fastest first, by their times in the unmutated run (a
second unmutated run checks that order): most mutants fail a quick test, in seconds.
Lines marked ``# pragma: no mutate`` are not mutated. Two workers
(``--jobs``), at the lowest CPU priority (``nice 19``). Results: mutants-compile/results.json,
saved after every mutant (a stopped run keeps what it has done).

There are some 3,000 mutants, seconds each: ``--sample N`` tests a uniform random sample
of them instead (its names, seed and population in mutants-compile/sample.json). Its score
is an estimate, printed with its 95% confidence interval (Wilson's, which stays inside
0-100% and is honest near 100%, where the plain normal one is not), and labelled sampled.
A sample's results and a full run's are never mixed.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import json
import math
import os
import random
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants-compile"
RESULTS = WORK / "results.json"
DURATIONS = WORK / "durations.json"  # each test's time in the clean run
SAMPLE = WORK / "sample.json"  # a sampled run's record: seed, population, the names drawn

#: The modules of engine.compile, and the tests that prove them.
MODULES = (
    "engine/tracing.py",
    "engine/templates.py",
    "engine/codegen.py",
    "engine/compiler.py",
    "nn/compiled.py",
)
TESTS = ("tests/test_compile.py", "tests/test_compile_golden.py")
#: What a private copy of the project holds (the tests read golden files and the README).
COPIED = ("engine", "nn", "tests", "pyproject.toml", "README.md")
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:nbmake"]
PYTEST_ARGS += ["-o", "addopts=--import-mode=importlib"]


@dataclass
class Mutant:
    name: str  # mutmut's style: engine.codegen.x_emit__mutmut_3, engine.templates.x__mutmut_1
    path: str  # the module's file, relative to the project
    line: int
    make_source: Callable[[], str]  # the whole mutated module (made when needed: it is slow)

    @functools.cached_property
    def source(self) -> str:
        return self.make_source()

    def diff(self) -> str:
        original = (ROOT / self.path).read_text("utf-8").splitlines(keepends=True)
        mutated = self.source.splitlines(keepends=True)
        return "".join(difflib.unified_diff(original, mutated, self.path, self.path, n=2))


def make_mutants(path: str) -> list[Mutant]:
    """Every mutant of one module, made by mutmut's operators, each a whole module's source."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider
    from mutmut.mutation.file_mutation import NEVER_MUTATE_FUNCTION_NAMES, MutationVisitor
    from mutmut.mutation.mutators import mutation_operators
    from mutmut.mutation.pragma_handling import get_ignored_lines
    from mutmut.mutation.trampoline_templates import mangle_function_name

    class InPlaceVisitor(MutationVisitor):
        """mutmut's visitor, but decorated functions are mutated too (not their decorators):
        mutmut leaves them out only because its trampolines cannot wrap them."""

        def _skip_node_and_children(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.FunctionDef) and node.decorators:
                position = self.get_metadata(PositionProvider, node, None)
                if position and position.start.line in self._ignored_node_lines:
                    return True
                return node.name.value in NEVER_MUTATE_FUNCTION_NAMES
            return super()._skip_node_and_children(node)

    code = (ROOT / path).read_text("utf-8")
    wrapper = MetadataWrapper(cst.parse_module(code))
    visitor = InPlaceVisitor(mutation_operators, get_ignored_lines(path, code, wrapper), None)
    module = wrapper.visit(visitor)
    positions = wrapper.resolve(PositionProvider)

    keys: dict[cst.CSTNode, str] = {}  # each top-level function or method: mutmut's key
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            keys[statement] = mangle_function_name(name=statement.name.value, class_name=None)
        elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            for method in statement.body.body:
                if isinstance(method, cst.FunctionDef):
                    keys[method] = mangle_function_name(
                        name=method.name.value, class_name=statement.name.value
                    )

    dotted = path[: -len(".py")].replace("/", ".")
    numbers: Counter[str] = Counter()
    mutants = []
    for mutation in visitor.mutations:
        key = keys.get(mutation.contained_by_top_level_function, "x_")  # "x_": module level
        numbers[key] += 1
        mutants.append(
            Mutant(
                name=f"{dotted}.{key}__mutmut_{numbers[key]}",
                path=path,
                line=positions[mutation.original_node].start.line,
                make_source=functools.partial(_mutated_source, module, mutation),
            )
        )
    return mutants


def _mutated_source(module, mutation) -> str:
    return module.deep_replace(mutation.original_node, mutation.mutated_node).code


# --- running -------------------------------------------------------------------------------


def _slot(number: int) -> Path:
    """A fresh private copy of the project for one worker."""
    slot = WORK / f"worker-{number}"
    if slot.exists():
        shutil.rmtree(slot)
    slot.mkdir(parents=True)
    for name in COPIED:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, slot / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, slot / name)
    return slot


class _FastestFirst:
    """A pytest plugin: the tests run fastest first, by their times in the clean run (a mutant
    is killed by its first failing test, and most fail quick ones: the slow property tests of
    the bounds would otherwise come first). In the clean run (``measure``): those times taken."""

    def __init__(self, measure: bool) -> None:
        self.measure = measure
        self.times: dict[str, float] = {}

    def pytest_collection_modifyitems(self, items: list) -> None:
        if not self.measure:
            times = _load(DURATIONS)
            items.sort(key=lambda item: times.get(item.nodeid, 0.0))

    def pytest_runtest_logreport(self, report) -> None:
        self.times[report.nodeid] = self.times.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        if self.measure:
            _save(self.times, DURATIONS)


def _start(slot: Path, log: Path, measure: bool = False) -> int:
    """Fork a process that runs the compile tests against the code in ``slot``: its pid."""
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: its own process group (a timeout kills the tests' subprocesses too)
        os.setpgid(0, 0)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.chdir(slot)
        sys.path.insert(0, str(slot))
        sys.dont_write_bytecode = True  # a mutant of the same size and second must not reuse a .pyc
        import pytest

        plugin = _FastestFirst(measure)
        code = pytest.main([*TESTS, *PYTEST_ARGS, "--rootdir", str(slot)], plugins=[plugin])
    except BaseException:  # noqa: BLE001 - whatever went wrong, the mutant is not a survivor
        code = 99
    os._exit(int(code))


def _wait(pid: int, deadline: float) -> str:
    """``survived``, ``killed`` or ``timeout``, once the child has ended (or been ended)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


def _preload() -> None:
    """What every test process needs, imported once before forking (never chainrule)."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["CI"] = "true"  # hypothesis draws the same examples every time (conftest.py)
    os.environ.setdefault("MPLBACKEND", "Agg")
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import torch  # noqa: F401

    assert "engine" not in sys.modules and "nn" not in sys.modules


def run(mutants: list[Mutant], jobs: int, results: dict[str, dict]) -> None:
    """Test every mutant, ``jobs`` at a time, into ``results`` (by name), saved after each."""
    _preload()
    slots = [_slot(number) for number in range(jobs)]
    started = time.monotonic()
    for measure in (True, False):  # the times taken, then the tests in their new order
        pid = _start(slots[0], WORK / "clean.log", measure)
        if _wait(pid, started + 600) != "survived":
            sys.exit(f"the compile tests fail without any mutant: see {WORK / 'clean.log'}")
        if measure:
            limit = max(30.0, 10 * (time.monotonic() - started))
    elapsed = time.monotonic() - started
    print(f"clean runs: {elapsed:.1f} s; time limit per mutant {limit:.0f} s", flush=True)

    tested = 0
    waiting = list(mutants)
    running: dict[int, tuple[Mutant, Path, float]] = {}  # pid: mutant, slot, start
    free = list(slots)
    while waiting or running:
        while waiting and free:
            mutant, slot = waiting.pop(0), free.pop()
            target = slot / mutant.path
            try:
                compile(mutant.source, mutant.path, "exec")
            except SyntaxError:
                results[mutant.name] = _result(mutant, "killed", 0.0)  # cannot even be imported
                tested += 1
                free.append(slot)
                continue
            target.write_text(mutant.source, "utf-8")
            now = time.monotonic()
            running[_start(slot, slot / "last.log")] = (mutant, slot, now)
        for pid, (mutant, slot, begun) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            timed_out = not done and time.monotonic() - begun > limit
            if not done and not timed_out:
                continue
            if timed_out:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                verdict = "timeout"
            else:
                verdict = "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
            shutil.copy2(ROOT / mutant.path, slot / mutant.path)  # the original back
            results[mutant.name] = _result(mutant, verdict, time.monotonic() - begun)
            _save(results)
            tested += 1
            del running[pid]
            free.append(slot)
            if verdict == "survived":
                print(f"survived: {mutant.name} (line {mutant.line})", flush=True)
            if tested % 50 == 0:
                elapsed = time.monotonic() - started
                print(f"{tested} of {len(mutants)} mutants, {elapsed:.0f} s", flush=True)
        time.sleep(0.02)
    print(f"{tested} mutants in {time.monotonic() - started:.0f} s")


def _result(mutant: Mutant, verdict: str, seconds: float) -> dict:
    return {
        "path": mutant.path,
        "line": mutant.line,
        "status": verdict,
        "seconds": round(seconds, 2),
        "diff": mutant.diff(),
    }


# --- reading the results ----------------------------------------------------------------------


def _load(path: Path = RESULTS) -> dict:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def _save(results: dict, path: Path = RESULTS) -> None:
    """Written whole to a side file, then moved over: a run stopped mid-write loses nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(results, indent=1, sort_keys=True), "utf-8")
    partial.replace(path)


def draw_sample(names: list[str], size: int, seed: int) -> list[str]:
    """``size`` of the names, each subset as likely as any other; the same for the same seed.
    In the order drawn, which the run keeps: the first k tested are a uniform sample too, so a
    run stopped early still gives a fair (if wider) estimate."""
    return random.Random(seed).sample(sorted(names), min(size, len(names)))


def wilson_interval(caught: int, tested: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% confidence interval of a proportion seen as ``caught`` of ``tested`` (Wilson).

    Unlike the usual p ± 1.96·sqrt(p(1-p)/n) it stays within [0, 1] and does not shrink to
    nothing when every sampled mutant was killed (p = 1), which is where scores live."""
    if not tested:
        return 0.0, 1.0
    share = caught / tested
    spread = z * z / tested
    centre = (share + spread / 2) / (1 + spread)
    half = z / (1 + spread) * math.sqrt(share * (1 - share) / tested + spread / (4 * tested))
    return max(0.0, centre - half), min(1.0, centre + half)


def score(results: dict[str, dict], sample: dict | None = None) -> None:
    """Each module's mutants, killed (a timeout counts), survived, and score; the total last.
    For a sample, the score is an estimate: its 95% interval beside it."""
    if sample:
        print(
            f"SAMPLED: {len(results)} tested of the {len(sample['names'])} drawn "
            f"(seed {sample['seed']}) from {sample['population']} mutants; "
            "the scores are estimates, with their 95% confidence interval (Wilson)"
        )
    head = f"{'module':<22} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8}"
    print(f"{head} {'score':>7}" + (f" {'95% interval':>15}" if sample else ""))
    total: Counter[str] = Counter()
    for path in MODULES:
        counts = Counter(r["status"] for r in results.values() if r["path"] == path)
        total.update(counts)
        print(_row(path, counts, sampled=bool(sample)))
    print(_row("total" + (" (sampled)" if sample else ""), total, sampled=bool(sample)))


def _row(name: str, counts: Counter, sampled: bool = False) -> str:
    mutants = sum(counts.values())
    caught = counts["killed"] + counts["timeout"]
    share = f"{caught / mutants:.1%}" if mutants else "-"
    row = (
        f"{name:<22} {mutants:>7} {counts['killed']:>7} {counts['timeout']:>7} "
        f"{counts['survived']:>8} {share:>7}"
    )
    if sampled and mutants:
        low, high = wilson_interval(caught, mutants)
        row += f" {f'{low:.1%} - {high:.1%}':>15}"
    return row


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, args = argv[0], argv[1:]
    jobs, size, seed = (
        _option(args, "--jobs", 2),
        _option(args, "--sample"),
        _option(args, "--seed", 0),
    )
    if command in ("run", "retest"):
        os.nice(19 - os.nice(0))
        os.chdir(ROOT)  # mutmut's configuration (its pragma patterns) is read from here
        mutants = [mutant for path in MODULES for mutant in make_mutants(path)]
        if args:
            mutants = [m for m in mutants if any(fnmatch.fnmatch(m.name, g) for g in args)]
        sample = _load(SAMPLE)
        if command == "run":
            if size is not None or sample:  # a sample's results and a full run's never mix
                RESULTS.unlink(missing_ok=True)
                SAMPLE.unlink(missing_ok=True)
                sample = {}
            if size is not None:
                names = draw_sample([m.name for m in mutants], size, seed)
                sample = {"seed": seed, "population": len(mutants), "names": names}
                _save(sample, SAMPLE)
        elif sample and size is not None:  # a stopped sample closed at the first N drawn
            sample["names"] = sample["names"][:size]
            _save(sample, SAMPLE)
        results = _load() if command == "retest" or args else {}
        current = {m.name for m in mutants} if command == "retest" and not args else None
        if current is not None:  # gone (now under a pragma): no longer counted
            results = {name: r for name, r in results.items() if name in current}
        if sample:  # in the order drawn
            order = {name: at for at, name in enumerate(sample["names"])}
            results = {name: r for name, r in results.items() if name in order}
            mutants = sorted((m for m in mutants if m.name in order), key=lambda m: order[m.name])
        if command == "retest":
            mutants = [  # survivors, and mutants new or changed since (the module was edited)
                m
                for m in mutants
                if m.name not in results
                or results[m.name]["status"] == "survived"
                or _change(results[m.name]["diff"]) != _change(m.diff())
            ]
        sampled = " (sampled)" if sample else ""
        print(f"{len(mutants)} mutants of {', '.join(MODULES)}{sampled}", flush=True)
        run(mutants, jobs, results)
        _save(results)
        score(results, sample)
        return 0
    results = _load()
    if not results:
        print("no results: run `python tools/compile_mutation.py run` first")
        return 1
    if command == "score":
        score(results, _load(SAMPLE))
    elif command == "survivors":
        print("\n".join(name for name, r in sorted(results.items()) if r["status"] == "survived"))
    elif command == "show" and args:
        for name in args:
            print(f"{name}: {results[name]['status']}\n{results[name]['diff']}")
    else:
        print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
        return 2
    return 0


def _option(args: list[str], flag: str, default: int | None = None) -> int | None:
    """The whole number after ``flag`` in ``args`` (both taken out of them), or ``default``."""
    if flag not in args:
        return default
    at = args.index(flag)
    value = int(args[at + 1])
    del args[at : at + 2]
    return value


def _change(diff: str) -> str:
    """A mutant's diff without its line numbers: the same mutant after an edit above it."""
    return "".join(line for line in diff.splitlines(keepends=True) if not line.startswith("@@"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
