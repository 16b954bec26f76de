"""TikTok Research API extractor against the loopback replay server (documented query shape,
real comment pages)."""

from __future__ import annotations

import itertools
import json
import logging
from datetime import date

import pytest

from tests.python.extract_replay import Replay, archive_lines, as_json, fixture, raw_lines
from trendcast.sources.config import HttpOptions
from trendcast.sources.tiktok import extract_tiktok, windows
from trendcast.sources.writer import compact_json

# made-up credentials: only the loopback replay server below checks them
KEY, SECRET = "fake-client-key", "fake-client-secret"
TK = fixture("tiktok")
VIDEOS = [int(v) for v in TK["comments"]]
JSON = {"Content-Type": "application/json"}
FAST = HttpOptions(timeout=0.5, max_attempts=4, backoff=0.01, max_backoff=0.05, max_wait=30)


class Server:
    def __init__(self) -> None:
        self.issued: list[str] = []

    def route(self, req):
        if req.path == "/v2/oauth/token/":
            form = req.form
            if form.get("client_key") != KEY or form.get("client_secret") != SECRET:
                return 401, JSON, as_json({"error": "invalid_client"})
            self.issued.append(f"clt.token-{len(self.issued) + 1}-abcdefghijkl")
            body = {"access_token": self.issued[-1], "expires_in": 7200, "token_type": "Bearer"}
            return 200, JSON, as_json(body)
        if req.headers.get("Authorization") != f"Bearer {self.issued[-1] if self.issued else ''}":
            return 401, JSON, as_json({"error": {"code": "access_token_invalid"}})
        body = req.get_json()
        if req.path == "/v2/research/video/query/":
            page = json.loads(json.dumps(TK["query"]))
            if body["cursor"] == 0:
                for video, vid in zip(page["data"]["videos"], VIDEOS, strict=True):
                    video["video_id"] = vid
            else:
                assert body["search_id"] == page["data"]["search_id"]
                page["data"].update(videos=[], has_more=False)
            return 200, JSON, as_json(page)
        if req.path == "/v2/research/video/comment/list/":
            pages = TK["comments"][str(body["video_id"])]
            cursors = [0] + [p["data"]["cursor"] for p in pages]
            return 200, JSON, as_json(pages[cursors.index(body["cursor"])])
        if req.path == "/v2/research/user/info/":
            return 200, JSON, as_json(TK["user"])
        return 404, JSON, as_json({"error": {"code": "not_found"}})


@pytest.fixture
def server(monkeypatch):
    logic = Server()
    replay = Replay(logic.route).start()
    replay.logic = logic
    monkeypatch.setenv("TRENDCAST_TIKTOK_BASE_URL", replay.url)
    monkeypatch.setenv("TRENDCAST_TIKTOK_CLIENT_KEY", KEY)
    monkeypatch.setenv("TRENDCAST_TIKTOK_CLIENT_SECRET", SECRET)
    yield replay
    replay.stop()


def test_windows_are_at_most_30_days():
    spans = windows(date(2024, 1, 1), date(2024, 3, 5))
    assert spans[0] == (date(2024, 1, 1), date(2024, 1, 31))
    assert spans[-1][1] == date(2024, 3, 5)
    assert all((b - a).days <= 30 for a, b in spans)
    assert all((nxt[0] - cur[1]).days == 1 for cur, nxt in itertools.pairwise(spans))


def test_archive_equals_served_with_token_refresh(server, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    server.fail(r"/video/query/$", "status", status=401)  # an expired token
    server.fail(r"/comment/list/$", "status", status=503)
    summary = extract_tiktok(
        tmp_path, ["US"], date(2024, 1, 1), date(2024, 2, 14), comments=True,
        users=["tiktok"], http=FAST, sleep=lambda s: None,
    )  # fmt: skip
    served = [s for s in server.delivered() if s.path != "/v2/oauth/token/"]
    lines, raw = archive_lines(tmp_path, "tiktok"), raw_lines(tmp_path, "tiktok")
    assert len(server.logic.issued) == 2  # one token, renewed once after the 401
    assert len(lines) == len(served) == 2 * 2 + 2 + 2 + 1
    for line, text, s in zip(lines, raw, served, strict=True):
        assert line["endpoint"] == s.path.lstrip("/") and line["params"] == s.json_body
        assert text.endswith(',"response":' + compact_json(s.body.decode()) + "}")
    windows_asked = [(r["params"]["start_date"], r["params"]["end_date"]) for r in lines[:4]]
    assert windows_asked == [("20240101", "20240131")] * 2 + [("20240201", "20240214")] * 2
    assert [r["params"]["video_id"] for r in lines[4:8]] == [VIDEOS[0]] * 2 + [VIDEOS[1]] * 2
    assert (
        summary.items
        == 2 * 2 + sum(len(p["data"]["comments"]) for v in TK["comments"].values() for p in v) + 1
    )
    everything = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for secret in [SECRET, KEY, *server.logic.issued]:
        assert secret.encode() not in everything and secret not in caplog.text


def test_a_stopped_window_resumes_at_its_cursor(server, tmp_path):
    first = extract_tiktok(
        tmp_path, ["US"], date(2024, 1, 1), date(2024, 1, 20), max_requests=1, http=FAST
    )
    assert first.stopped == "budget" and first.calls == 1
    state = json.loads((tmp_path / "_state" / "tiktok.json").read_text())
    (window,) = state["queries"].values()
    assert window == {"cursor": 100, "search_id": TK["query"]["data"]["search_id"]}
    second = extract_tiktok(
        tmp_path, ["US"], date(2024, 1, 1), date(2024, 1, 20), max_requests=5, http=FAST
    )
    assert second.stopped == "complete" and second.calls == 1
    asked = server.served[-1].json_body
    assert asked["cursor"] == 100 and asked["search_id"] == window["search_id"]


def test_bad_client_secret_names_both_variables(server, tmp_path, monkeypatch):
    from trendcast.sources.errors import CredentialError

    monkeypatch.setenv("TRENDCAST_TIKTOK_CLIENT_SECRET", "wrong-secret-000")
    with pytest.raises(CredentialError) as err:
        extract_tiktok(tmp_path, ["US"], date(2024, 1, 1), date(2024, 1, 2), http=FAST)
    assert "TRENDCAST_TIKTOK_CLIENT_KEY" in str(err.value)
    assert "TRENDCAST_TIKTOK_CLIENT_SECRET" in str(err.value) and "wrong-secret" not in str(
        err.value
    )
