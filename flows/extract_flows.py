"""Prefect flows that run the live extractors (what the extraction schedules call by name).

Parameters are plain values (strings, numbers, booleans) so a deployment can set them; `out_dir`
is the folder the archives and `_state/` go to. A selection left empty comes from the
environment, so a schedule needs nothing but credentials and these variables:
`TRENDCAST_YOUTUBE_REGIONS` (default US), `TRENDCAST_X_ACCOUNTS`, `TRENDCAST_TIKTOK_REGIONS`
(default US), `TRENDCAST_MASTODON_INSTANCES`. Each flow returns the run summary as a dict.
Extraction never opens the warehouse, so these flows run while a build holds DuckDB. No
task-level retries: the HTTP client already retries each call politely, and the next run
resumes from the checkpoint.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow

if TYPE_CHECKING:
    from trendcast.sources.config import HttpOptions
    from trendcast.sources.run import Summary

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# the Research API serves a day's videos after a delay: the default window is one day, two ago
TIKTOK_LAG_DAYS = 2


def _csv(value: str, var: str, default: str = "") -> list[str]:
    chosen = value or os.environ.get(var, "") or default
    items = [v.strip() for v in chosen.split(",") if v.strip()]
    if not items:
        raise ValueError(f"nothing to extract: pass it as a parameter or set {var}")
    return items


def _each_instance(
    run: Callable[..., Summary], out_dir: str, instance: str, **options
) -> list[dict]:
    """Run a Mastodon extractor for `instance`, or for each of TRENDCAST_MASTODON_INSTANCES when
    it is empty: one summary per instance, so one server failing shows which."""
    from trendcast.sources.mastodon import INSTANCES_VAR

    return [run(Path(out_dir), url, **options).as_dict() for url in _csv(instance, INSTANCES_VAR)]


def _http(timeout: float, max_attempts: int, max_wait: float, commit_every: int) -> HttpOptions:
    from trendcast.sources.config import HttpOptions

    return HttpOptions(
        timeout=timeout, max_attempts=max_attempts, max_wait=max_wait, commit_every=commit_every
    )


@flow(name="extract_youtube")
def extract_youtube(
    out_dir: str,
    regions: str = "",
    follow_days: int = 0,
    comments_for: str = "",
    quota: int = 10_000,
    max_pages: int = 10,
    refetch: bool = False,
    timeout: float = 30.0,
    max_attempts: int = 5,
    max_wait: float = 900.0,
    commit_every: int = 100,
) -> dict:
    """YouTube mostPopular charts per region (+ follow-ups and comment threads)."""
    from trendcast.sources.youtube import extract_youtube as run

    return run(
        Path(out_dir), _csv(regions, "TRENDCAST_YOUTUBE_REGIONS", "US"), follow_days=follow_days,
        comment_videos=[v.strip() for v in comments_for.split(",") if v.strip()], quota=quota,
        max_pages=max_pages, refetch=refetch,
        http=_http(timeout, max_attempts, max_wait, commit_every),
    ).as_dict()  # fmt: skip


@flow(name="extract_x")
def extract_x(
    out_dir: str,
    account: str = "",
    counts: bool = False,
    max_pages: int = 40,
    max_requests: int = 1_000,
    timeout: float = 30.0,
    max_attempts: int = 5,
    max_wait: float = 900.0,
    commit_every: int = 100,
) -> dict:
    """X posts of the accounts since the last run (+ hourly counts)."""
    from trendcast.sources.x import extract_x as run

    return run(
        Path(out_dir), _csv(account, "TRENDCAST_X_ACCOUNTS"), counts=counts, max_pages=max_pages,
        max_requests=max_requests, http=_http(timeout, max_attempts, max_wait, commit_every),
    ).as_dict()  # fmt: skip


@flow(name="extract_tiktok")
def extract_tiktok(
    out_dir: str,
    regions: str = "",
    start_date: str = "",
    end_date: str = "",
    comments: bool = False,
    max_comment_videos: int = 20,
    users: str = "",
    max_pages: int = 50,
    max_requests: int = 1_000,
    timeout: float = 30.0,
    max_attempts: int = 5,
    max_wait: float = 900.0,
    commit_every: int = 100,
) -> dict:
    """TikTok Research API video query over [start_date, end_date] (default: the day two days
    ago) (+ comments, user info)."""
    from trendcast.sources.tiktok import extract_tiktok as run

    default = datetime.now(UTC).date() - timedelta(days=TIKTOK_LAG_DAYS)
    start = date.fromisoformat(start_date) if start_date else default
    end = date.fromisoformat(end_date) if end_date else max(start, default)
    return run(
        Path(out_dir), _csv(regions, "TRENDCAST_TIKTOK_REGIONS", "US"), start, end,
        comments=comments, max_comment_videos=max_comment_videos,
        users=[u.strip() for u in users.split(",") if u.strip()], max_pages=max_pages,
        max_requests=max_requests, http=_http(timeout, max_attempts, max_wait, commit_every),
    ).as_dict()  # fmt: skip


@flow(name="extract_mastodon")
def extract_mastodon(
    out_dir: str,
    instance: str = "",
    timeline: str = "public",
    max_pages: int = 10,
    trends: bool = False,
    refresh: int = 0,
    instance_info: bool = False,
    max_requests: int = 5_000,
    timeout: float = 30.0,
    max_attempts: int = 5,
    max_wait: float = 900.0,
    commit_every: int = 100,
) -> list[dict]:
    """Mastodon REST for one instance, or each of TRENDCAST_MASTODON_INSTANCES when empty."""
    from trendcast.sources.mastodon import extract_mastodon

    return _each_instance(
        extract_mastodon, out_dir, instance, timeline=timeline or None, max_pages=max_pages,
        trends=trends, refresh=refresh, instance_info=instance_info, max_requests=max_requests,
        http=_http(timeout, max_attempts, max_wait, commit_every),
    )  # fmt: skip


@flow(name="extract_mastodon_stream")
def extract_mastodon_stream(
    out_dir: str,
    instance: str = "",
    stream: str = "public",
    seconds: float = 55.0,
    max_requests: int = 5_000,
    timeout: float = 30.0,
    max_attempts: int = 5,
    max_wait: float = 900.0,
    commit_every: int = 100,
) -> list[dict]:
    """A bounded Mastodon stream (SSE) per instance, with reconnects and REST catch-up; the
    default 55 s fits a schedule that restarts the stream every minute."""
    from trendcast.sources.mastodon import stream_mastodon

    return _each_instance(
        stream_mastodon, out_dir, instance, stream=stream, seconds=seconds,
        max_requests=max_requests, http=_http(timeout, max_attempts, max_wait, commit_every),
    )  # fmt: skip
