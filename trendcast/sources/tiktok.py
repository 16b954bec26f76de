"""TikTok Research API: video queries by region and date window, comments of the videos found,
and user info.

Auth: OAuth client credentials (`POST /v2/oauth/token/`), the access token kept in memory until
it expires (never written: not to the archive, not to the checkpoint) and renewed once when a
call answers 401. Queries cover at most 30 days each, so a longer range is split into windows;
each window's `cursor` and `search_id` are the checkpoint (a resumed window continues the same
search, as the API intends). Budget: the daily request quota of a research account (1,000).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trendcast.sources.budget import Budget
from trendcast.sources.checkpoint import Checkpoint
from trendcast.sources.config import HttpOptions, base_url, credential
from trendcast.sources.errors import CredentialError
from trendcast.sources.http import ApiClient, Fetched
from trendcast.sources.redact import Redactor
from trendcast.sources.run import ExtractRun, Summary, run_extractor

SOURCE = "tiktok"
KEY_VAR = "TRENDCAST_TIKTOK_CLIENT_KEY"
SECRET_VAR = "TRENDCAST_TIKTOK_CLIENT_SECRET"
BASE_VAR = "TRENDCAST_TIKTOK_BASE_URL"
DEFAULT_BASE = "https://open.tiktokapis.com"
TOKEN_PATH = "/v2/oauth/token/"
QUERY_PATH = "/v2/research/video/query/"
COMMENTS_PATH = "/v2/research/video/comment/list/"
USER_PATH = "/v2/research/user/info/"
VIDEO_FIELDS = (
    "id,video_description,create_time,region_code,share_count,view_count,like_count,"
    "comment_count,music_id,hashtag_names,username,effect_ids,playlist_id,voice_to_text"
)
COMMENT_FIELDS = "id,video_id,text,like_count,reply_count,parent_comment_id,create_time"
USER_FIELDS = (
    "display_name,bio_description,avatar_url,is_verified,follower_count,following_count,"
    "likes_count,video_count"
)
MAX_WINDOW_DAYS = 30
HOW = "apply for the Research API at developers.tiktok.com/products/research-api and copy the client key and secret of the approved app"


def windows(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut into windows whose end is at most 30 days after their start."""
    if end < start:
        raise ValueError(f"--end-date {end} is before --start-date {start}")
    out = []
    while start <= end:
        stop = min(end, start + timedelta(days=MAX_WINDOW_DAYS))
        out.append((start, stop))
        start = stop + timedelta(days=1)
    return out


class _Auth:
    """The client-credentials token: fetched lazily, renewed at expiry or after a 401."""

    def __init__(self, client: ApiClient, key: str, secret: str, redactor: Redactor) -> None:
        self.client, self.key, self.secret, self.redact = client, key, secret, redactor
        self.expires = 0.0

    def refresh(self) -> None:
        fetched = self.client.send(
            "POST",
            TOKEN_PATH,
            data={
                "client_key": self.key,
                "client_secret": self.secret,
                "grant_type": "client_credentials",
            },
            cost=0,  # token requests are not research requests
        )
        try:
            body = json.loads(fetched.body)
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise CredentialError(
                f"tiktok: the token endpoint answered HTTP {fetched.status} without an access "
                f"token: check {KEY_VAR} and {SECRET_VAR}"
            ) from None
        self.redact.add(token)
        self.client.set_header("Authorization", f"Bearer {token}")
        # renew a minute early: a token that expires mid-call costs a 401 and a retry
        self.expires = time.monotonic() + float(body.get("expires_in", 7200)) - 60

    def send(self, method: str, path: str, **kwargs: Any) -> Fetched:
        if time.monotonic() >= self.expires:
            self.refresh()
        try:
            return self.client.send(method, path, **kwargs)
        except CredentialError:
            # an expired or revoked token: renew once; a second 401 is a real credential error
            self.refresh()
            return self.client.send(method, path, **kwargs)


def extract_tiktok(
    out: Path,
    regions: Iterable[str],
    start_date: date,
    end_date: date,
    *,
    comments: bool = False,
    max_comment_videos: int = 20,
    users: Iterable[str] = (),
    max_pages: int = 50,
    max_requests: int = 1_000,
    http: HttpOptions = HttpOptions(),
    sleep: Callable[[float], None] | None = None,
) -> Summary:
    """Query videos of `regions` created between the dates (inclusive), optionally their
    comments and some users' info; returns the summary."""
    region_list = sorted({r.strip().upper() for r in regions if r.strip()})
    user_list = [u.strip().lstrip("@") for u in users if u.strip()]
    spans = windows(start_date, end_date)
    key = credential(KEY_VAR, HOW)
    secret = credential(SECRET_VAR, HOW)
    redactor = Redactor([key, secret])
    with Checkpoint(out, SOURCE) as cp:
        budget = Budget(cp.dir / f"{SOURCE}.quota.json", max_requests)
        client = ApiClient(
            SOURCE,
            base_url(BASE_VAR, DEFAULT_BASE),
            credential_var=f"{KEY_VAR} / {SECRET_VAR}",
            redactor=redactor,
            budget=budget,
            **http.client_options(sleep),
        )
        auth = _Auth(client, key, secret, redactor)

        def make() -> ExtractRun:
            return ExtractRun(SOURCE, out, client, cp, budget, commit_every=http.commit_every)

        def body(run: ExtractRun) -> None:
            for start, stop in spans:
                _query(run, auth, region_list, start, stop, max_pages, max_comment_videos)
            if comments:
                for video_id in list(run.state.get("comment_videos", [])):
                    _comments(run, auth, video_id, max_pages)
            for username in user_list:
                _user(run, auth, username)

        return run_extractor(make, body)


def _query(
    run: ExtractRun,
    auth: _Auth,
    regions: list[str],
    start: date,
    stop: date,
    max_pages: int,
    max_comment_videos: int,
) -> None:
    key = f"{','.join(regions)}:{start:%Y%m%d}-{stop:%Y%m%d}"
    state = run.state.setdefault("queries", {}).setdefault(key, {"cursor": 0})
    if state.get("done"):
        return
    wanted = run.state.setdefault("comment_videos", [])
    for _ in range(max_pages):
        request: dict[str, Any] = {
            "query": {
                "and": [{"operation": "IN", "field_name": "region_code", "field_values": regions}]
            },
            "start_date": f"{start:%Y%m%d}",
            "end_date": f"{stop:%Y%m%d}",
            "max_count": 100,
            "cursor": state["cursor"],
        }
        if state.get("search_id"):
            request["search_id"] = state["search_id"]
        data = _post(run, auth, QUERY_PATH, VIDEO_FIELDS, request, _listed("videos"))
        if data is None:
            return  # the window stays open at this cursor
        page = data.get("data") or {}
        for video in page.get("videos") or []:
            vid = video.get("id", video.get("video_id"))
            if vid is not None and len(wanted) < max_comment_videos and vid not in wanted:
                wanted.append(vid)
        if page.get("search_id"):
            state["search_id"] = page["search_id"]
        if not page.get("has_more") or page.get("cursor") is None:
            state["done"] = True
            break
        state["cursor"] = page["cursor"]
        run.maybe_commit()
    run.maybe_commit()


def _post(
    run: ExtractRun,
    auth: _Auth,
    path: str,
    fields: str,
    request: dict[str, Any],
    count: Callable[[Any], int],
) -> Any | None:
    """One Research API call: the fields go in the query, the request is the JSON body and is
    what the archive line records as the call's params (it holds the query and the cursor)."""
    return run.call(
        "POST",
        path,
        params={"fields": fields},
        archived_params=request,
        json=request,
        count=count,
        send=auth.send,
    )


def _listed(key: str) -> Callable[[Any], int]:
    """Items of a page: the length of its data.<key> list."""
    return lambda d: len((d.get("data") or {}).get(key) or [])


def _comments(run: ExtractRun, auth: _Auth, video_id: Any, max_pages: int) -> None:
    state = run.state.setdefault("comments", {}).setdefault(str(video_id), {"cursor": 0})
    if state.get("done"):
        return
    for _ in range(max_pages):
        request = {"video_id": video_id, "max_count": 100, "cursor": state["cursor"]}
        data = _post(run, auth, COMMENTS_PATH, COMMENT_FIELDS, request, _listed("comments"))
        if data is None:
            return
        page = data.get("data") or {}
        if not page.get("has_more") or page.get("cursor") is None:
            state["done"] = True
            break
        state["cursor"] = page["cursor"]
        run.maybe_commit()
    run.maybe_commit()


def _user(run: ExtractRun, auth: _Auth, username: str) -> None:
    done = run.state.setdefault("users", {})
    today = run.started.date().isoformat()
    if done.get(username) == today:
        return
    request = {"username": username}
    data = _post(run, auth, USER_PATH, USER_FIELDS, request, lambda d: 1 if d.get("data") else 0)
    if data is not None:
        done[username] = today
    run.maybe_commit()
