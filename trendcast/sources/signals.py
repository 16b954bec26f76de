"""SIGTERM ends an extraction the way Ctrl-C does: the current file is finished, not torn.

A scheduler stops a run with SIGTERM (Prefect cancelling a flow run, systemd, `docker stop`,
`kill`). Python's default is to die on the spot, leaving the open `.part` file (landing never
reads it, but the calls in it are lost until the next run repeats them) and, between the CRC
update and the compressed write of a gzip line, a file whose trailer would not match. So while an
extractor runs, SIGTERM raises `Terminated` (a KeyboardInterrupt: the retry loops, which catch
Exception, let it through) and the run commits what it received, as on Ctrl-C.

The signal is deferred inside `uninterruptible()` (writing one line, committing a file and its
checkpoint): the exception is raised when the section ends, so no line or file is half done.
Handlers can only be installed in the main thread; elsewhere the process keeps its own.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM while an extractor ran."""


class _State(threading.local):
    depth = 0
    pending: int | None = None


_state = _State()
_received: list[int] = []  # every SIGTERM while terminate_gracefully was active


def received() -> bool:
    """A SIGTERM arrived (for loops whose body may swallow the exception, e.g. dbt's run)."""
    return bool(_received)


def _handler(signum: int, frame: Any) -> None:
    _received.append(signum)
    if _state.depth:
        _state.pending = signum
        return
    raise Terminated(f"signal {signum}")


@contextmanager
def terminate_gracefully() -> Iterator[None]:
    """While active, SIGTERM raises Terminated (deferred inside `uninterruptible`)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _handler)
    _received.clear()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        _state.pending = None


@contextmanager
def uninterruptible() -> Iterator[None]:
    """A section SIGTERM does not cut: a signal received meanwhile is raised at its end."""
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if not _state.depth and _state.pending is not None:
            signum, _state.pending = _state.pending, None
            raise Terminated(f"signal {signum}")
