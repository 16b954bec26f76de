"""Landing: validation of bad lines, reconciliation, idempotency, duplicates and atomicity."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.python.conftest import SAMPLE_DIR
from trendcast.archive import write_archive
from trendcast.landing import load_file, load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import connect

GOOD = {
    "source": "x",
    "endpoint": "2/users/1/tweets",
    "params": {"max_results": 100},
    "fetched_at": "2025-01-01T00:00:00Z",
    "response": {"data": [{"id": "1", "created_at": "2024-12-31T23:00:00.000Z"}]},
}

# (line text, expected status, a fragment the error message must contain)
BAD_CORPUS: list[tuple[str, str, str]] = [
    ("not json at all", "failed", "not valid JSON"),
    ('{"source": "x", "endpoint": "e"', "failed", "not valid JSON"),
    ("[1, 2, 3]", "failed", "expected an object"),
    ('"just a string"', "failed", "expected an object"),
    ("", "failed", "empty line"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "fetched_at"}), "failed", "fetched_at"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "response"}), "failed", "response"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "source"}), "failed", "source"),
    (json.dumps({**GOOD, "source": 5}), "failed", "source must be a string"),
    (json.dumps({**GOOD, "endpoint": ["a"]}), "failed", "endpoint must be a string"),
    (json.dumps({**GOOD, "params": [1]}), "failed", "params must be an object"),
    (json.dumps({**GOOD, "fetched_at": 1735689600}), "failed", "fetched_at must be"),
    (json.dumps({**GOOD, "response": 12}), "failed", "response must be"),
    (json.dumps({**GOOD, "source": "myspace"}), "failed", "unknown source 'myspace'"),
    (json.dumps({**GOOD, "fetched_at": "yesterday"}), "failed", "not an ISO-8601"),
    (json.dumps({**GOOD, "fetched_at": "1970-01-01T00:00:00Z"}), "failed", "absurd fetched_at"),
    (json.dumps({**GOOD, "fetched_at": "2999-01-01T00:00:00Z"}), "failed", "absurd fetched_at"),
    (json.dumps({**GOOD, "endpoint": " "}), "failed", "empty endpoint"),
]


def _write_lines(path: Path, lines: list[str | bytes]) -> Path:
    with open(path, "wb") as fh:
        for line in lines:
            fh.write((line.encode() if isinstance(line, str) else line) + b"\n")
    return path


def _statuses(settings: Settings, batch_id: str) -> list[tuple]:
    with connect(settings) as wh:
        return wh.query(
            "select line_no, processing_status, error_message, raw_line "
            "from raw.api_responses where batch_id = ? order by line_no",
            [batch_id],
        )


def test_bad_lines_are_kept_as_failed_with_reason(warehouse: Settings, tmp_path: Path) -> None:
    lines = [json.dumps(GOOD)] + [line for line, _, _ in BAD_CORPUS]
    lines.append(
        b'{"source":"x","endpoint":"e","fetched_at":"2025-01-01T00:00:00Z","response":"\xff"}'
    )
    path = _write_lines(tmp_path / "bad.jsonl", lines)
    with connect(warehouse) as wh:
        result = load_file(wh, path)
    assert result.total == len(lines)
    assert result.processed == 1
    assert result.failed == len(lines) - 1
    assert result.reconciles
    rows = _statuses(warehouse, result.batch_id)
    assert rows[0][1] == "processed"
    for (line, status, fragment), row in zip(BAD_CORPUS, rows[1:], strict=False):
        assert row[1] == status, line
        assert fragment in row[2], (line, row[2])
        assert row[3] == line, "a failed line keeps its original text"
    assert "invalid UTF-8" in rows[-1][2]


def test_batch_row_reconciles_and_records_window(warehouse: Settings, tmp_path: Path) -> None:
    later = {**GOOD, "fetched_at": "2025-01-02T12:00:00+02:00"}
    path = _write_lines(tmp_path / "a.jsonl", [json.dumps(GOOD), json.dumps(later), "oops"])
    with connect(warehouse) as wh:
        res = load_file(wh, path)
        row = wh.query(
            "select total_records, processed_records, failed_records, duplicate_records, "
            "fetch_window_start, fetch_window_end, status, file_sha256 "
            "from raw.ingestion_batches where batch_id = ?",
            [res.batch_id],
        )[0]
    total, processed, failed, duplicate, start, end, status, sha = row
    assert (total, processed, failed, duplicate) == (3, 2, 1, 0)
    assert processed + failed + duplicate == total
    assert start.isoformat().startswith("2025-01-01T00:00:00")
    # the +02:00 offset is honoured, not dropped
    assert end.astimezone().utctimetuple()[:4] == (2025, 1, 2, 10)
    assert status == "completed_with_errors"
    assert sha == res.sha256


def test_reload_same_file_is_a_noop(warehouse: Settings, tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "a.jsonl", [json.dumps(GOOD)])
    with connect(warehouse) as wh:
        first = load_file(wh, path)
        second = load_file(wh, path)
        n = wh.scalar("select count(*) from raw.api_responses")
        batches = wh.scalar("select count(*) from raw.ingestion_batches")
    assert not first.skipped and second.skipped
    assert (n, batches) == (1, 1)


def test_repeated_api_calls_in_another_file_are_duplicates(
    warehouse: Settings, tmp_path: Path
) -> None:
    other = {**GOOD, "fetched_at": "2025-01-03T00:00:00Z"}
    a = _write_lines(tmp_path / "a.jsonl", [json.dumps(GOOD)])
    b = _write_lines(
        tmp_path / "b.jsonl",
        [json.dumps(other), json.dumps(GOOD), json.dumps(other), json.dumps(GOOD, indent=None)],
    )
    with connect(warehouse) as wh:
        load_file(wh, a)
        res = load_file(wh, b)
        processed = wh.scalar(
            "select count(*) from raw.api_responses where processing_status = 'processed'"
        )
    assert (res.total, res.processed, res.duplicate, res.failed) == (4, 1, 3, 0)
    assert processed == 2
    rows = _statuses(warehouse, res.batch_id)
    assert "already landed" in rows[1][2]
    assert "repeats line 1" in rows[2][2]


def test_same_call_fetched_again_is_not_a_duplicate(warehouse: Settings, tmp_path: Path) -> None:
    """A re-fetch (new fetched_at or a changed response) is new information, not a duplicate."""
    changed = {**GOOD, "response": {"data": []}}
    refetched = {**GOOD, "fetched_at": "2025-01-01T00:00:01Z"}
    path = _write_lines(
        tmp_path / "a.jsonl", [json.dumps(GOOD), json.dumps(changed), json.dumps(refetched)]
    )
    with connect(warehouse) as wh:
        res = load_file(wh, path)
    assert res.processed == 3 and res.duplicate == 0


def test_gzip_and_folders(duckdb_warehouse: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "archives" / "nested"
    write_archive(folder / "a.jsonl.gz", [GOOD])
    with gzip.open(folder / "b.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({**GOOD, "fetched_at": "2025-02-01T00:00:00Z"}) + "\n")
    (folder / "notes.txt").write_text("not an archive")
    with connect(duckdb_warehouse) as wh:
        results = load_paths(wh, [tmp_path / "archives"])
    assert [Path(r.path).name for r in results] == ["a.jsonl.gz", "b.jsonl.gz"]
    assert all(r.processed == 1 for r in results)


def test_sample_loads_clean_and_reconciles(duckdb_warehouse: Settings) -> None:
    with connect(duckdb_warehouse) as wh:
        results = load_paths(wh, [SAMPLE_DIR])
        sources = {r[0] for r in wh.query("select distinct source from raw.api_responses")}
    assert results and all(r.reconciles for r in results)
    assert sum(r.failed for r in results) == 0
    assert {"youtube", "x", "tiktok", "mastodon"} <= sources


def _snapshot(settings: Settings) -> list[tuple]:
    with connect(settings) as wh:
        responses = wh.query(
            "select batch_id, line_no, source, endpoint, fetched_at, processing_status, "
            "error_message, response_hash, call_key from raw.api_responses order by 1, 2"
        )
        batches = wh.query(
            "select batch_id, file_sha256, total_records, processed_records, failed_records, "
            "duplicate_records, status from raw.ingestion_batches order by 1"
        )
    return responses + [("batch", *b) for b in batches]


# `trendcast load` in a process that kills itself at one checkpoint of the batch's transaction
_KILLED_LOAD = """
import os, signal, sys
from trendcast.landing import loader
stage, path = sys.argv[1], sys.argv[2]
def kill_at(reached):
    if reached == stage:
        os.kill(os.getpid(), signal.SIGKILL)
loader.checkpoint = kill_at
sys.argv = ["trendcast", "load", path]
from flows.cli import main
main()
"""


@pytest.mark.parametrize("crash_at", ["chunk", "insert", "batch"])
def test_killed_load_leaves_no_trace_and_reload_equals_clean_load(
    warehouse: Settings, tmp_path: Path, crash_at: str
) -> None:
    first = tmp_path / "first.jsonl"
    write_archive(first, [GOOD])
    path = tmp_path / "second.jsonl"
    write_archive(
        path,
        [{**GOOD, "fetched_at": f"2025-01-0{d}T00:00:00Z"} for d in range(1, 8)] + [GOOD],
    )
    with connect(warehouse) as wh:
        load_file(wh, first)
    before = _snapshot(warehouse)

    env = {**os.environ, **warehouse.dbt_env()}
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_LOAD, crash_at, str(path)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0, "the load should have been killed"
    assert _snapshot(warehouse) == before, "a killed load must leave nothing behind"

    with connect(warehouse) as wh:
        load_file(wh, path)
    reloaded = _snapshot(warehouse)

    clean = tmp_path / "clean"
    clean.mkdir()
    # a clean load of the same files into a fresh warehouse gives the same rows
    if warehouse.target == "duckdb":
        fresh = Settings(**{**warehouse.__dict__, "duckdb_path": clean / "w.duckdb"})
        with connect(fresh) as wh:
            load_file(wh, first)
            load_file(wh, path)
        assert _snapshot(fresh) == reloaded
    else:
        rows = [r for r in reloaded if r[0] != "batch"]
        assert len(rows) == 9
        assert sum(1 for r in rows if r[5] == "duplicate") == 2


def test_event_poll_arrays_are_split_losslessly(warehouse: Settings, tmp_path: Path) -> None:
    """A poll's `events` go to raw.response_items one per row; the rest of the response stays in
    raw_json, and the two give back the exact response. Polls whose `events` is not an array,
    other sources, and failed or duplicate lines are not split."""
    events = [
        {"event_id": "e1", "event_type": "view", "watch_duration_seconds": 3.5},
        {"event_id": "e2", "event_type": "like", "hashtags": ["a", "b"]},
        7,
        {"event_id": "e3", "nested": {"k": [1, {"x": None}]}},
    ]
    poll = {
        "source": "platform",
        "endpoint": "events/v1/poll",
        "params": {"partition": 0, "offset": 10},
        "fetched_at": "2025-01-01T00:00:00Z",
        "response": {"events": events, "next_offset": 14, "partition": 0},
    }
    odd = {**poll, "params": {"partition": 1}, "response": {"events": {"not": "a list"}}}
    empty = {**poll, "params": {"partition": 2}, "response": {"events": [], "next_offset": 10}}
    other = {**GOOD, "response": {"events": [1, 2]}}
    lines = [json.dumps(x) for x in (poll, odd, empty, other, poll)]  # the last is a duplicate
    with connect(warehouse) as wh:
        result = load_file(wh, _write_lines(tmp_path / "p.jsonl", lines))
        assert (result.processed, result.duplicate) == (4, 1)
        rows = {
            r[0]: r[1]
            for r in wh.query(
                "select line_no, cast(raw_json as text) from raw.api_responses where batch_id = ?",
                [result.batch_id],
            )
        }
        items = wh.query(
            "select line_no, item_index, cast(item_json as text) from raw.response_items "
            "where batch_id = ? order by line_no, item_index",
            [result.batch_id],
        )
    assert [(r[0], r[1]) for r in items] == [(1, 1), (1, 2), (1, 3), (1, 4)]
    stored = json.loads(rows[1])
    assert "events" not in stored
    assert {**stored, "events": [json.loads(r[2]) for r in items]} == poll["response"]
    assert json.loads(rows[2]) == odd["response"]  # not an array: kept whole
    assert json.loads(rows[3]) == {"next_offset": 10}  # empty array: split into no items
    assert json.loads(rows[4]) == other["response"]  # another source: kept whole


def test_polls_landed_whole_by_an_earlier_version_are_split_on_the_next_load(
    warehouse: Settings, tmp_path: Path
) -> None:
    """A warehouse from before the split keeps whole polls in raw_json and has no items: the next
    load moves it to the current layout, exactly as if the polls had been landed today."""
    events = [{"event_id": f"e{i}", "event_type": "view"} for i in range(5)]
    poll = {
        "source": "platform",
        "endpoint": "events/v1/poll",
        "params": {"partition": 3, "offset": 0},
        "fetched_at": "2025-01-01T00:00:00Z",
        "response": {"events": events, "next_offset": 5},
    }
    path = _write_lines(tmp_path / "old.jsonl", [json.dumps(poll), json.dumps(GOOD)])
    snapshot = (
        "select batch_id, line_no, cast(raw_json as text) from raw.api_responses order by 1, 2",
        "select batch_id, line_no, item_index, cast(item_json as text) from raw.response_items "
        "order by 1, 2, 3",
    )
    with connect(warehouse) as wh:
        load_paths(wh, [path])
        today = [wh.query(q) for q in snapshot]
        # what an earlier version left behind: the whole response, no items
        json_type = "json" if warehouse.target == "duckdb" else "jsonb"
        wh.execute(
            f"update raw.api_responses set raw_json = cast(? as {json_type}) where line_no = 1",
            [json.dumps(poll["response"])],
        )
        wh.execute("delete from raw.response_items")
        load_paths(wh, [path])  # already landed: only the upgrade runs
        after = [wh.query(q) for q in snapshot]
    assert len(today[1]) == 5
    assert [json.loads(r[2]) for r in after[0]] == [json.loads(r[2]) for r in today[0]]
    assert [(r[:3], json.loads(r[3])) for r in after[1]] == [
        (r[:3], json.loads(r[3])) for r in today[1]
    ]
