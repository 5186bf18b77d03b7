"""Switching graph recording off: ``no_grad``.

Every operation on Values normally records its inputs and local derivatives,
so that ``backward()`` can apply the chain rule later. Inference (making
predictions, measuring accuracy) never calls ``backward()``, so recording is
wasted work. Inside ``with no_grad():`` operations still compute their values
but return plain leaves that remember nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

_recording = True


def is_grad_enabled() -> bool:
    """True when operations on Values record the graph (the default)."""
    return _recording


@contextmanager
def _recording_set_to(mode: bool) -> Iterator[None]:
    """Set graph recording to ``mode`` inside the block; restore the previous mode after it."""
    global _recording
    previous = _recording
    _recording = mode
    try:
        yield
    finally:
        _recording = previous


def no_grad() -> AbstractContextManager[None]:
    """Record no graph inside the block; restore the previous mode after it.

    >>> from engine import Value, no_grad
    >>> a = Value(2.0)
    >>> with no_grad():
    ...     b = a * 3
    >>> b.inputs
    ()
    """
    return _recording_set_to(False)


def enable_grad() -> AbstractContextManager[None]:
    """Record the graph inside the block, even within ``no_grad()`` (as ``torch.enable_grad``)."""
    return _recording_set_to(True)
