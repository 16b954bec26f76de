"""Mastodon REST (timelines, trends, status re-fetches, instance info) and streaming (SSE).

Per instance (`https://host`), with an optional token in `TRENDCAST_MASTODON_TOKEN_<HOST>`
(host upper-cased, every non-alphanumeric character as `_`). Every archived line carries
`params.instance` (the host), which is how staging tells instances apart.

Resume: a timeline's checkpoint is the newest status id archived (`min_id`); the next run asks
for what came after it and pages forward (Link `rel="prev"`), committing as it goes, so a killed
run continues from the last committed page. A stream resumes the same way: after a dropped
connection (and at the start of a run) a REST call with `min_id` fetches the statuses published
while no connection was open, then the stream is reopened.
Rate limits: `X-RateLimit-Remaining` / `X-RateLimit-Reset` (ISO-8601), honoured by the client.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from httpx_sse import EventSource, SSEError

from trendcast.sources.budget import Budget
from trendcast.sources.checkpoint import Checkpoint
from trendcast.sources.config import HttpOptions
from trendcast.sources.errors import CredentialError, ExtractError
from trendcast.sources.http import ApiClient
from trendcast.sources.redact import Redactor
from trendcast.sources.run import ExtractRun, Summary, run_extractor
from trendcast.sources.writer import build_line, event_line

log = logging.getLogger("trendcast.extract")

SOURCE = "mastodon"
INSTANCES_VAR = "TRENDCAST_MASTODON_INSTANCES"
STREAM_EVENTS = ("update", "status.update", "delete")
STREAM_STATE = "mastodon-stream"  # the stream's checkpoint name in DIR/_state/
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([a-z]+)"?')


def token_var(instance: str) -> str:
    host = urlsplit(instance).netloc or instance
    return "TRENDCAST_MASTODON_TOKEN_" + re.sub(r"[^A-Za-z0-9]", "_", host).upper()


def instances_from_env() -> list[str]:
    return [u.strip() for u in os.environ.get(INSTANCES_VAR, "").split(",") if u.strip()]


def _host(instance: str) -> str:
    parts = urlsplit(instance if "://" in instance else f"https://{instance}")
    return parts.netloc


def _base(instance: str) -> str:
    return (instance if "://" in instance else f"https://{instance}").rstrip("/")


def link_ids(header: str | None) -> dict[str, dict[str, str]]:
    """The query of each `Link` relation (`next` → {"max_id": ...}, `prev` → {"min_id": ...})."""
    out: dict[str, dict[str, str]] = {}
    for url, rel in _LINK.findall(header or ""):
        out[rel] = dict(parse_qsl(urlsplit(url).query))
    return out


def _newest(statuses: Any, current: str | None) -> str | None:
    ids = [
        int(s["id"])
        for s in statuses or []
        if isinstance(s, dict) and str(s.get("id", "")).isdigit()
    ]
    if current and current.isdigit():
        ids.append(int(current))
    return str(max(ids)) if ids else current


def _client(
    instance: str, budget: Budget, http: HttpOptions, sleep: Callable[[float], None] | None
) -> ApiClient:
    var = token_var(instance)
    token = os.environ.get(var, "").strip()
    return ApiClient(
        SOURCE,
        _base(instance),
        credential_var=var,
        redactor=Redactor([token] if token else []),
        headers={"Authorization": f"Bearer {token}"} if token else {},
        budget=budget,
        rate_headers=("x-ratelimit-remaining", "x-ratelimit-reset"),
        **http.client_options(sleep),
    )


def _timeline_path(timeline: str) -> tuple[str, dict[str, Any]]:
    if timeline == "public":
        return "/api/v1/timelines/public", {}
    if timeline == "local":
        return "/api/v1/timelines/public", {"local": "true"}
    if timeline.startswith("tag:") and timeline[4:].strip():
        return f"/api/v1/timelines/tag/{timeline[4:].strip().lstrip('#')}", {}
    raise ValueError(f"--timeline {timeline!r}: use public, local or tag:NAME")


def extract_mastodon(
    out: Path,
    instance: str,
    *,
    timeline: str | None = "public",
    max_pages: int = 10,
    trends: bool = False,
    refresh: int = 0,
    instance_info: bool = False,
    max_requests: int = 5_000,
    http: HttpOptions = HttpOptions(),
    sleep: Callable[[float], None] | None = None,
) -> Summary:
    """Page a timeline from the checkpoint on, optionally trends, re-fetches of the `refresh`
    most recent statuses (with edit history when edited) and instance info."""
    path, extra = _timeline_path(timeline) if timeline else ("", {})
    host = _host(instance)
    with Checkpoint(out, SOURCE) as cp:
        budget = Budget(cp.dir / f"{SOURCE}.quota.json", max_requests)
        client = _client(instance, budget, http, sleep)

        def make() -> ExtractRun:
            return ExtractRun(SOURCE, out, client, cp, budget, commit_every=http.commit_every)

        def body(run: ExtractRun) -> None:
            state = run.state.setdefault(host, {})
            if timeline:
                _timeline(run, state, host, timeline, path, extra, max_pages)
            if trends:
                for kind in ("tags", "statuses", "links"):
                    run.call(
                        "GET", f"/api/v1/trends/{kind}", params={}, archived_params={"instance": host},
                        count=lambda d: len(d) if isinstance(d, list) else 0,
                    )  # fmt: skip
                run.maybe_commit()
            if refresh > 0:
                _refresh(run, state, host, refresh)
            if instance_info:
                run.call("GET", "/api/v2/instance", params={}, archived_params={"instance": host})
                run.maybe_commit()

        return run_extractor(make, body)


def _remember(state: dict[str, Any], statuses: Any, keep: int = 200) -> None:
    """Keep the most recent status ids (for `--refresh`), newest first."""
    recent = state.setdefault("recent", [])
    for s in statuses or []:
        if isinstance(s, dict) and s.get("id") and s["id"] not in recent:
            recent.append(s["id"])
    recent.sort(key=lambda i: int(i) if str(i).isdigit() else 0, reverse=True)
    del recent[keep:]


def _timeline(
    run: ExtractRun,
    state: dict[str, Any],
    host: str,
    timeline: str,
    path: str,
    extra: dict[str, Any],
    max_pages: int,
) -> None:
    tl = state.setdefault("timelines", {}).setdefault(timeline, {})
    cursor: dict[str, str] = {"min_id": tl["min_id"]} if tl.get("min_id") else {}
    forward = bool(cursor)  # from a checkpoint: page towards newer statuses
    newest = tl.get("min_id")
    for _ in range(max_pages):
        query = {**extra, "limit": 40, **cursor}
        fetched = run.client.send("GET", path, params=query)
        line = build_line(
            SOURCE, path.lstrip("/"), {"instance": host, **query}, fetched.fetched_at,
            fetched.body, fetched.status, fetched.problem,
        )  # fmt: skip
        statuses = line.data if isinstance(line.data, list) else None
        run.write(line, len(statuses or []))
        if statuses is None:
            break
        _remember(state, statuses)
        newest = _newest(statuses, newest)
        links = link_ids(fetched.headers.get("link"))
        if forward:
            # pages forward in time are contiguous with the checkpoint: safe to advance per page
            if newest:
                tl["min_id"] = newest
            run.maybe_commit()
            nxt = links.get("prev", {}).get("min_id")
            if not statuses or not nxt:
                break
            cursor = {"min_id": nxt}
        else:
            nxt = links.get("next", {}).get("max_id")
            if not statuses or not nxt:
                break
            cursor = {"max_id": nxt}
    if newest:
        tl["min_id"] = newest
    run.maybe_commit()


def _refresh(run: ExtractRun, state: dict[str, Any], host: str, n: int) -> None:
    """Re-fetch recent statuses: counts grow after publication, and edits show in the history."""
    for status_id in list(state.get("recent", []))[:n]:
        data = run.call(
            "GET", f"/api/v1/statuses/{status_id}", params={}, archived_params={"instance": host},
            count=lambda d: 1,
        )  # fmt: skip
        if isinstance(data, dict) and data.get("edited_at"):
            run.call(
                "GET", f"/api/v1/statuses/{status_id}/history", params={},
                archived_params={"instance": host}, count=lambda d: len(d) if isinstance(d, list) else 0,
            )  # fmt: skip
        run.maybe_commit()
    run.maybe_commit()


# -- streaming -----------------------------------------------------------------------------
def _stream_path(stream: str) -> tuple[str, dict[str, str]]:
    if stream == "public":
        return "/api/v1/streaming/public", {}
    if stream == "local":
        return "/api/v1/streaming/public/local", {}
    if stream.startswith("tag:") and stream[4:].strip():
        return "/api/v1/streaming/hashtag", {"tag": stream[4:].strip().lstrip("#")}
    raise ValueError(f"--stream {stream!r}: use public, local or tag:NAME")


def stream_mastodon(
    out: Path,
    instance: str,
    *,
    stream: str = "public",
    seconds: float = 60.0,
    catch_up: bool = True,
    max_reconnects: int = 20,
    max_requests: int = 5_000,
    http: HttpOptions = HttpOptions(),
    sleep: Callable[[float], None] | None = None,
) -> Summary:
    """Archive streamed `update`, `status.update` and `delete` events for `seconds`, one line
    per event; reconnect with backoff after a drop, catching up over REST (see module doc)."""
    path, query = _stream_path(stream)
    host = _host(instance)
    params = {"instance": host, "stream": stream, **query}
    pause = sleep or time.sleep
    # a checkpoint, lock and budget of its own: a stream runs beside the REST extractor
    with Checkpoint(out, STREAM_STATE) as cp:
        budget = Budget(cp.dir / f"{STREAM_STATE}.quota.json", max_requests)
        client = _client(instance, budget, http, sleep)

        def make() -> ExtractRun:
            return ExtractRun(SOURCE, out, client, cp, budget, commit_every=http.commit_every)

        def body(run: ExtractRun) -> None:
            state = run.state.setdefault(host, {}).setdefault("streams", {}).setdefault(stream, {})
            deadline = time.monotonic() + seconds
            drops = 0
            while time.monotonic() < deadline:
                if catch_up and state.get("min_id"):
                    _catch_up(run, state, host, stream)
                ended = _listen(run, state, path, query, params, deadline)
                run.maybe_commit()
                if time.monotonic() >= deadline:
                    break
                drops += 1
                run.summary.message = f"{drops} reconnect(s)"
                if drops > max_reconnects:
                    raise ExtractError(
                        f"mastodon: stream dropped {drops} times ({ended}); giving up"
                    )
                wait = min(http.max_backoff, http.backoff * 2 ** min(drops - 1, 10))
                wait = min(random.uniform(wait / 2, wait), max(0.0, deadline - time.monotonic()))
                log.warning(f"mastodon: stream {ended}; reconnecting in {wait:.1f} s")
                pause(wait)

        return run_extractor(make, body)


def _catch_up(run: ExtractRun, state: dict[str, Any], host: str, stream: str) -> None:
    """Statuses published since the last one seen, over REST (a stream has no replay)."""
    path, extra = _timeline_path(stream)
    query = {**extra, "limit": 40, "min_id": state["min_id"]}
    data = run.call(
        "GET", path, params=query, archived_params={"instance": host, **query},
        count=lambda d: len(d) if isinstance(d, list) else 0,
    )  # fmt: skip
    if isinstance(data, list):
        state["min_id"] = _newest(data, state.get("min_id"))


def _listen(
    run: ExtractRun,
    state: dict[str, Any],
    path: str,
    query: dict[str, str],
    params: dict[str, Any],
    deadline: float,
) -> str:
    """Read one connection until the deadline or a drop; returns how it ended."""
    client = run.client
    if client.budget is not None:
        client.budget.spend(1)
    client.stats.requests += 1
    endpoint = path.lstrip("/")
    try:
        with client.http.stream(
            "GET", path, params=query,
            headers={"Accept": "text/event-stream", "Cache-Control": "no-store"},
            timeout=httpx.Timeout(client.http.timeout.connect, read=None),
        ) as resp:  # fmt: skip
            if resp.status_code in (401, 403):
                raise CredentialError(
                    f"mastodon: HTTP {resp.status_code} from {path}: the token in "
                    f"{client.credential_var} is missing, invalid or lacks read access"
                )
            if resp.status_code != 200:
                return f"answered HTTP {resp.status_code}"
            # a quiet stream sends only heartbeats (comments, never yielded as events): a timer
            # closes the connection at the deadline so the loop below cannot outlive it
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), resp.close)
            timer.daemon = True
            timer.start()
            try:
                for sse in EventSource(resp).iter_sse():
                    if sse.event not in STREAM_EVENTS:
                        continue
                    line = event_line(
                        SOURCE, endpoint, params, datetime.now(UTC), sse.event, sse.data
                    )
                    run.write(line, 1)
                    if sse.event != "delete" and isinstance(line.data, dict):
                        state["min_id"] = _newest([line.data], state.get("min_id"))
                    run.maybe_commit()
                    if time.monotonic() >= deadline:
                        return "deadline"
            finally:
                timer.cancel()
            return "closed by the server"
    except (httpx.TransportError, httpx.StreamError, SSEError) as exc:
        if time.monotonic() >= deadline:
            return "deadline"
        return f"dropped ({type(exc).__name__})"
