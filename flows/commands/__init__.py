"""CLI command modules. Each module defines `register(app)`; flows/cli.py registers them all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from trendcast.settings import Settings

# errors go to stderr unwrapped, so a message stays one line when output is piped or captured
err_console = Console(stderr=True, soft_wrap=True)


def print_error(message: str, hint: str) -> None:
    """The CLI's one error format: `error: <first line>` and `hint: <what to do>`."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    err_console.print(f"[dim]hint: {hint}[/]", highlight=False)


def use_target(target: str | None) -> Settings:
    """Apply a --target option (global or a command's) for everything this process runs.

    Exported as TRENDCAST_TARGET so dbt's profile and flows that take only a target name agree;
    validated at once, so a bad target is one clear line.
    """
    if target:
        os.environ["TRENDCAST_TARGET"] = target
    return Settings.from_env()


WRITER_WAIT_ENV = "TRENDCAST_WRITER_LOCK_WAIT"


@contextmanager
def writing(settings: Settings, owner: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse writer lock (trendcast/writer_lock.py) for a writing command.

    A command that writes (load, build, erase, retention) waits for a running flow or command
    instead of failing half-way (DuckDB) or interleaving with a build (Postgres: a load
    committing mid-build would give marts built partly before and partly after it). It says
    once whom it waits for, and gives up after `timeout` seconds (else TRENDCAST_WRITER_LOCK_WAIT,
    default 600) with one line.
    """
    from trendcast.writer_lock import WriterBusyError, writer_lock

    if timeout is None:
        try:
            timeout = float(os.environ.get(WRITER_WAIT_ENV) or 600)
        except ValueError:
            raise ValueError(f"{WRITER_WAIT_ENV} must be a number of seconds") from None

    def on_wait(holder: dict | None) -> None:
        by = (
            f"{holder.get('owner')} (pid {holder.get('pid')}, since {holder.get('since')})"
            if holder
            else "another trendcast process"
        )
        err_console.print(
            f"waiting for the warehouse writer lock, held by {by} (up to {timeout:.0f} s)",
            highlight=False,
        )

    try:
        with writer_lock(settings, owner, timeout, on_wait):
            yield
    except WriterBusyError as exc:
        print_error(
            str(exc),
            "run again when it ends, or wait longer with --lock-timeout or "
            f"{WRITER_WAIT_ENV}=<seconds>",
        )
        raise typer.Exit(1) from None
