"""One writer at a time: the lock every scheduled flow holds while it writes the warehouse.

DuckDB allows one writing process per file, and on Postgres two overlapping incremental runs
could each read the other's half-written watermark. So `hourly`, `daily` and `retention` take
this lock for their whole run. A flow that cannot get it waits up to `timeout` seconds, then
gives up with one `WriterBusyError` naming the holder; it never touches the warehouse unlocked.

DuckDB: an exclusive `flock` on `<warehouse file>.writer-lock` (released by the kernel if the
holder dies, so a killed run never leaves a stale lock). Postgres: a session advisory lock on
a dedicated connection (released when that connection closes, also on a crash), which serves
workers on several machines. A Prefect global concurrency limit would need a server with the
limit configured; this works with the ephemeral API as well and is checked by tests.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendcast.settings import Settings

ADVISORY_KEY = 7_441_900_151  # arbitrary constant shared by every trendcast process
POLL_SECONDS = 0.5

# re-entrant per thread: a flow holding the lock may call flows that take it too; another
# thread of the same process waits like any other process
_local = threading.local()


class WriterBusyError(RuntimeError):
    """Another flow holds the warehouse writer lock and did not release it in time."""


def _key(settings: Settings) -> str:
    if settings.target == "duckdb":
        return f"duckdb:{settings.duckdb_path}"
    return f"postgres:{settings.pg_host}:{settings.pg_port}/{settings.pg_dbname}"


def lock_path(settings: Settings) -> Path:
    return settings.duckdb_path.with_name(settings.duckdb_path.name + ".writer-lock")


def holder(settings: Settings) -> dict[str, Any] | None:
    """Who holds (or last held) the DuckDB lock file: {"owner", "pid", "since"}."""
    if settings.target != "duckdb":
        return None
    try:
        return json.loads(lock_path(settings).read_text() or "null")
    except (OSError, ValueError):
        return None


@contextmanager
def writer_lock(
    settings: Settings,
    owner: str,
    timeout: float = 600.0,
    on_wait: Callable[[dict[str, Any] | None], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse writer lock while active (see module docstring).

    `on_wait(holder)` is called once if the lock is busy, before waiting (a command line says
    whom it waits for)."""
    key = _key(settings)
    held: dict[str, int] = _local.__dict__.setdefault("held", {})
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    acquire = _duckdb_lock if settings.target == "duckdb" else _postgres_lock
    with acquire(settings, owner, timeout, on_wait):
        held[key] = 1
        try:
            yield
        finally:
            held.pop(key, None)


def _busy(settings: Settings, owner: str, timeout: float) -> WriterBusyError:
    who = holder(settings)
    by = f" by {who.get('owner')} (pid {who.get('pid')}, since {who.get('since')})" if who else ""
    return WriterBusyError(
        f"{owner}: the warehouse writer lock ({settings.describe()}) is held{by}; "
        f"waited {timeout:.0f} s and gave up without writing. The next scheduled run "
        "catches up."
    )


@contextmanager
def _duckdb_lock(
    settings: Settings, owner: str, timeout: float, on_wait: Callable | None
) -> Iterator[None]:
    import fcntl

    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait(holder(settings))
                    on_wait = None
                if time.monotonic() >= deadline:
                    raise _busy(settings, owner, timeout) from None
                time.sleep(POLL_SECONDS)
        info = {"owner": owner, "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _postgres_lock(
    settings: Settings, owner: str, timeout: float, on_wait: Callable | None
) -> Iterator[None]:
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        deadline = time.monotonic() + timeout
        while not wh.scalar("select pg_try_advisory_lock(?)", [ADVISORY_KEY]):
            if on_wait is not None:
                on_wait(None)
                on_wait = None
            if time.monotonic() >= deadline:
                raise _busy(settings, owner, timeout)
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            wh.scalar("select pg_advisory_unlock(?)", [ADVISORY_KEY])
