r"""``chainrule check path/to/file.py:ClassName``: grade a student's engine from the shell.

For autograders (GitHub Classroom, nbgrader, Gradescope): the report goes to
standard output, as text or, with ``--json``, as JSON, and the exit code
says the verdict:

* 0: every check passed;
* 1: something failed (a check, or the student's file raised or hung while loading);
* 2: the grader could not start: no such file, no such class, a bad option.
  One line on standard error, never a traceback.

The student's file is loaded like any other student code: in a worker
thread with a time limit (the checks' limit, at least ``LOAD_TIME_LIMIT``),
every exception caught and reported.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from typing import Any, TextIO

from engine.exercises.grade import CheckResult, EngineReport, check_engine
from engine.exercises.sandbox import run_limited

_counter = itertools.count()

#: The least time a student's file gets to load (it may import libraries).
LOAD_TIME_LIMIT = 1.0


def split_target(target: str) -> tuple[str, str]:
    """``"path/to/file.py:Value"`` as ``("path/to/file.py", "Value")``; ``Value`` by default."""
    path, colon, name = target.rpartition(":")
    if not colon or not name.isidentifier() or not path:
        return target, "Value"
    return path, name


def run_check(
    target: str,
    *,
    as_json: bool = False,
    checks: list[str] | None = None,
    time_limit: float = 2.0,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Load the class ``target`` names, grade it with ``check_engine``, print; the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    path, name = split_target(target)
    if not os.path.isfile(path):
        return _usage_error(err, f"no such file: {path}")
    if not time_limit > 0:
        return _usage_error(
            err, f"--time-limit must be a positive number of seconds, got {time_limit}"
        )
    loaded = run_limited(lambda: _load(path), max(time_limit, LOAD_TIME_LIMIT))
    if loaded.failure is not None:
        report = EngineReport(
            name,
            [
                CheckResult(
                    "load",
                    "failed",
                    f"loading {os.path.basename(path)}: your code {loaded.failure}",
                    loaded.failure.kind,
                    None,
                    loaded.failure,
                )
            ],
            [],
        )
        _print(report, as_json, out)
        return 1
    module = loaded.value
    value_class = getattr(module, name, None)
    if value_class is None or not callable(value_class):
        classes = sorted(
            key
            for key, item in vars(module).items()
            if isinstance(item, type) and not key.startswith("_")
        )
        found = f" (it defines: {', '.join(classes)})" if classes else ""
        return _usage_error(err, f"{path} has no class {name!r}{found}")
    try:
        report = check_engine(value_class, checks=checks, time_limit=time_limit)
    except ValueError as error:  # an unknown check name
        return _usage_error(err, str(error))
    _print(report, as_json, out)
    return 0 if report.passed else 1


def _load(path: str) -> Any:
    """Execute the file at ``path`` as a fresh module, its folder importable while it loads."""
    folder = os.path.dirname(os.path.abspath(path))
    module_name = f"chainrule_student_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as Python (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look a class's module up
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    finally:
        if sys.path and sys.path[0] == folder:
            del sys.path[0]
    return module


def _print(report: EngineReport, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(report.to_json(), file=out)
    else:
        print(report, file=out)


def _usage_error(err: TextIO, message: str) -> int:
    print(f"chainrule check: error: {message}", file=err)
    return 2
