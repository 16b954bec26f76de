"""Alerts: a failed flow run, a missed latency SLA, a stale source or a schema change notifies
`TRENDCAST_ALERT_URL` (a webhook receiving one JSON POST per incident), at most once per incident.

An incident has a key (`flow_failed:hourly`, `sla_missed:platform`, `stale:x`,
`schema:tiktok:research.video.query`). It is opened and sent once; while it stays open the same
condition sends nothing more; when the condition clears it is resolved, so a later recurrence is a
new incident and is sent again. The incident log lives in a small JSON file next to the other
artifacts, not in the warehouse: a flow that failed because the warehouse was unreachable must
still be able to say so. A POST that fails is retried on the next evaluation (still sent once).
"""

from __future__ import annotations

import fcntl
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendcast.settings import Settings

TIMEOUT_SECONDS = 5.0


def alert_url() -> str | None:
    return os.environ.get("TRENDCAST_ALERT_URL") or None


def state_path(settings: Settings) -> Path:
    return Path(
        os.environ.get("TRENDCAST_ALERT_STATE") or settings.artifact_dir / "ops" / "alerts.json"
    )


@contextmanager
def _state(settings: Settings) -> Iterator[dict[str, dict[str, Any]]]:
    """The incident log, locked against concurrent flows for the duration."""
    path = state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            state = {}  # a damaged log only risks one repeated alert, never a lost run
        yield state
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        tmp.replace(path)


def post(url: str, payload: dict[str, Any]) -> None:
    """POST one JSON document; raises on a non-2xx answer or a network error."""
    req = urllib.request.Request(
        url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "trendcast-alerts"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:
        if not 200 <= resp.status < 300:
            raise urllib.error.HTTPError(url, resp.status, "alert not accepted", resp.headers, None)


def raise_incident(settings: Settings, key: str, kind: str, message: str) -> bool:
    """Open the incident `key` if it is not open, and send it if not sent yet.

    Returns True when a notification went out now.
    """
    now = datetime.now(UTC).isoformat()
    with _state(settings) as state:
        inc = state.get(key)
        if inc is None or inc.get("resolved_at"):
            inc = {"kind": kind, "message": message, "opened_at": now, "sent_at": None,
                   "resolved_at": None, "last_error": None}  # fmt: skip
            state[key] = inc
        if inc.get("sent_at"):
            return False
        url = alert_url()
        if url is None:
            inc["last_error"] = "TRENDCAST_ALERT_URL not set"
            return False
        payload = {"source": "trendcast", "key": key, "kind": kind, "message": message,
                   "opened_at": inc["opened_at"]}  # fmt: skip
        try:
            post(url, payload)
        except (OSError, urllib.error.URLError) as exc:
            inc["last_error"] = f"{type(exc).__name__}: {exc}"
            return False
        inc["sent_at"] = now
        inc["last_error"] = None
        return True


def resolve_missing(settings: Settings, kind: str, active: Iterable[str]) -> list[str]:
    """Resolve open incidents of `kind` whose key is not in `active` (their condition cleared)."""
    keep = set(active)
    now = datetime.now(UTC).isoformat()
    resolved = []
    with _state(settings) as state:
        for key, inc in state.items():
            if inc.get("kind") == kind and not inc.get("resolved_at") and key not in keep:
                inc["resolved_at"] = now
                resolved.append(key)
    return resolved


def open_incidents(settings: Settings) -> dict[str, dict[str, Any]]:
    """The incidents not resolved yet. A missing or unreadable state file reads as none: the
    live loop and the ops report must not fail because alerting has never run."""
    path = state_path(settings)
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except ValueError:
        return {}
    return {k: v for k, v in state.items() if not v.get("resolved_at")}
