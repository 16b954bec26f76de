"""Concurrent loads and builds: the outcome equals a serial run.

In one process, landing transactions on Postgres take an advisory lock (two loads of a file land
it once); a second process opening a DuckDB file in use is refused with one clear line. Between
commands (load, build, erase, retention), the warehouse writer lock makes the second wait for the
first, on both targets, or give up with one clear line when its wait runs out."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from tests.python.conftest import SAMPLE_DIR
from trendcast.landing import load_paths
from trendcast.retention import unreconciled_batches
from trendcast.settings import Settings
from trendcast.warehouse import connect
from trendcast.writer_lock import WriterBusyError, writer_lock

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


# -- commands at once: the writer lock (trendcast/writer_lock.py) makes them one after another --
US = next((SAMPLE_DIR / "youtube").glob("*US*.jsonl.gz"))
# a view over raw and the table built from it: enough to see which raw rows a build saw
BUILD_SELECTION = ["--select", "stg_youtube__video_snapshots", "int_youtube_chart_entries_daily"]


def _cli(settings: Settings, *args: str, wait: float | None = None) -> subprocess.Popen:
    env = {**os.environ, **settings.dbt_env()}
    if wait is not None:
        env["TRENDCAST_WRITER_LOCK_WAIT"] = str(wait)
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err


def _lock_held(settings: Settings) -> bool:
    try:
        with writer_lock(settings, "probe", timeout=0):
            return False
    except WriterBusyError:
        return True


def _serial_state(tmp_path: Path, paths: list[Path]) -> list[tuple]:
    """The same files landed one after the other, in a DuckDB file of their own."""
    reference = replace(Settings.from_env("duckdb"), duckdb_path=tmp_path / "serial.duckdb")
    with connect(reference) as wh:
        for path in paths:
            load_paths(wh, [path])
    return _state(reference)


@pytest.mark.slow  # a dbt build in a subprocess
def test_load_during_build_waits_and_equals_a_serial_run(
    warehouse: Settings, tmp_path: Path
) -> None:
    with connect(warehouse) as wh:
        load_paths(wh, [GB])
    build = _cli(warehouse, "build", *BUILD_SELECTION)
    deadline = time.monotonic() + 120
    while not _lock_held(warehouse):  # the build has started writing
        assert build.poll() is None, _finish(build)[1]
        assert time.monotonic() < deadline, "the build never took the writer lock"
        time.sleep(0.05)
    load = _cli(warehouse, "load", str(US))
    build_rc, build_out = _finish(build)
    load_rc, load_out = _finish(load)
    assert build_rc == 0, build_out
    assert load_rc == 0, load_out
    assert "waiting for the warehouse writer lock, held by" in load_out  # it did wait
    if warehouse.target == "duckdb":
        assert "held by build (pid" in load_out
    # as serially: the build saw only what was landed before it, the load landed everything once
    assert _state(warehouse) == _serial_state(tmp_path, [GB, US])
    with connect(warehouse) as wh:
        regions = wh.query(
            "select distinct region_code from intermediate.int_youtube_chart_entries_daily"
        )
        assert regions == [("GB",)]


def test_loads_at_once_equal_a_serial_run(warehouse: Settings, tmp_path: Path) -> None:
    # the same file twice and another file, as three commands started together
    procs = [_cli(warehouse, "load", str(path)) for path in (GB, GB, US)]
    outcomes = [_finish(p, 300) for p in procs]
    assert [rc for rc, _ in outcomes] == [0, 0, 0], outcomes
    assert _state(warehouse) == _serial_state(tmp_path, [GB, US])
    with connect(warehouse) as wh:
        assert wh.scalar("select count(*) from raw.ingestion_batches") == 2
        assert unreconciled_batches(wh) == []


def test_second_writer_gives_up_with_one_clear_line(warehouse: Settings) -> None:
    with writer_lock(warehouse, "build"):  # a build that outlasts the load's patience
        rc, out = _finish(_cli(warehouse, "load", str(GB), wait=1), 120)
    assert rc == 1
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0].startswith("waiting for the warehouse writer lock")
    assert lines[1].startswith("error: load: the warehouse writer lock") and "gave up" in lines[1]
    assert len(lines) == 3 and lines[2].startswith("hint: ")  # no traceback
    with connect(warehouse) as wh:
        assert not wh.table_exists("raw", "ingestion_batches") or not wh.scalar(
            "select count(*) from raw.ingestion_batches"
        )
