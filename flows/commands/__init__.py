"""CLI command modules. Each module defines `register(app)`; flows/cli.py registers them all."""

from __future__ import annotations

import os

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
