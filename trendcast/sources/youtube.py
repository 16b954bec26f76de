"""YouTube Data API v3: mostPopular charts per region, follow-ups of videos that left a chart,
and comment threads of chosen videos.

Quota: every `videos.list` and `commentThreads.list` call costs 1 unit of the key's daily quota
(10,000 by default, reset at midnight Pacific time); the budget stops a run before it.
Resume: a region's chart is one unit: the region is marked done for the UTC day only with its
last page, and a file (with the checkpoint) is closed only between units, so a killed run repeats
the charts since the last closed file, each from page 1: staging groups pages into a call by its
first page, and a restarted chart is a clean new call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trendcast.sources.budget import Budget
from trendcast.sources.checkpoint import Checkpoint
from trendcast.sources.config import HttpOptions, base_url, credential
from trendcast.sources.http import ApiClient
from trendcast.sources.redact import Redactor
from trendcast.sources.run import ExtractRun, Summary, run_extractor

SOURCE = "youtube"
KEY_VAR = "TRENDCAST_YOUTUBE_API_KEY"
BASE_VAR = "TRENDCAST_YOUTUBE_BASE_URL"
DEFAULT_BASE = "https://www.googleapis.com"
VIDEOS = "/youtube/v3/videos"
COMMENT_THREADS = "/youtube/v3/commentThreads"
PARTS = "snippet,statistics"
TRACK_DAYS = 31  # chart days remembered per video (the longest useful --follow-days)
HOW = "create an API key in Google Cloud Console (APIs & Services > Credentials) with the YouTube Data API v3 enabled"


def _items(data: Any) -> int:
    return len(data.get("items") or [])


def extract_youtube(
    out: Path,
    regions: Iterable[str],
    *,
    follow_days: int = 0,
    comment_videos: Iterable[str] = (),
    quota: int = 10_000,
    max_pages: int = 10,
    refetch: bool = False,
    http: HttpOptions = HttpOptions(),
    sleep: Callable[[float], None] | None = None,
) -> Summary:
    """Fetch today's charts for `regions` (each once a UTC day unless `refetch`), then the
    follow-ups and comment threads; returns the run summary."""
    regions = [r.strip().upper() for r in regions if r.strip()]
    comment_videos = [v.strip() for v in comment_videos if v.strip()]
    key = credential(KEY_VAR, HOW)
    with Checkpoint(out, SOURCE) as cp:
        budget = Budget(
            cp.dir / f"{SOURCE}.quota.json", quota, zone="America/Los_Angeles", unit="quota units"
        )
        client = ApiClient(
            SOURCE,
            base_url(BASE_VAR, DEFAULT_BASE),
            credential_var=KEY_VAR,
            redactor=Redactor([key]),
            # the key goes in a header, so it never appears in a URL, a log line or an error
            headers={"X-Goog-Api-Key": key},
            budget=budget,
            **http.client_options(sleep),
        )

        def make() -> ExtractRun:
            return ExtractRun(SOURCE, out, client, cp, budget, commit_every=http.commit_every)

        def body(run: ExtractRun) -> None:
            today = run.started.date()
            for region in regions:
                _chart(run, region, today, max_pages, refetch)
            if follow_days > 0:
                _follow_ups(run, today, follow_days, refetch)
            # the tracked videos are what follow-ups can use: bounded to a month of charts
            cutoff = (today - timedelta(days=max(follow_days, TRACK_DAYS))).isoformat()
            tracked = run.state.setdefault("tracked", {})
            for video_id in [v for v, day in tracked.items() if day < cutoff]:
                del tracked[video_id]
            for video_id in comment_videos:
                _comments(run, video_id, today, max_pages, refetch)

        return run_extractor(make, body)


def _chart(run: ExtractRun, region: str, today: date, max_pages: int, refetch: bool) -> None:
    charts = run.state.setdefault("charts", {})
    if charts.get(region) == today.isoformat() and not refetch:
        return
    seen: list[str] = []
    token = None
    for _ in range(max_pages):
        params: dict[str, Any] = {
            "part": PARTS,
            "chart": "mostPopular",
            "regionCode": region,
            "maxResults": 50,
        }
        if token:
            params["pageToken"] = token
        data = run.call("GET", VIDEOS, params=params, count=_items)
        if data is None:
            return  # a failed page: the chart is not done, the next run fetches it again
        seen.extend(str(v.get("id")) for v in data.get("items") or [] if v.get("id"))
        token = data.get("nextPageToken")
        if not token:
            break
    charts[region] = today.isoformat()
    tracked = run.state.setdefault("tracked", {})
    for video_id in seen:
        tracked[video_id] = today.isoformat()
    run.maybe_commit()


def _follow_ups(run: ExtractRun, today: date, days: int, refetch: bool) -> None:
    """`videos.list(id=...)` for videos seen on a chart in the last `days` days but not today:
    the daily panel of counts after a video leaves the chart."""
    if run.state.get("followed_day") == today.isoformat() and not refetch:
        return
    tracked: dict[str, str] = run.state.setdefault("tracked", {})
    cutoff = (today - timedelta(days=days)).isoformat()
    due = sorted(v for v, day in tracked.items() if cutoff <= day < today.isoformat())
    for i in range(0, len(due), 50):
        ids = due[i : i + 50]
        params = {"part": PARTS, "id": ",".join(ids), "maxResults": 50}
        run.call("GET", VIDEOS, params=params, count=_items)
    run.state["followed_day"] = today.isoformat()
    run.maybe_commit()


def _comments(run: ExtractRun, video_id: str, today: date, max_pages: int, refetch: bool) -> None:
    done = run.state.setdefault("comments", {})
    if done.get(video_id) == today.isoformat() and not refetch:
        return
    token = None
    for _ in range(max_pages):
        params: dict[str, Any] = {"part": "snippet", "videoId": video_id, "maxResults": 100}
        if token:
            params["pageToken"] = token
        data = run.call("GET", COMMENT_THREADS, params=params, count=_items)
        if data is None:
            return
        token = data.get("nextPageToken")
        if not token:
            break
    done[video_id] = today.isoformat()
    run.maybe_commit()
