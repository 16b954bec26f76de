"""CLI command modules. Each module defines `register(app)`; flows/cli.py registers them all."""

from __future__ import annotations

import os

from trendcast.settings import Settings


def use_target(target: str | None) -> Settings:
    """Apply a --target option (global or a command's) for everything this process runs.

    Exported as TRENDCAST_TARGET so dbt's profile and flows that take only a target name agree;
    validated at once, so a bad target is one clear line.
    """
    if target:
        os.environ["TRENDCAST_TARGET"] = target
    return Settings.from_env()
