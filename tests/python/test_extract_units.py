"""The extractors' small shared pieces: exact-body lines, header parsing, redaction, atomic files
and the one-run-per-folder lock."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from trendcast.sources.budget import Budget
from trendcast.sources.checkpoint import Checkpoint
from trendcast.sources.errors import BudgetExhausted, ExtractError
from trendcast.sources.http import parse_reset, parse_retry_after
from trendcast.sources.redact import Redactor
from trendcast.sources.writer import ArchiveWriter, build_line, compact_json, event_line

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_compact_json_keeps_strings_numbers_and_order():
    text = '{\n  "b": "a  b\\n \\" c",\n  "a": [1.50, 12345678901234567890, true, null],\n  "é": "x"\n}'
    out = compact_json(text)
    assert out == '{"b":"a  b\\n \\" c","a":[1.50,12345678901234567890,true,null],"é":"x"}'
    assert json.loads(out) == json.loads(text)


def test_line_is_one_line_with_the_exact_body_or_a_failed_line():
    good = build_line("x", "2/tweets/counts/recent", {"q": 1}, NOW, b'{"data": [ 1 ]}', 200)
    assert good.text.endswith(',"response":{"data":[1]}}') and "\n" not in good.text
    assert json.loads(good.text)["fetched_at"] == "2026-05-01T12:00:00Z"
    bad = build_line("x", "e", {}, NOW, b'{"data": [', 200)
    row = json.loads(bad.text)
    assert "response" not in row and row["response_text"] == '{"data": [' and bad.data is None
    gone = build_line(
        "mastodon", "api/v1/statuses/1", {}, NOW, b'{"error":"Record not found"}', 404
    )
    assert json.loads(gone.text)["error"] == "HTTP 404"
    cut = build_line("x", "e", {}, NOW, b'{"a"', 200, problem="connection dropped after 4 bytes")
    assert json.loads(cut.text)["error"] == "connection dropped after 4 bytes"


def test_stream_events_keep_delete_ids_as_text():
    line = event_line(
        "mastodon", "api/v1/streaming/public", {}, NOW, "delete", "110446223051565765"
    )
    assert json.loads(line.text)["response"] == {"event": "delete", "payload": "110446223051565765"}
    upd = event_line("mastodon", "api/v1/streaming/public", {}, NOW, "update", '{"id": "7"}')
    assert upd.text.endswith('"response":{"event":"update","payload":{"id":"7"}}}')


def test_retry_after_and_reset_headers():
    now = NOW.timestamp()
    assert parse_retry_after("7", now) == 7.0
    assert (
        parse_retry_after(format_datetime(datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC)), now) == 30
    )
    assert parse_retry_after("soon", now) is None
    assert parse_reset(str(int(now) + 90), now) == 90  # X: epoch seconds
    assert parse_reset("2026-05-01T12:02:00.000Z", now) == 120  # Mastodon: ISO-8601


def test_redactor_masks_every_secret():
    redact = Redactor(["supersecretvalue", "abc"])  # too short to mask safely
    assert redact("key=supersecretvalue abc") == "key=*** abc"


def test_files_appear_only_when_committed(tmp_path):
    writer = ArchiveWriter(tmp_path, "x", "r1", NOW)
    writer.write('{"a":1}')
    assert list(tmp_path.rglob("*.jsonl.gz")) == [] and len(list(tmp_path.rglob("*.part"))) == 1
    path = writer.commit()
    assert path.name == "x-20260501T120000.000000Z-r1-001.jsonl.gz"
    assert gzip.decompress(path.read_bytes()) == b'{"a":1}\n' and not list(tmp_path.rglob("*.part"))
    assert writer.commit() is None  # nothing pending


def test_one_run_per_source_and_folder(tmp_path):
    with Checkpoint(tmp_path, "youtube") as cp:
        cp.data["charts"] = {"US": "2026-05-01"}
        cp.save()
        with (
            pytest.raises(ExtractError, match="another youtube extractor"),
            Checkpoint(tmp_path, "youtube"),
        ):
            pass
    with Checkpoint(tmp_path, "youtube") as again:
        assert again.data == {"charts": {"US": "2026-05-01"}}


def test_budget_counts_per_day_and_stops_before_the_limit(tmp_path):
    budget = Budget(tmp_path / "q.json", 2)
    budget.spend(1)
    budget.spend(1)
    with pytest.raises(BudgetExhausted, match="2 of 2"):
        budget.spend(1)
    assert Budget(tmp_path / "q.json", 5).used == 2  # persisted on every spend
    stale = tmp_path / "old.json"
    stale.write_text(json.dumps({"day": "2000-01-01", "used": 99}))
    assert Budget(stale, 5).used == 0  # a new day starts from zero


def test_sigterm_waits_for_the_line_being_written() -> None:
    """Inside `uninterruptible` (a line, a commit) SIGTERM is held until the section ends."""
    import os
    import signal

    from trendcast.sources import signals
    from trendcast.sources.signals import Terminated, terminate_gracefully, uninterruptible

    finished = []
    with pytest.raises(Terminated), terminate_gracefully():
        with uninterruptible():
            os.kill(os.getpid(), signal.SIGTERM)
            finished.append("the rest of the line")
        finished.append("never: raised at the end of the section")
    assert finished == ["the rest of the line"]
    assert signal.getsignal(signal.SIGTERM) is not signals._handler  # put back
