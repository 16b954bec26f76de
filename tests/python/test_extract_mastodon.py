"""Mastodon extractor (REST and streaming) against the loopback replay server: a real public
timeline, real mastodon.social statuses, history and trends, a real SSE stream."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.python.extract_replay import Replay, archive_lines, as_json, fixture, raw_lines
from trendcast.sources.config import HttpOptions
from trendcast.sources.mastodon import extract_mastodon, link_ids, stream_mastodon
from trendcast.sources.writer import compact_json

MA = fixture("mastodon")
TOKEN = "mastodon-app-token-4b3c2a1d"
JSON = {"Content-Type": "application/json; charset=utf-8"}
FAST = HttpOptions(timeout=1.0, max_attempts=4, backoff=0.01, max_backoff=0.05, max_wait=60)
PAGE = 3


def _split_stream(text: str) -> tuple[str, str]:
    """The real stream cut before its second `update`: the first connection drops there."""
    cut = text.index("event: update", text.index("event: update") + 1)
    return text[:cut], text[cut:]


class Server:
    def __init__(self) -> None:
        self.visible = len(MA["timeline"])
        self.url = ""
        self.connections = 0
        self.trend_headers: dict[str, str] = {}

    def route(self, req):
        if req.path == "/api/v1/timelines/public":
            statuses = MA["timeline"][-self.visible :]
            if "max_id" in req.args:
                page = [s for s in statuses if int(s["id"]) < int(req.args["max_id"])][:PAGE]
            elif "min_id" in req.args:
                page = [s for s in statuses if int(s["id"]) > int(req.args["min_id"])][-PAGE:]
            else:
                page = statuses[:PAGE]
            headers = dict(JSON)
            reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
            headers.update({"X-RateLimit-Remaining": "299", "X-RateLimit-Reset": reset})
            if page:
                base = f"{self.url}/api/v1/timelines/public"
                headers["Link"] = (
                    f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                    f'<{base}?min_id={page[0]["id"]}>; rel="prev"'
                )
            return 200, headers, as_json(page)
        if req.path.startswith("/api/v1/trends/"):
            kind = req.path.rsplit("/", 1)[1]
            return 200, {**JSON, **self.trend_headers}, as_json(MA[f"trends_{kind}"])
        if req.path.endswith("/history"):
            return 200, JSON, as_json(MA["history"][req.path.split("/")[-2]])
        if req.path.startswith("/api/v1/statuses/"):
            return 200, JSON, as_json(MA["statuses"][req.path.rsplit("/", 1)[1]])
        if req.path == "/api/v2/instance":
            return 200, JSON, as_json(MA["instance"])
        if req.path == "/api/v1/streaming/public":
            if req.headers.get("Authorization") != f"Bearer {TOKEN}":
                return 401, JSON, as_json({"error": "The access token is invalid"})
            self.connections += 1
            return 200, {"Content-Type": "text/event-stream"}, self._stream(self.connections)
        return 404, JSON, as_json({"error": "Record not found"})

    def _stream(self, n: int):
        first, rest = _split_stream(MA["stream"])
        if n == 1:
            yield first.encode()
            raise ConnectionResetError("injected drop")  # the connection is cut mid-stream
        if n == 2:
            yield rest.encode()
        for _ in range(100):  # heartbeats only, until the client leaves
            time.sleep(0.05)
            yield b":thump\n"


@pytest.fixture
def server(monkeypatch):
    logic = Server()
    replay = Replay(logic.route).start()
    logic.url = replay.url
    replay.logic = logic
    monkeypatch.setenv(
        "TRENDCAST_MASTODON_TOKEN_" + replay.url.split("//")[1].replace(".", "_").replace(":", "_"),
        TOKEN,
    )
    yield replay
    replay.stop()


def test_link_header_ids():
    header = '<https://m.example/api/v1/timelines/public?max_id=10>; rel="next", <https://m.example/api/v1/timelines/public?min_id=20>; rel="prev"'
    assert link_ids(header) == {"next": {"max_id": "10"}, "prev": {"min_id": "20"}}


def test_timeline_pages_back_then_forward_from_the_checkpoint(server, tmp_path):
    host = server.url.split("//")[1]
    server.logic.visible = 2
    first = extract_mastodon(tmp_path, server.url, timeline="public", http=FAST)
    server.logic.visible = len(MA["timeline"])  # six statuses published since
    second = extract_mastodon(tmp_path, server.url, timeline="public", http=FAST)
    lines, raw = archive_lines(tmp_path, "mastodon"), raw_lines(tmp_path, "mastodon")
    served = server.delivered()
    assert len(lines) == len(served) == first.calls + second.calls
    for line, text, s in zip(lines, raw, served, strict=True):
        assert line["params"] == {"instance": host, **{k: _num(v) for k, v in s.query.items()}}
        assert text.endswith(',"response":' + compact_json(s.body.decode()) + "}")
    cursors = [{k: v for k, v in r["params"].items() if k.endswith("_id")} for r in lines]
    ids = [s["id"] for s in MA["timeline"]]
    # run 1: newest page, then older until empty; run 2: forward from the checkpoint
    assert cursors[:2] == [{}, {"max_id": ids[-1]}]
    assert cursors[2] == {"min_id": ids[-2]} and all("min_id" in c for c in cursors[2:])
    got = [s["id"] for r in lines for s in r["response"]]
    assert sorted(got) == sorted(ids) and len(got) == len(set(got))  # every status once
    state = json.loads((tmp_path / "_state" / "mastodon.json").read_text())
    assert state[host]["timelines"]["public"]["min_id"] == max(ids, key=int)
    assert lines[-1]["response"] == []  # paging stops at the first empty page


def _num(value: str):
    return int(value) if value == "40" else value


def test_trends_refresh_history_instance_and_rate_limit(server, tmp_path):
    host = server.url.split("//")[1]
    reset = (datetime.now(UTC) + timedelta(seconds=40)).isoformat()
    server.logic.trend_headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    state_dir = tmp_path / "_state"
    state_dir.mkdir()
    recent = sorted(
        MA["statuses"], key=int, reverse=True
    )  # newest first, as the extractor keeps it
    (state_dir / "mastodon.json").write_text(json.dumps({host: {"recent": recent}}))
    sleeps: list[float] = []
    summary = extract_mastodon(
        tmp_path, server.url, timeline=None, trends=True, refresh=5, instance_info=True,
        http=FAST, sleep=sleeps.append,
    )  # fmt: skip
    endpoints = [r["endpoint"] for r in archive_lines(tmp_path, "mastodon")]
    edited = next(i for i, s in MA["statuses"].items() if s.get("edited_at"))
    plain = next(i for i, s in MA["statuses"].items() if not s.get("edited_at"))
    assert endpoints == [
        "api/v1/trends/tags", "api/v1/trends/statuses", "api/v1/trends/links",
        f"api/v1/statuses/{plain}", f"api/v1/statuses/{edited}",
        f"api/v1/statuses/{edited}/history", "api/v2/instance",
    ]  # fmt: skip
    # every trends answer said the window was spent: each next request waited for the reset
    assert len(sleeps) == 3 and all(30 <= s <= 41 for s in sleeps)
    assert summary.calls == 7 and summary.stopped == "complete"


def test_stream_reconnects_catches_up_and_archives_every_event(server, tmp_path):
    from trendcast.archive import parse_sse

    t0 = time.monotonic()
    summary = stream_mastodon(tmp_path, server.url, seconds=4, http=FAST, sleep=lambda s: None)
    elapsed = time.monotonic() - t0
    lines, raw = archive_lines(tmp_path, "mastodon"), raw_lines(tmp_path, "mastodon")
    events = [
        e for e in parse_sse(MA["stream"]) if e["event"] in ("update", "status.update", "delete")
    ]
    streamed = [(r, t) for r, t in zip(lines, raw, strict=True) if "streaming" in r["endpoint"]]
    assert [r["response"]["event"] for r, _ in streamed] == [
        "update",
        "update",
        "status.update",
        "delete",
    ]
    assert [r["response"]["event"] for r, _ in streamed] == [e["event"] for e in events]
    for (line, text), event in zip(streamed, events, strict=True):
        if event["event"] == "delete":
            assert line["response"]["payload"] == str(event["payload"])
        else:
            assert line["response"]["payload"] == event["payload"]
            assert text.endswith('"payload":' + compact_json(json.dumps(event["payload"])) + "}}")
    # after the drop: one REST catch-up from the last status seen, then a new connection
    catch_up = [r for r in lines if r["endpoint"] == "api/v1/timelines/public"]
    assert len(catch_up) >= 1 and catch_up[0]["params"]["min_id"] == events[0]["payload"]["id"]
    assert server.logic.connections >= 2 and "reconnect" in summary.message
    assert elapsed < 8  # bounded by --seconds even though the stream never ends
    assert TOKEN.encode() not in b"".join(
        p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    )


def test_stream_without_token_is_one_clear_error(server, tmp_path, monkeypatch):
    from trendcast.sources.errors import CredentialError

    for name in [n for n in __import__("os").environ if n.startswith("TRENDCAST_MASTODON_TOKEN_")]:
        monkeypatch.delenv(name)
    with pytest.raises(CredentialError, match="TRENDCAST_MASTODON_TOKEN_127_0_0_1_"):
        stream_mastodon(tmp_path, server.url, seconds=1, http=FAST)


def test_budget_stops_the_timeline_cleanly_and_no_token_is_logged(server, tmp_path, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    server.fail(r"/timelines/public$", "status", status=502)
    summary = extract_mastodon(
        tmp_path, server.url, timeline="public", max_requests=2, http=FAST, sleep=lambda s: None
    )
    assert summary.stopped == "budget" and summary.calls == 1 and summary.retries == 1
    lines = archive_lines(tmp_path, "mastodon")
    assert len(lines) == 1 and len(lines[0]["response"]) == PAGE  # kept, though unfinished
    everything = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert TOKEN.encode() not in everything and TOKEN not in caplog.text
    assert all(h.get("Authorization") == f"Bearer {TOKEN}" for h in server.headers_seen)
