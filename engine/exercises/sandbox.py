r"""Running a student's code as a grader must: with a time limit, and every exception caught.

A grader calls code it has never seen. That code may raise anything, recurse
without end, or loop forever; the grader must still answer with a report,
never a traceback and never a hang. ``run_limited(function, seconds)`` runs
``function()`` in a worker thread and returns an ``Outcome``:

* ``outcome.value``: what ``function`` returned, when it finished in time;
* ``outcome.failure``: a ``Failure`` naming the exception and the line of the
  student's code it came from (``engine.py:42 in backward: self.grad = 1``),
  or the line it was running when the time ran out.

How a loop is stopped. Python cannot kill a thread, but it can make a thread
raise: ``PyThreadState_SetAsyncExc`` plants an exception that the thread
raises at its next bytecode. A student's engine is pure Python, so an
infinite ``while`` loop stops within microseconds. The planted exception is a
``BaseException`` (not an ``Exception``), so a student's ``except Exception:``
does not swallow it; code that swallows even that (a bare ``except:``) is
asked a few times more, then abandoned as a daemon thread and reported. This
works the same in a script, in a notebook kernel and under the command line,
on Linux, macOS and Windows, and needs neither ``fork`` (unsafe on macOS,
absent on Windows) nor pickling the student's class (impossible for a class
defined in a notebook cell). A ``sys.settrace`` deadline would slow the
student's code tenfold and clash with debuggers and coverage tools.

The worker thread gets a large stack, so a runaway recursion ends in a clean
``RecursionError`` (reported like any exception) rather than a crash.
"""

from __future__ import annotations

import ctypes
import linecache
import os
import sysconfig
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

#: Stack size of the worker thread: room for Python's whole recursion limit even
#: where threads get a small default stack (512 KiB on macOS).
WORKER_STACK_SIZE = 64 * 1024 * 1024

#: After the time limit, how many times to plant the stop exception, and how
#: long to wait each time for the thread to end.
STOP_ATTEMPTS = 5
STOP_WAIT = 0.2

_ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CHAINRULE_DIRS = (
    _ENGINE_DIR + os.sep,
    os.path.join(os.path.dirname(_ENGINE_DIR), "nn") + os.sep,
)
_STDLIB_DIRS = tuple(
    os.path.abspath(sysconfig.get_paths()[key]) + os.sep for key in ("stdlib", "platstdlib")
)


class TimeLimitExceeded(BaseException):
    """Planted in a student's code when its time is up (a BaseException, so few catch it)."""


class Failure:
    """What went wrong in a student's code.

    * ``kind``: ``"exception"`` or ``"timeout"``;
    * ``exception``: the exception's class name (``"RecursionError"``), or ``""``;
    * ``detail``: the exception's message, or what the time limit was;
    * ``location``: where in the student's code, e.g. ``"engine.py:42 in backward"``,
      or ``""`` when unknown; ``code``: the text of that line.

    ``str(failure)`` is one sentence for a report.
    """

    __slots__ = ("kind", "exception", "detail", "location", "code")

    def __init__(
        self, kind: str, exception: str, detail: str, location: str = "", code: str = ""
    ) -> None:
        self.kind = kind
        self.exception = exception
        self.detail = detail
        self.location = location
        self.code = code

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        if self.code:
            where += f" (`{self.code}`)"
        if self.kind == "timeout":
            running = f"; stopped{where}" if where else ""
            return f"did not finish within {self.detail}{running}: an infinite loop?"
        text = f"{self.exception}: {self.detail}" if self.detail else self.exception
        hint = ""
        if self.exception == "RecursionError":
            hint = (
                " (a recursion that never ends: a graph walk without a visited set, "
                "or a method that calls itself)"
            )
        return f"raised {text}{where}{hint}"

    def __repr__(self) -> str:
        return f"Failure({self.kind!r}, {self.exception!r}, {self.detail!r}, {self.location!r})"

    def to_dict(self) -> dict[str, str]:
        """The failure as JSON-able fields."""
        return {name: getattr(self, name) for name in self.__slots__}


class Outcome(Generic[T]):
    """The result of ``run_limited``: ``value`` if the code finished, else ``failure``."""

    __slots__ = ("value", "failure")

    def __init__(self, value: T | None = None, failure: Failure | None = None) -> None:
        self.value = value
        self.failure = failure

    @property
    def ok(self) -> bool:
        """True when the code finished without an exception."""
        return self.failure is None


def run_limited(function: Callable[[], T], seconds: float) -> Outcome[T]:
    """Run ``function()`` in a worker thread for at most ``seconds``; never raises.

    Returns an ``Outcome`` holding the return value, or a ``Failure`` for an
    exception (any ``BaseException``, ``SystemExit`` included) or a timeout.
    A ``KeyboardInterrupt`` in the calling thread (the user pressing stop)
    stops the worker and is raised again.
    """
    results: list[Outcome[T]] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            outcome = _call(function, seconds)
            with lock:
                results.append(outcome)
        except TimeLimitExceeded:  # planted just as the function returned: it ran out of time
            pass

    thread = _start(work)
    try:
        thread.join(seconds)
    except KeyboardInterrupt:
        _stop(thread, results, lock)  # pragma: no mutate (results=None: differs in a race only)
        raise
    if thread.is_alive():
        _stop(thread, results, lock)  # pragma: no mutate (results=None: differs in a race only)
    if results:
        return results[0]
    if thread.is_alive():
        return Outcome(
            failure=Failure(
                "timeout",
                "",
                f"{seconds:g} s (and it kept running after being stopped: it is still running "
                "in the background; restart Python to stop it)",
            )
        )
    return Outcome(failure=Failure("timeout", "", f"{seconds:g} s"))


def _start(work: Callable[[], None]) -> threading.Thread:
    """Start ``work`` in a daemon thread with a large stack (the default one if refused)."""
    previous = threading.stack_size()
    for size in (WORKER_STACK_SIZE, previous):
        thread = threading.Thread(target=work, name="chainrule-grader", daemon=True)
        try:
            threading.stack_size(size)
            thread.start()
            return thread
        except (ValueError, RuntimeError):  # a platform that refuses such a stack
            continue
        finally:
            threading.stack_size(previous)
    raise RuntimeError("could not start a thread to run the student's code in")


def _call(function: Callable[[], T], seconds: float) -> Outcome[T]:
    """``function()`` as an ``Outcome``: every exception becomes a ``Failure``."""
    try:
        return Outcome(value=function())
    except TimeLimitExceeded as stop:
        location, code = where(stop.__traceback__)
        return Outcome(failure=Failure("timeout", "", f"{seconds:g} s", location, code))
    except BaseException as error:  # a grader reports whatever the student's code raises
        return Outcome(failure=describe(error))


def describe(error: BaseException) -> Failure:
    """A ``Failure`` for an exception: its class, its message and the student's line.

    A ``SyntaxError`` is located where the text is wrong, not where it was compiled.
    """
    detail = str(error)
    if len(detail) > 300:
        detail = detail[:297] + "..."
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        detail = error.msg
        location = f"{_file_name(error.filename)}:{error.lineno}"
        return Failure(
            "exception", type(error).__name__, detail, location, (error.text or "").strip()
        )
    return Failure("exception", type(error).__name__, detail, *where(error.__traceback__))


def _stop(thread: threading.Thread, results: list[Outcome[T]], lock: threading.Lock) -> None:
    """Plant ``TimeLimitExceeded`` in ``thread`` until it ends (a few attempts at most)."""
    for _ in range(STOP_ATTEMPTS):
        with lock:
            if results or not thread.is_alive():
                return
            _raise_in(thread, TimeLimitExceeded)
        thread.join(STOP_WAIT)
        if not thread.is_alive():
            return


def _raise_in(thread: threading.Thread, exception: type[BaseException]) -> None:
    """Make ``thread`` raise ``exception`` at its next bytecode (CPython's C API)."""
    if thread.ident is None:
        return
    try:
        set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except AttributeError:  # not CPython: the thread cannot be stopped, only abandoned
        return
    set_async_exc(ctypes.c_ulong(thread.ident), ctypes.py_object(exception))


def where(traceback: TracebackType | None) -> tuple[str, str]:
    """The student's line in ``traceback``: ``("file.py:12 in name", "its code")``.

    The deepest frame that is not chainrule's own code, preferring code
    outside the standard library (a student's ``math.exp(1000)`` is reported
    at the student's line, not inside ``math``). Only the file's base name is
    shown, and a notebook cell is called a cell; ``("", "")`` when no frame is the student's.
    """
    frames = []
    while traceback is not None:
        frames.append((traceback.tb_frame.f_code, traceback.tb_lineno))
        traceback = traceback.tb_next
    theirs = [(code, line) for code, line in frames if not _is_chainrule(code.co_filename)]
    preferred = [(code, line) for code, line in theirs if not _is_stdlib(code.co_filename)]
    chosen = preferred or theirs
    if not chosen:
        return "", ""
    code, line = chosen[-1]
    text = linecache.getline(code.co_filename, line).strip()
    return f"{_file_name(code.co_filename)}:{line} in {code.co_name}", text


def _is_chainrule(filename: str) -> bool:
    """True for a file of chainrule's own ``engine`` or ``nn`` packages (or Python's import
    machinery, ``<frozen importlib._bootstrap>``, which runs a student's file)."""
    if filename.startswith("<frozen "):
        return True
    path = os.path.abspath(filename)
    return any(path.startswith(folder) for folder in _CHAINRULE_DIRS)


def _is_stdlib(filename: str) -> bool:
    """True for a file of Python's standard library."""
    path = os.path.abspath(filename)
    return any(path.startswith(folder) for folder in _STDLIB_DIRS)


def _file_name(filename: str) -> str:
    """A short, path-free name for a code file; notebook cells are called ``cell``."""
    if filename.startswith("<"):  # "<string>", "<buggy_value 'seed'>", "<ipython-input-3-...>"
        return "cell" if filename.startswith("<ipython-input") else filename
    if "ipykernel_" in filename:  # a Jupyter cell: /tmp/ipykernel_123/456.py
        return "cell"
    return os.path.basename(filename)
