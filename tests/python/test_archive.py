"""The archive format: writing is deterministic, recorded responses replay, SSE splits into events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.python.conftest import FIXTURES
from trendcast.archive import (
    discover,
    from_recorded_responses,
    parse_sse,
    read_archive,
    record,
    write_archive,
)


def test_write_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    recs = [
        record("x", "2/users/1/tweets", {"a": i}, datetime(2025, 1, 1, tzinfo=UTC), {"n": i})
        for i in range(3)
    ]
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write_archive(a, recs)
    write_archive(b, recs)
    assert a.read_bytes() == b.read_bytes()
    assert list(read_archive(a)) == recs
    assert recs[0]["fetched_at"] == "2025-01-01T00:00:00Z"


def test_discover_orders_and_rejects_missing(tmp_path: Path) -> None:
    write_archive(tmp_path / "b" / "2.jsonl", [])
    write_archive(tmp_path / "a" / "1.jsonl.gz", [])
    (tmp_path / "a" / "readme.md").write_text("x")
    assert [p.name for p in discover([tmp_path])] == ["1.jsonl.gz", "2.jsonl"]
    with pytest.raises(FileNotFoundError):
        discover([tmp_path / "nope"])


def test_parse_sse() -> None:
    text = ':)\nevent: update\ndata: {"id": "1"}\n\nevent: delete\ndata: 123\n\n:thump\n'
    assert parse_sse(text) == [
        {"event": "update", "payload": {"id": "1"}},
        {"event": "delete", "payload": 123},
    ]


def test_recorded_mastodon_stream_becomes_one_line_per_event() -> None:
    path = FIXTURES / "mastodon" / "local_test_instance" / "test_stream_user_local.responses.json"
    recs = from_recorded_responses(path, "mastodon")
    body = json.loads(path.read_text())[0]["body"]
    assert len(recs) == body.count("\nevent:") + body.startswith("event:")
    assert all(r["endpoint"].startswith("api/v1/streaming") for r in recs)
    assert all(r["params"]["instance"] == "localhost" for r in recs)


def test_recorded_x_counts_keep_query_and_date() -> None:
    path = FIXTURES / "x_api" / "v2" / "test_client_get_all_tweets_count.responses.json"
    (rec,) = from_recorded_responses(path, "x")
    assert rec["endpoint"] == "2/tweets/counts/all"
    assert rec["params"] == {"query": "Tweepy"}
    assert rec["fetched_at"] == "2021-09-27T18:58:44Z"
    assert rec["response"]["data"][0]["tweet_count"] >= 0
