"""X extractor against the loopback replay server (real @elonmusk pages and counts)."""

from __future__ import annotations

import json
import logging
import time

import pytest

from tests.python.extract_replay import Replay, archive_lines, as_json, fixture, raw_lines
from trendcast.sources.config import HttpOptions
from trendcast.sources.writer import compact_json
from trendcast.sources.x import extract_x

TOKEN = "AAAAAAAAAAAAAAAAAAAAAxTestBearer%2Fsecret"
X = fixture("x")
USER_ID = "44196397"
JSON = {"Content-Type": "application/json; charset=utf-8"}
FAST = HttpOptions(timeout=0.4, max_attempts=5, backoff=0.01, max_backoff=0.05, max_wait=60)


class Server:
    def __init__(self) -> None:
        self.counts_headers: dict[str, str] = {}

    def route(self, req):
        if req.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, JSON, as_json({"title": "Unauthorized", "status": 401})
        if req.path.startswith("/2/users/by/username/"):
            user = dict(X["user"]["data"], id=USER_ID, username=req.path.rsplit("/", 1)[1])
            return 200, JSON, as_json({"data": user})
        if req.path == f"/2/users/{USER_ID}/tweets":
            if req.args.get("since_id"):
                return 200, JSON, as_json({"meta": {"result_count": 0}})
            token = req.args.get("pagination_token")
            idx = int(token[1:]) - 1 if token else 0
            page = json.loads(json.dumps(X["pages"][idx]))
            if idx + 1 < len(X["pages"]):
                page["meta"]["next_token"] = f"t{idx + 2}"
            return 200, JSON, as_json(page)
        if req.path == "/2/tweets/counts/recent":
            return 200, {**JSON, **self.counts_headers}, as_json(X["counts"])
        return 404, JSON, as_json({"title": "Not Found"})


@pytest.fixture
def server(monkeypatch):
    logic = Server()
    replay = Replay(logic.route).start()
    replay.logic = logic
    monkeypatch.setenv("TRENDCAST_X_BASE_URL", replay.url)
    monkeypatch.setenv("TRENDCAST_X_BEARER_TOKEN", TOKEN)
    yield replay
    replay.stop()


def test_pages_followed_to_the_end_then_since_id(server, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    sleeps: list[float] = []
    reset = str(int(time.time()) + 30)
    server.fail(r"/tweets$", "status", status=429,
                headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})  # fmt: skip
    server.fail(r"/tweets$", "status", status=500)
    server.fail(r"/tweets$", "truncate")
    summary = extract_x(tmp_path, ["elonmusk"], counts=True, http=FAST, sleep=sleeps.append)
    served = server.delivered()
    lines, raw = archive_lines(tmp_path, "x"), raw_lines(tmp_path, "x")
    assert [r["endpoint"] for r in lines] == [
        "2/users/by/username/elonmusk", *[f"2/users/{USER_ID}/tweets"] * 3, "2/tweets/counts/recent"
    ]  # fmt: skip
    for line, text, s in zip(lines, raw, served, strict=True):
        assert {k: str(v) for k, v in line["params"].items()} == s.query
        assert text.endswith(',"response":' + compact_json(s.body.decode()) + "}")
    assert [r["params"].get("pagination_token") for r in lines[1:4]] == [None, "t2", "t3"]
    assert 20.0 <= sleeps[0] <= 30.0  # no Retry-After: waited for x-rate-limit-reset
    assert summary.retries == 3 and summary.items == sum(len(p["data"]) for p in X["pages"]) + len(
        X["counts"]["data"]
    )
    # the next run asks only for what is newer, and needs no user lookup
    extract_x(tmp_path, ["elonmusk"], http=FAST, sleep=sleeps.append)
    last = server.requests[-1]
    assert last.path == f"/2/users/{USER_ID}/tweets"
    assert last.args["since_id"] == X["pages"][0]["meta"]["newest_id"]
    everything = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert TOKEN.encode() not in everything and TOKEN not in caplog.text


def test_rate_limit_headers_pause_before_the_next_request(server, tmp_path):
    server.logic.counts_headers = {
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(time.time()) + 30),
    }
    sleeps: list[float] = []
    extract_x(tmp_path, ["a", "b"], counts=True, http=FAST, sleep=sleeps.append)
    # a's counts closed the window: b's first request waits for the reset instead of a 429
    assert len(sleeps) == 1 and 20.0 <= sleeps[0] <= 31.0
    assert [s.status for s in server.served] == [200] * len(server.served)


def test_budget_and_bad_token(server, tmp_path, monkeypatch):
    summary = extract_x(tmp_path, ["elonmusk"], max_requests=3, http=FAST)
    assert summary.stopped == "budget" and summary.calls == 3
    state = json.loads((tmp_path / "_state" / "x.json").read_text())
    assert state["since_id"] == {}  # the chain is incomplete: nothing skipped next time
    monkeypatch.setenv("TRENDCAST_X_BEARER_TOKEN", "not-the-token-1234")
    from trendcast.sources.errors import CredentialError

    with pytest.raises(CredentialError, match="TRENDCAST_X_BEARER_TOKEN") as err:
        extract_x(tmp_path / "other", ["elonmusk"], http=FAST)
    assert "not-the-token" not in str(err.value)
