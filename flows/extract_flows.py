"""Prefect flows that run the live extractors (what the extraction schedules call by name).

Parameters are plain values (strings, numbers, booleans) so a deployment can set them; each
flow returns the run summary as a dict. Extraction never opens the warehouse, so these flows can
run while a build holds DuckDB. No task-level retries: the HTTP client already retries each call
politely, and a rerun resumes from the checkpoint.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from prefect import flow

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _http(timeout: float, max_attempts: int, max_wait: float, commit_every: int):
    from trendcast.sources.config import HttpOptions

    return HttpOptions(
        timeout=timeout, max_attempts=max_attempts, max_wait=max_wait, commit_every=commit_every
    )


@flow(name="extract_youtube")
def extract_youtube(
    out: str,
    regions: str = "US",
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
        Path(out), _csv(regions), follow_days=follow_days, comment_videos=_csv(comments_for),
        quota=quota, max_pages=max_pages, refetch=refetch,
        http=_http(timeout, max_attempts, max_wait, commit_every),
    ).as_dict()  # fmt: skip


@flow(name="extract_x")
def extract_x(
    out: str,
    account: str,
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
        Path(out), _csv(account), counts=counts, max_pages=max_pages, max_requests=max_requests,
        http=_http(timeout, max_attempts, max_wait, commit_every),
    ).as_dict()  # fmt: skip


@flow(name="extract_tiktok")
def extract_tiktok(
    out: str,
    regions: str,
    start_date: str,
    end_date: str,
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
    """TikTok Research API video query over [start_date, end_date] (+ comments, user info)."""
    from trendcast.sources.tiktok import extract_tiktok as run

    return run(
        Path(out), _csv(regions), date.fromisoformat(start_date), date.fromisoformat(end_date),
        comments=comments, max_comment_videos=max_comment_videos, users=_csv(users),
        max_pages=max_pages, max_requests=max_requests,
        http=_http(timeout, max_attempts, max_wait, commit_every),
    ).as_dict()  # fmt: skip


@flow(name="extract_mastodon")
def extract_mastodon(
    out: str,
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
    from trendcast.sources.mastodon import extract_mastodon as run
    from trendcast.sources.mastodon import instances_from_env

    http = _http(timeout, max_attempts, max_wait, commit_every)
    return [
        run(
            Path(out), url, timeline=timeline or None, max_pages=max_pages, trends=trends,
            refresh=refresh, instance_info=instance_info, max_requests=max_requests, http=http,
        ).as_dict()
        for url in ([instance] if instance else instances_from_env())
    ]  # fmt: skip


@flow(name="extract_mastodon_stream")
def extract_mastodon_stream(
    out: str,
    instance: str = "",
    stream: str = "public",
    seconds: float = 300.0,
    max_requests: int = 5_000,
    timeout: float = 30.0,
    max_attempts: int = 5,
    max_wait: float = 900.0,
    commit_every: int = 100,
) -> list[dict]:
    """A bounded Mastodon stream (SSE) per instance, with reconnects and REST catch-up."""
    from trendcast.sources.mastodon import instances_from_env, stream_mastodon

    http = _http(timeout, max_attempts, max_wait, commit_every)
    return [
        stream_mastodon(
            Path(out), url, stream=stream, seconds=seconds, max_requests=max_requests, http=http
        ).as_dict()
        for url in ([instance] if instance else instances_from_env())
    ]
