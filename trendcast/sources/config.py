"""Extractor settings from the environment: base URLs (overridable for proxies and replay
servers) and credentials (environment only: never options, so they stay out of shell history and
process lists)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trendcast.sources.errors import CredentialError


def base_url(var: str, default: str) -> str:
    return (os.environ.get(var) or default).rstrip("/")


def credential(var: str, how: str) -> str:
    value = os.environ.get(var, "").strip()
    if not value:
        raise CredentialError(f"{var} is not set: {how}")
    return value


@dataclass(frozen=True)
class HttpOptions:
    """Politeness knobs shared by every extractor (plain values, so flows can pass them)."""

    timeout: float = 30.0
    max_attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_wait: float = 900.0
    commit_every: int = 100

    def client_options(self, sleep: Callable[[float], None] | None = None) -> dict[str, Any]:
        """The ApiClient keyword arguments these knobs set, the same for every source; `sleep`
        replaces the real wait (tests), and is left out otherwise so the client keeps its own."""
        return {
            "timeout": self.timeout,
            "max_attempts": self.max_attempts,
            "backoff": self.backoff,
            "max_backoff": self.max_backoff,
            "max_wait": self.max_wait,
            **({"sleep": sleep} if sleep else {}),
        }
