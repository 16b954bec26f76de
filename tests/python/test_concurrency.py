"""Concurrent loads: the outcome equals a serial run (Postgres), or the second writer is refused
with one clear line (DuckDB)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.python.conftest import SAMPLE_DIR
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.warehouse import connect

GB = next((SAMPLE_DIR / "youtube").glob("*GB*.jsonl.gz"))


def _at_once(settings: Settings, paths: list[Path]) -> list:
    def one(path: Path):
        with connect(settings) as wh:
            return load_paths(wh, [path])[0]

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(one, paths))


def _state(settings: Settings) -> list[tuple]:
    with connect(settings) as wh:
        return wh.query(
            "select call_key, processing_status, count(*) from raw.api_responses "
            "group by 1, 2 order by 1, 2"
        )


def test_postgres_same_file_twice_at_once_lands_once(pg_warehouse: Settings) -> None:
    results = _at_once(pg_warehouse, [GB, GB])
    assert sorted(r.skipped for r in results) == [False, True]
    with connect(pg_warehouse) as wh:
        assert wh.scalar("select count(*) from raw.ingestion_batches") == 1
        lines = wh.scalar("select count(*) from raw.api_responses")
    assert lines == results[0].total


def test_postgres_files_sharing_calls_at_once_equal_serial(
    pg_warehouse: Settings, tmp_path: Path
) -> None:
    # a second delivery of the same calls under other bytes: every call in it is a duplicate
    again = tmp_path / "again.jsonl.gz"
    again.write_bytes(gzip.compress(gzip.decompress(GB.read_bytes()) + b"\n"))
    results = _at_once(pg_warehouse, [GB, again])
    assert all(not r.skipped and r.reconciles for r in results)
    state = _state(pg_warehouse)
    processed = [k for k, status, n in state if status == "processed"]
    assert len(processed) == len(set(processed))  # each call processed once, as serially
    assert all(n == 1 for _, status, n in state if status == "processed")
    assert sorted(r.processed for r in results)[0] == 0  # the later one holds only duplicates
    assert sorted(r.duplicate for r in results)[-1] == results[0].processed + results[1].processed


def test_duckdb_second_writer_gets_one_clear_line(duckdb_warehouse: Settings) -> None:
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, [GB])  # the test process holds the file open for writing
        run = subprocess.run(
            [sys.executable, "-m", "flows.cli", "load", str(GB)],
            env={**os.environ, **duckdb_warehouse.dbt_env()},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: ") and "in use by another process" in lines[0]
    assert len(lines) == 2 and lines[1].startswith("hint: ")  # no traceback
