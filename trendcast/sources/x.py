"""X API v2: an account's posts (`GET /2/users/:id/tweets`) since the last run, and its hourly
post counts (`GET /2/tweets/counts/recent`).

Resume: `since_id` per account moves only when a page chain is complete (first page to the last
`next_token`), and is committed with the file holding those pages; a killed run fetches the chain
again from its first page, which is what staging expects of a window fetch.
Rate limits: `x-rate-limit-remaining` / `x-rate-limit-reset` (epoch seconds) are honoured by
the client; a daily request budget caps a run on top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from trendcast.sources.budget import Budget
from trendcast.sources.checkpoint import Checkpoint
from trendcast.sources.config import HttpOptions, base_url, credential
from trendcast.sources.errors import ExtractError
from trendcast.sources.http import ApiClient
from trendcast.sources.redact import Redactor
from trendcast.sources.run import ExtractRun, Summary, run_extractor

SOURCE = "x"
TOKEN_VAR = "TRENDCAST_X_BEARER_TOKEN"
BASE_VAR = "TRENDCAST_X_BASE_URL"
DEFAULT_BASE = "https://api.x.com"
HOW = (
    "create a project and app in the X developer portal (developer.x.com) and copy its Bearer Token"
)


def _data_len(data: Any) -> int:
    return len(data.get("data") or [])


def extract_x(
    out: Path,
    accounts: Iterable[str],
    *,
    counts: bool = False,
    max_pages: int = 40,
    max_requests: int = 1_000,
    http: HttpOptions = HttpOptions(),
    sleep: Callable[[float], None] | None = None,
) -> Summary:
    """Fetch new posts (and, with `counts`, hourly counts) of each account; returns the summary."""
    handles = [a.strip().lstrip("@") for a in accounts if a.strip()]
    token = credential(TOKEN_VAR, HOW)
    with Checkpoint(out, SOURCE) as cp:
        budget = Budget(cp.dir / f"{SOURCE}.quota.json", max_requests)
        client = ApiClient(
            SOURCE,
            base_url(BASE_VAR, DEFAULT_BASE),
            credential_var=TOKEN_VAR,
            redactor=Redactor([token]),
            headers={"Authorization": f"Bearer {token}"},
            budget=budget,
            rate_headers=("x-rate-limit-remaining", "x-rate-limit-reset"),
            **http.client_options(sleep),
        )

        def make() -> ExtractRun:
            return ExtractRun(SOURCE, out, client, cp, budget, commit_every=http.commit_every)

        def body(run: ExtractRun) -> None:
            for handle in handles:
                user_id = _user_id(run, handle)
                if user_id is None:
                    continue
                _timeline(run, user_id, max_pages)
                if counts:
                    _counts(run, handle, max_pages)

        return run_extractor(make, body)


def _user_id(run: ExtractRun, handle: str) -> str | None:
    users = run.state.setdefault("users", {})
    if handle.lower() in users:
        return users[handle.lower()]
    data = run.call("GET", f"/2/users/by/username/{handle}", params={})
    if data is None:
        return None
    user = data.get("data") or {}
    if not user.get("id"):
        errors = "; ".join(e.get("detail", "") for e in data.get("errors") or [])
        raise ExtractError(f"x: no user @{handle}" + (f" ({errors})" if errors else ""))
    users[handle.lower()] = str(user["id"])
    return users[handle.lower()]


def _timeline(run: ExtractRun, user_id: str, max_pages: int) -> None:
    since = run.state.setdefault("since_id", {})
    newest = None
    token = None
    for page in range(max_pages):
        params: dict[str, Any] = {"tweet.fields": "created_at", "max_results": 100}
        if since.get(user_id):
            params["since_id"] = since[user_id]
        if token:
            params["pagination_token"] = token
        data = run.call("GET", f"/2/users/{user_id}/tweets", params=params, count=_data_len)
        if data is None:
            return  # chain incomplete: since_id stays, the next run repeats it
        meta = data.get("meta") or {}
        if page == 0:
            newest = meta.get("newest_id")
        token = meta.get("next_token")
        if not token:
            break
    if newest:
        since[user_id] = newest
    run.maybe_commit()


def _counts(run: ExtractRun, handle: str, max_pages: int) -> None:
    token = None
    for _ in range(max_pages):
        params: dict[str, Any] = {"query": f"from:{handle}", "granularity": "hour"}
        if token:
            params["next_token"] = token
        data = run.call("GET", "/2/tweets/counts/recent", params=params, count=_data_len)
        if data is None:
            return
        token = (data.get("meta") or {}).get("next_token")
        if not token:
            break
    run.maybe_commit()
