"""YouTube extractor against the loopback replay server (real chart and comment pages)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.python.extract_replay import Replay, archive_lines, as_json, fixture, raw_lines
from trendcast.sources.config import HttpOptions
from trendcast.sources.errors import CredentialError
from trendcast.sources.writer import compact_json
from trendcast.sources.youtube import extract_youtube

KEY = "yt-key-Zq81xLmN0pQrStUv"
YT = fixture("youtube")
JSON = {"Content-Type": "application/json; charset=UTF-8"}
FAST = HttpOptions(timeout=0.4, max_attempts=6, backoff=0.01, max_backoff=0.05, max_wait=30)


def route(req):
    if req.headers.get("X-Goog-Api-Key") != KEY:
        return 403, JSON, as_json({"error": {"code": 403, "message": "API key not valid"}})
    if req.path == "/youtube/v3/videos" and req.args.get("chart") == "mostPopular":
        pages = YT["us_pages"] if req.args["regionCode"] == "US" else [YT["gb_page"]]
        token = req.args.get("pageToken")
        idx = int(token[1:]) - 1 if token else 0
        page = dict(pages[idx])
        if idx + 1 < len(pages):
            page["nextPageToken"] = f"P{idx + 2}"
        return 200, JSON, as_json(page, pretty=True)
    if req.path == "/youtube/v3/videos":
        ids = req.args["id"].split(",")
        items, seen = [], set()
        for page in [*YT["us_pages"], YT["gb_page"]]:
            for item in page["items"]:
                if item["id"] in ids and item["id"] not in seen:
                    seen.add(item["id"])
                    items.append(item)
        return 200, JSON, as_json({"kind": "youtube#videoListResponse", "items": items}, True)
    if req.path == "/youtube/v3/commentThreads":
        pages = YT["comment_pages"]
        token = req.args.get("pageToken")
        idx = 0 if not token else 1 + [p.get("nextPageToken") for p in pages].index(token)
        page = dict(pages[idx])
        if idx + 1 == len(pages):
            page.pop("nextPageToken", None)
        return 200, JSON, as_json(page, pretty=True)
    return 404, JSON, as_json({"error": {"code": 404}})


@pytest.fixture
def replay(monkeypatch):
    server = Replay(route).start()
    monkeypatch.setenv("TRENDCAST_YOUTUBE_BASE_URL", server.url)
    monkeypatch.setenv("TRENDCAST_YOUTUBE_API_KEY", KEY)
    yield server
    server.stop()


def _all_bytes(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_archive_equals_served_through_faults(replay, tmp_path, caplog):
    sleeps: list[float] = []
    replay.fail(r"/videos$", "status", status=429, headers={"Retry-After": "7"})
    replay.fail(r"/videos$", "status", status=503)
    replay.fail(r"/videos$", "slow", seconds=1.0)
    replay.fail(r"/videos$", "reset")
    replay.fail(r"/commentThreads$", "truncate")
    caplog.set_level(logging.INFO)
    video = YT["comment_pages"][0]["items"][0]["snippet"]["videoId"]
    summary = extract_youtube(
        tmp_path, ["US", "GB"], comment_videos=[video], http=FAST, sleep=sleeps.append
    )
    served = replay.delivered()
    lines, raw = archive_lines(tmp_path, "youtube"), raw_lines(tmp_path, "youtube")
    # one line per delivered call, in order, with the exact body (only inter-token whitespace
    # dropped: the server pretty-prints)
    assert len(lines) == len(served) == 3 + 1 + 2
    for line, text, s in zip(lines, raw, served, strict=True):
        assert line["endpoint"] == s.path.lstrip("/")
        assert {k: str(v) for k, v in line["params"].items()} == s.query
        assert text.endswith(',"response":' + compact_json(s.body.decode()) + "}")
        assert line["response"] == json.loads(s.body)
    assert [line["params"].get("pageToken") for line in lines[:3]] == [None, "P2", "P3"]
    assert 7.0 in sleeps  # Retry-After honoured exactly
    assert summary.retries == 5 and summary.calls == 6 and summary.stopped == "complete"
    assert len(summary.files) == 1 and not list(tmp_path.rglob("*.part"))  # one file per run
    assert summary.items == 3 * 8 + 8 + 2 * 15
    assert summary.quota_used == summary.requests == len(replay.requests)  # failed ones too
    assert KEY.encode() not in _all_bytes(tmp_path)
    assert KEY not in caplog.text and KEY not in json.dumps(summary.as_dict())
    state = json.loads((tmp_path / "_state" / "youtube.json").read_text())
    today = datetime.now(UTC).date().isoformat()
    assert state["charts"] == {"US": today, "GB": today}


def test_malformed_body_is_archived_and_fails_landing(replay, tmp_path):
    from trendcast.landing import prepare_file

    replay.fail(r"/videos$", "invalid_json")
    summary = extract_youtube(tmp_path, ["GB"], http=FAST, sleep=lambda s: None)
    (line,) = archive_lines(tmp_path, "youtube")
    (served,) = replay.delivered()
    assert "response" not in line and line["http_status"] == 200
    assert line["response_text"] == served.body.decode()
    assert line["error"].startswith("response is not valid JSON")
    assert summary.failed_lines == 1
    # the chart was not done: the next run fetches it again
    assert "GB" not in json.loads((tmp_path / "_state" / "youtube.json").read_text())["charts"]
    prepared = prepare_file(Path(summary.files[0]))
    errors = prepared.chunks[0].column("error_message").to_pylist()
    assert errors == [f"failed API call: {line['error']}"]
    kept = json.loads(prepared.chunks[0].column("raw_line").to_pylist()[0])
    assert kept["response_text"] == served.body.decode() and kept["http_status"] == 200


def test_quota_budget_stops_cleanly_and_resumes(replay, tmp_path):
    first = extract_youtube(tmp_path, ["US", "GB"], quota=2, http=FAST, sleep=lambda s: None)
    assert first.stopped == "budget" and first.calls == 2 and len(replay.served) == 2
    assert "daily budget reached: 2 of 2" in first.message
    # what was fetched is kept, but the chart is not done: the next run starts it over
    assert len(archive_lines(tmp_path, "youtube")) == 2
    assert "US" not in json.loads((tmp_path / "_state" / "youtube.json").read_text())["charts"]
    second = extract_youtube(tmp_path, ["US", "GB"], quota=6, http=FAST, sleep=lambda s: None)
    assert second.stopped == "complete" and second.quota_used == 6
    lines = archive_lines(tmp_path, "youtube")
    assert [(r["params"]["regionCode"], r["params"].get("pageToken")) for r in lines] == [
        ("US", None), ("US", "P2"), ("US", None), ("US", "P2"), ("US", "P3"), ("GB", None)
    ]  # fmt: skip
    third = extract_youtube(tmp_path, ["US", "GB"], quota=6, http=FAST, sleep=lambda s: None)
    assert third.calls == 0  # both charts done today


def test_follow_ups_fetch_videos_that_left_the_chart(replay, tmp_path):
    extract_youtube(tmp_path, ["US"], http=FAST)
    state_path = tmp_path / "_state" / "youtube.json"
    state = json.loads(state_path.read_text())
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    state["tracked"] = dict.fromkeys(state["tracked"], yesterday)
    state_path.write_text(json.dumps(state))
    summary = extract_youtube(tmp_path, ["GB"], follow_days=3, http=FAST)
    gb_ids = {v["id"] for v in YT["gb_page"]["items"]}
    us_ids = {v["id"] for p in YT["us_pages"] for v in p["items"]}
    follow = [r for r in archive_lines(tmp_path, "youtube") if "id" in r["params"]]
    asked = {i for r in follow for i in r["params"]["id"].split(",")}
    assert asked == us_ids - gb_ids and all(len(r["params"]["id"].split(",")) <= 50 for r in follow)
    assert {v["id"] for r in follow for v in r["response"]["items"]} == asked
    assert summary.calls == 1 + len(follow)


def test_credentials_give_one_clear_line(replay, tmp_path, monkeypatch):
    monkeypatch.setenv("TRENDCAST_YOUTUBE_API_KEY", "wrong-key-123456")
    with pytest.raises(CredentialError) as err:
        extract_youtube(tmp_path, ["US"], http=FAST)
    assert "TRENDCAST_YOUTUBE_API_KEY" in str(err.value) and "wrong-key" not in str(err.value)
    assert len(replay.requests) == 1  # no retry storm on a bad key
    monkeypatch.delenv("TRENDCAST_YOUTUBE_API_KEY")
    with pytest.raises(CredentialError, match="TRENDCAST_YOUTUBE_API_KEY is not set"):
        extract_youtube(tmp_path, ["US"], http=FAST)


def test_a_body_cut_short_on_every_attempt_is_archived_as_failed(replay, tmp_path):
    for _ in range(3):
        replay.fail(r"/videos$", "truncate")
    http = HttpOptions(timeout=2, max_attempts=3, backoff=0.01, max_backoff=0.05)
    summary = extract_youtube(tmp_path, ["GB"], http=http, sleep=lambda s: None)
    (line,) = archive_lines(tmp_path, "youtube")
    assert line["error"].startswith("connection dropped after") and line["http_status"] == 200
    assert line["response_text"] == replay.served[-1].body.decode()  # what arrived, exactly
    assert summary.retries == 2 and summary.failed_lines == 1 and summary.stopped == "complete"
