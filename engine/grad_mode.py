"""Switching graph recording off: ``no_grad``, and back on: ``enable_grad``.

Every operation on Values normally records its inputs and local derivatives,
so that ``backward()`` can apply the chain rule later. Inference (making
predictions, measuring accuracy) never calls ``backward()``, so recording is
wasted work. Inside ``with no_grad():`` operations still compute their values
but return plain leaves that remember nothing.

**Per thread, as in PyTorch.** The switch belongs to the thread that flips
it: one thread's ``no_grad()`` (say, a prediction made while another thread
trains) never stops recording in another thread, and every new thread starts
with recording on, whatever the thread that started it was doing. (PyTorch's
grad mode is thread-local in the same way; unlike ``contextvars``, a
``threading.local`` gives exactly that, on every Python version.)

``no_grad()`` and ``enable_grad()`` make objects that work

* as context managers, any number of times and nested, in any number of
  threads at once (each thread restores its own previous mode);
* as decorators, with or without parentheses (``@no_grad()``, ``@no_grad``),
  on ordinary functions and on generator functions: a generator's body runs
  in the mode every time it is resumed, and the caller gets its own mode
  back at every ``yield``, as with PyTorch's decorators.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadMode(threading.local):
    """Each thread's own switch. ``__init__`` runs once in every thread that reads it."""

    def __init__(self) -> None:
        self.recording = True


_thread_mode = _ThreadMode()

# Reading a thread-local switch costs every operation about 40 ns, a tenth of
# the cheapest op. So operations first read one process-wide flag, True while
# no thread at all has recording off (nearly always): engine.value._from_op
# records when ``all_threads_recording or _thread_mode.recording``. A thread
# counts itself in before it switches off and out after it switches back on,
# so the flag is never True while any thread has recording off.
all_threads_recording = True
_threads_not_recording = 0
_count_lock = threading.Lock()


def _set_recording(recording: bool) -> bool:
    """Set this thread's mode; return the mode it had (the process-wide flag follows)."""
    global all_threads_recording, _threads_not_recording
    previous = _thread_mode.recording
    if recording == previous:
        return previous
    if not recording:
        with _count_lock:
            _threads_not_recording += 1
            all_threads_recording = False  # pragma: no mutate (None is false too)
        _thread_mode.recording = False
    else:
        _thread_mode.recording = True
        with _count_lock:
            _threads_not_recording -= 1
            all_threads_recording = _threads_not_recording == 0
    return previous


def is_grad_enabled() -> bool:
    """True when operations on Values record the graph in this thread (the default)."""
    return _thread_mode.recording


class _GradMode:
    """Sets recording to ``mode`` as a context manager or decorator: ``no_grad``, ``enable_grad``.

    The mode to restore is saved per thread and per entry, so one object can
    be entered again while it is active, and from several threads at once.
    """

    mode: bool

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # @no_grad without parentheses decorates func directly

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        self._saved = threading.local()  # per thread: a stack of modes to restore

    def __enter__(self) -> None:
        if not hasattr(self._saved, "stack"):  # the first entry in this thread
            self._saved.stack = []
        self._saved.stack.append(_set_recording(self.mode))

    def __exit__(self, *exc_info: object) -> None:
        stack = getattr(self._saved, "stack", None)
        if stack:  # (empty only when a generator left suspended inside is closed by another thread)
            _set_recording(stack.pop())

    def __call__(self, func: F) -> F:
        """Decorate ``func`` so that its body runs in this mode."""
        if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(
                f"{type(self).__name__} cannot decorate the async function {func.__name__}; "
                f"use 'with {type(self).__name__}():' inside it"
            )
        if not callable(func):
            raise TypeError(
                f"{type(self).__name__}() decorates a function, got {type(func).__name__}"
            )
        mode = type(self)
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
                return (yield from _in_mode(mode, func(*args, **kwargs)))

            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def function(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return func(*args, **kwargs)

        return function  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _in_mode(mode: type[_GradMode], gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Run ``gen`` in ``mode`` each time it is resumed; the caller keeps its own mode between.

    ``yield from`` would resume ``gen`` in the caller's mode, so every step
    (``send``, ``throw``, ``close``) is made here, inside the mode.
    """
    try:
        with mode():
            response = gen.send(None)
        while True:
            try:
                request = yield response
            except GeneratorExit:
                with mode():
                    gen.close()
                raise
            except BaseException as error:  # thrown in by the caller: pass it on
                with mode():
                    response = gen.throw(error)
            else:
                with mode():
                    response = gen.send(request)
    except StopIteration as stop:
        return stop.value


class no_grad(_GradMode):  # lower case, as torch.no_grad: it reads like a function
    """Record no graph inside the block (or the decorated function); restore the mode after it.

    >>> from engine import Value, no_grad
    >>> a = Value(2.0)
    >>> with no_grad():
    ...     b = a * 3
    >>> b.inputs
    ()
    >>> @no_grad()
    ... def predict(x):
    ...     return x * 3
    >>> predict(a).inputs
    ()
    """

    mode = False


class enable_grad(_GradMode):  # lower case, as torch.enable_grad
    """Record the graph inside the block, even within ``no_grad()`` (as ``torch.enable_grad``).

    >>> from engine import Value, no_grad, enable_grad
    >>> a = Value(2.0)
    >>> with no_grad(), enable_grad():
    ...     b = a * 3
    >>> b.inputs[0] is a
    True
    """

    mode = True
