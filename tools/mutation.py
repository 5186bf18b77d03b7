"""Mutation testing helpers around mutmut (configured in pyproject.toml, [tool.mutmut]).

    python tools/mutation.py run [NAME ...]     mutmut run (every mutant, or the NAMEs/globs)
    python tools/mutation.py score              per-module scores of the last run
    python tools/mutation.py changed [BASE]     mutate only the modules changed since BASE
                                                (default main), committed or not
    python tools/mutation.py retest [GLOB ...]  rerun only the survivors, the mutants no test
                                                reached and those not checked yet (after new
                                                tests, or a stopped run)
    python tools/mutation.py sample N [--seed S]
                                                run a uniform random sample of N of the mutants
                                                not checked yet (where a full run does not fit
                                                in the time there is); ``score`` then estimates
                                                each package's score with a 95% interval

``run``, ``changed`` and ``retest`` run ``mutmut run`` at the lowest CPU priority
(``nice 19``: the machine is shared), with one OpenMP thread (torch in a forked test
process), under this Python. See the README, "Correctness, three ways".

A sample's names and seed are kept in ``mutants/sample.json``. The estimate: the sample's
kill rate, with its Wilson 95% interval, stands for the mutants still not checked; the
checked ones count as they are.

A module's score is the share of its checked mutants that the tests kill (a timeout
counts as killed; a mutant no test reaches counts against the score); mutants not
checked yet are shown apart. Mutants on lines marked ``# pragma: no mutate`` are not made at
all; tests/MUTATION.md lists them and why each is equivalent.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
SAMPLE = MUTANTS / "sample.json"

#: mutmut's exit codes that mean the tests caught the mutant (as in mutmut's own stats).
CAUGHT = {"killed": (1, 3), "timeout": (36, -24, 24, 152, 255), "type check": (37,)}
SURVIVED = 0
NO_TESTS = 33  # no test reached the mutated function (when it was last checked)


def _config() -> dict:
    """The [tool.mutmut] table of pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]


def _results() -> dict[str, dict[str, int | None]]:
    """``{module path: {mutant name: exit code}}`` from mutmut's files in mutants/."""
    results = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        path = meta.relative_to(MUTANTS).as_posix()[: -len(".meta")]
        results[path] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    return results


def score() -> int:
    """Print each measured module's mutants, survivors and score; the total last.

    The score is over the mutants checked: killed / (killed + survived + no tests). Mutants
    not checked yet (a stopped run, or functions changed since) are counted apart.
    """
    excluded = _config().get("do_not_mutate", [])
    results = {
        path: codes
        for path, codes in _results().items()
        if codes and not any(fnmatch.fnmatch(path, pattern) for pattern in excluded)
    }
    if not results:
        print("no results: run `mutmut run` first")
        return 1
    print(
        f"{'module':<30} {'mutants':>7} {'checked':>7} {'killed':>7} {'survived':>8} "
        f"{'no tests':>8} {'score':>7}"
    )
    total = Counter()
    for path, codes in results.items():
        counts = _counts(codes.values())
        total.update(counts)
        print(_row(path, counts))
    print(_row("total", total))
    if SAMPLE.exists():
        _estimate(results)
    return 0


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (95% for z = 1.96)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return centre - half, centre + half


def _package(path: str) -> str:
    return path.split("/")[0] + "/"


def _estimate(results: dict[str, dict[str, int | None]]) -> None:
    """Each package's score, with the sample's kill rate standing for the unchecked mutants."""
    sample = set(json.loads(SAMPLE.read_text("utf-8"))["names"])
    caught = {code for group in CAUGHT.values() for code in group}
    print("\nestimated from the sample (sampled mutants checked; the rest not checked yet):")
    head = f"{'package':<10} {'mutants':>7} {'checked':>7} {'sampled':>7} {'estimate':>9}"
    print(f"{head}  95% interval")
    for package in sorted({_package(path) for path in results}):
        codes = {
            n: c for path, cs in results.items() if _package(path) == package for n, c in cs.items()
        }
        in_sample = [c for n, c in codes.items() if n in sample and c is not None]
        killed_in_sample = sum(c in caught for c in in_sample)
        killed = sum(c in caught for c in codes.values())
        unchecked = sum(c is None for c in codes.values())
        if not in_sample:
            print(f"{package:<10} no sampled mutant checked yet")
            continue
        low, high = wilson(killed_in_sample, len(in_sample))
        rate = killed_in_sample / len(in_sample) if in_sample else 0.0
        total = len(codes)
        print(
            f"{package:<10} {total:>7} {total - unchecked:>7} {len(in_sample):>7} "
            f"{(killed + unchecked * rate) / total:>9.1%}  "
            f"{(killed + unchecked * low) / total:.1%} to {(killed + unchecked * high) / total:.1%}"
        )


def _counts(codes) -> Counter:
    caught = {code for group in CAUGHT.values() for code in group}
    counts = Counter(mutants=0)
    for code in codes:
        counts["mutants"] += 1
        if code is None:
            continue
        counts["checked"] += 1
        if code in caught:
            counts["killed"] += 1
        elif code == SURVIVED:
            counts["survived"] += 1
        elif code == NO_TESTS:
            counts["no tests"] += 1
    return counts


def _row(name: str, counts: Counter) -> str:
    judged = counts["killed"] + counts["survived"] + counts["no tests"]
    share = f"{counts['killed'] / judged:.1%}" if judged else "-"
    return (
        f"{name:<30} {counts['mutants']:>7} {counts['checked']:>7} {counts['killed']:>7} "
        f"{counts['survived']:>8} {counts['no tests']:>8} {share:>7}"
    )


def changed_modules(base: str) -> list[str]:
    """The measured source files changed since ``base`` (committed, uncommitted or new)."""
    config = _config()
    git = ["git", "-C", str(ROOT)]
    diff = subprocess.run([*git, "diff", "--name-only", base, "--"], capture_output=True, text=True)
    if diff.returncode != 0:
        sys.exit(f"git diff {base} failed: {diff.stderr.strip()}")
    new = subprocess.run(
        [*git, "ls-files", "--others", "--exclude-standard"], capture_output=True, text=True
    ).stdout
    sources = tuple(path.rstrip("/") + "/" for path in config["source_paths"])
    excluded = config.get("do_not_mutate", [])
    return sorted(
        path
        for path in set(diff.stdout.split()) | set(new.split())
        if path.endswith(".py")
        and path.startswith(sources)
        and not any(fnmatch.fnmatch(path, pattern) for pattern in excluded)
        and (ROOT / path).is_file()
    )


def glob_of(path: str) -> str:
    """The mutant-name glob of a module: ``engine/value.py`` -> ``engine.value.*``."""
    return path[: -len(".py")].replace("/", ".") + ".*"


#: ``mutmut`` run by this Python (not by whatever interpreter the ``mutmut`` script names), so
#: that the tests' own subprocesses (``python -m nn.cli``) find chainrule and its packages.
MUTMUT = [sys.executable, "-c", "import sys; from mutmut.__main__ import cli; sys.exit(cli())"]


def _fresh_copies() -> None:
    """Remove mutmut's copies of the tests and ``also_copy`` files from mutants/.

    mutmut copies them over on every run but never deletes a file, so a test or notebook
    renamed or removed since the last run would still be collected there. The results
    (``*.meta``) and the mutated modules stay.
    """
    for entry in ["tests", *_config().get("also_copy", [])]:
        copy = MUTANTS / entry.rstrip("/")
        if copy.is_dir():
            shutil.rmtree(copy)
        elif copy.is_file():
            copy.unlink()


def _mutmut_run(names: list[str]) -> int:
    """``mutmut run NAMES`` at the lowest CPU priority, one OpenMP thread."""
    _fresh_copies()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = ["nice", "-n", "19", *MUTMUT, "run", *names]
    shown = " ".join(names) if len(names) <= 5 else f"<{len(names)} mutant names>"
    print("$ nice -n 19 mutmut run", shown)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def _generate_mutants() -> None:
    """Make mutmut's mutants in mutants/ without testing any (what ``sample`` draws from).

    mutmut has no command that only makes them: this runs the steps its ``run`` begins
    with (mutmut 3.8), in a process of its own, so that nothing of mutmut's state stays here.
    """
    steps = (
        "import os\n"
        "from mutmut.__main__ import (copy_also_copy_files, copy_src_dir, create_mutants,\n"
        "    set_mutant_under_test, setup_source_paths, store_lines_covered_by_tests)\n"
        "set_mutant_under_test('mutant_generation')\n"
        "os.makedirs('mutants', exist_ok=True)\n"
        "copy_src_dir(); copy_also_copy_files(); setup_source_paths()\n"
        "store_lines_covered_by_tests()\n"
        "print(create_mutants(os.cpu_count() or 1))\n"
    )
    print("making the mutants (no test runs yet)", flush=True)
    done = subprocess.run(
        ["nice", "-n", "19", sys.executable, "-c", steps],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"mutmut could not make the mutants:\n{done.stdout}{done.stderr}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, args = argv[0], argv[1:]
    if command == "score":
        return score()
    if command == "run":
        return _mutmut_run(args)
    if command == "changed":
        modules = changed_modules(args[0] if args else "main")
        if not modules:
            print("no measured module changed")
            return 0
        print("changed:", ", ".join(modules))
        return _mutmut_run([glob_of(path) for path in modules])
    if command == "retest":
        patterns = args or ["*"]
        survivors = [
            name
            for codes in _results().values()
            for name, code in codes.items()
            if code in (SURVIVED, NO_TESTS, None)
            and any(fnmatch.fnmatch(name, p) for p in patterns)
        ]
        if not survivors:
            print("no survivors or unchecked mutants to run")
            return 0
        return _mutmut_run(survivors)
    if command == "sample":
        seed = 20261129
        if "--seed" in args:
            at = args.index("--seed")
            seed = int(args[at + 1])
            del args[at : at + 2]
        if not _results():  # a clean clone: no mutants made yet
            _generate_mutants()
        unchecked = sorted(
            name for codes in _results().values() for name, code in codes.items() if code is None
        )
        if not unchecked:  # (an empty list of names would make mutmut run every mutant)
            print("sample: every mutant is checked already; nothing to draw from")
            return 0
        chosen = random.Random(seed).sample(unchecked, min(int(args[0]), len(unchecked)))
        SAMPLE.write_text(json.dumps({"seed": seed, "names": sorted(chosen)}, indent=0), "utf-8")
        print(
            f"sample: {len(chosen)} of the {len(unchecked)} mutants not checked yet (seed {seed})"
        )
        return _mutmut_run(chosen)
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
