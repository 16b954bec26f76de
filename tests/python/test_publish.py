"""The published reader copy: complete, atomic, never blocked by a reader, read-only on Postgres."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import psycopg
import pytest

from trendcast.publish import DASHBOARD_ROLE, READER_ROLE, publish, published_path
from trendcast.settings import Settings
from trendcast.warehouse import connect


def _seed(settings: Settings, version: int, rows: int = 200) -> None:
    """A working warehouse in the shape publish reads: marts, ml, raw, staging.

    Two mart tables carry the same `version`, so a reader can tell a consistent copy from a
    half-written one.
    """
    with connect(settings) as wh:
        for schema in ("core", "ml_marts", "raw", "staging"):
            wh.execute(f"create schema if not exists {schema}")
        wh.execute("drop table if exists core.facts")
        wh.execute(
            f"create table core.facts as select g as id, {version} as version "
            f"from generate_series(1, {rows + version}) as t(g)"
        )
        wh.execute("drop table if exists ml_marts.stamp")
        wh.execute(
            f"create table ml_marts.stamp as select {version} as version, "
            f"{rows + version} as expected_rows"
        )
        wh.execute("drop view if exists staging.stg_view")
        wh.execute("drop table if exists staging.stg_table")
        wh.execute("create table staging.stg_table as select 1 as x")
        wh.execute("drop table if exists raw.ingestion_batches")
        wh.execute("create table raw.ingestion_batches as select 'b1' as batch_id, 3 as total")
        wh.execute("drop table if exists raw.api_responses")
        wh.execute(
            "create table raw.api_responses as select * from (values "
            "('b1', 1, 'youtube', 'youtube/v3/videos', timestamp '2025-09-01 10:00:00', "
            "timestamp '2025-09-01 11:00:00', 'processed', null, null), "
            "('b1', 2, 'youtube', 'youtube/v3/videos', timestamp '2025-09-01 10:05:00', "
            "timestamp '2025-09-01 11:00:00', 'duplicate', null, null), "
            "('b1', 3, null, null, null, timestamp '2025-09-01 11:00:00', 'failed', "
            "'not JSON: Expecting value', '{broken')) as v(batch_id, line_no, source, endpoint, "
            "fetched_at, loaded_at, processing_status, error_message, raw_line)"
        )


def test_publish_copies_marts_and_a_landing_digest(duckdb_warehouse: Settings, tmp_path: Path):
    _seed(duckdb_warehouse, version=1)
    target = tmp_path / "pub" / "trendcast.duckdb"
    result = publish(duckdb_warehouse, target)
    assert result.location == str(target)
    assert target.exists() and not Path(str(target) + ".wal").exists()
    assert not list(target.parent.glob(".*tmp*")), "no temporary file is left behind"
    con = duckdb.connect(str(target), read_only=True)
    try:
        tables = set(
            con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        )
        names = {t for (t,) in tables}
        assert {"core.facts", "ml_marts.stamp"} <= names
        assert not {n for n in names if n.split(".")[0] in ("raw", "staging")}
        assert con.execute("select count(*) from core.facts").fetchone()[0] == 201
        by_status = dict(
            con.execute(
                "select processing_status, sum(records) from landing.records_by_status group by 1"
            ).fetchall()
        )
        assert by_status == {"processed": 1, "duplicate": 1, "failed": 1}
        failed = con.execute(
            "select error_message, raw_line_head from landing.failed_lines"
        ).fetchall()
        assert failed == [("not JSON: Expecting value", "{broken")]
        storage = con.execute(
            "select tags['storage_version'] from duckdb_databases() where not internal "
            "and database_name = 'trendcast'"
        ).fetchone()[0]
    finally:
        con.close()
    assert storage.startswith("v1.0.0"), storage
    assert result.storage_version.startswith("v1.0.0")
    assert result.tables == len(names)


def _published(target: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(target), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_publish_rewrites_only_the_tables_that_changed(duckdb_warehouse: Settings, tmp_path: Path):
    _seed(duckdb_warehouse, version=1)
    with connect(duckdb_warehouse) as wh:
        wh.execute("create schema if not exists analytics")
        wh.execute("create table analytics.steady as select g as id from range(50) as t(g)")
        wh.execute("create table analytics.gone as select 1 as id")
    target = tmp_path / "trendcast.duckdb"
    first = publish(duckdb_warehouse, target)
    assert (first.copied, first.reused) == (4, 0)
    manifest = "select table_schema || '.' || table_name, row_count, copied_at from landing.published_tables"
    before = {t: (rows, at) for t, rows, at in _published(target, manifest)}
    assert set(before) == {"core.facts", "ml_marts.stamp", "analytics.steady", "analytics.gone"}

    # one table changes (same row count, other values), one is dropped, the rest stay
    with connect(duckdb_warehouse) as wh:
        wh.execute("update core.facts set version = 7 where id = 1")
        wh.execute("drop table analytics.gone")
    second = publish(duckdb_warehouse, target)
    assert (second.copied, second.reused) == (1, 2)
    after = {t: (rows, at) for t, rows, at in _published(target, manifest)}
    assert set(after) == {"core.facts", "ml_marts.stamp", "analytics.steady"}
    assert after["analytics.steady"] == before["analytics.steady"]
    assert after["core.facts"][1] >= before["core.facts"][1]
    names = {
        t
        for (t,) in _published(
            target, "select table_schema || '.' || table_name from information_schema.tables"
        )
    }
    assert "analytics.gone" not in names
    assert _published(target, "select max(version), count(*) from core.facts") == [(7, 201)]
    assert _published(target, "select count(*) from analytics.steady") == [(50,)]

    # a copy altered after publishing (a reader wrote to it) is caught by its own fingerprint
    con = duckdb.connect(str(target))
    con.execute("delete from analytics.steady where id < 10")
    con.close()
    third = publish(duckdb_warehouse, target)
    assert (third.copied, third.reused) == (1, 2)
    assert _published(target, "select count(*) from analytics.steady") == [(50,)]

    # full=True writes everything afresh
    fourth = publish(duckdb_warehouse, target, full=True)
    assert (fourth.copied, fourth.reused) == (3, 0)


def test_published_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TRENDCAST_PUBLISHED_PATH", str(tmp_path / "x.duckdb"))
    assert published_path(Settings.from_env("duckdb")) == tmp_path / "x.duckdb"
    monkeypatch.delenv("TRENDCAST_PUBLISHED_PATH")
    default = published_path(Settings.from_env("duckdb"))
    assert default.parts[-3:] == ("warehouse", "published", "trendcast.duckdb")


_READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb
    path, mode, stop_file = sys.argv[1], sys.argv[2], sys.argv[3]
    seen, errors, queries = set(), [], 0
    con = duckdb.connect(path, read_only=True) if mode == "hold" else None
    deadline = time.time() + 900  # a safety net only: the test stops the loop
    while not os.path.exists(stop_file) and time.time() < deadline:
        try:
            c = con or duckdb.connect(path, read_only=True)
            version, expected = c.execute(
                "select version, expected_rows from ml_marts.stamp").fetchone()
            rows, versions = c.execute(
                "select count(*), count(distinct version) from core.facts").fetchone()
            fact_version = c.execute("select max(version) from core.facts").fetchone()[0]
            if con is None:
                c.close()
            queries += 1
            if rows != expected or versions != 1 or fact_version != version:
                errors.append(f"inconsistent copy: {version} {expected} {rows} {fact_version}")
            if version not in seen:
                with open(stop_file + "." + mode + ".last", "w") as marker:
                    marker.write(str(version))
            seen.add(version)
            if queries == 1:
                open(stop_file + "." + mode + ".ready", "w").close()
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.01)
    print(json.dumps({"seen": sorted(seen), "errors": errors[:5], "queries": queries}))
    """
)


def test_readers_never_block_publishes_nor_see_half_a_copy(
    duckdb_warehouse: Settings, tmp_path: Path
):
    """One reader holds the published file open, one reopens it for every query, both querying
    in a loop while the pipeline rebuilds and publishes three times."""
    target = tmp_path / "published" / "trendcast.duckdb"
    _seed(duckdb_warehouse, version=1)
    publish(duckdb_warehouse, target)
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", _READER, str(target), mode, str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for mode in ("hold", "reopen")
    }
    ready = [tmp_path / f"stop.{mode}.ready" for mode in readers]
    deadline = time.time() + 60
    while not all(p.exists() for p in ready) and time.time() < deadline:
        time.sleep(0.05)  # both readers have queried the first copy before it is replaced
    for version in range(2, 5):
        _seed(duckdb_warehouse, version=version, rows=5_000)  # the working file stays writable
        publish(duckdb_warehouse, target)  # never blocked by the readers
        time.sleep(0.3)
    last = tmp_path / "stop.reopen.last"
    deadline = time.time() + 60
    while time.time() < deadline and not (last.exists() and last.read_text() == "4"):
        time.sleep(0.05)  # the reopening reader reaches the final copy before the loops stop
    stop.touch()
    outputs = {}
    for mode, proc in readers.items():
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        outputs[mode] = json.loads(out)
    for mode, out in outputs.items():
        assert out["errors"] == [], (mode, out)
        assert out["queries"] > 10, (mode, out)
    # the holding reader keeps its consistent snapshot; the reopening one follows the publishes
    assert outputs["hold"]["seen"] == [1]
    assert outputs["reopen"]["seen"][-1] == 4 and len(outputs["reopen"]["seen"]) >= 3


@pytest.mark.postgres
def test_postgres_readers_use_a_read_only_role(pg_warehouse: Settings):
    _seed(pg_warehouse, version=1, rows=5)
    result = publish(pg_warehouse)
    assert result.reader_role == READER_ROLE
    conninfo = dict(
        host=pg_warehouse.pg_host,
        port=pg_warehouse.pg_port,
        user=DASHBOARD_ROLE,
        dbname=pg_warehouse.pg_dbname,
        autocommit=True,
    )
    with psycopg.connect(**conninfo) as con:
        assert con.execute("select count(*) from core.facts").fetchone()[0] == 6
        status = dict(
            con.execute(
                "select processing_status, sum(records) from landing.records_by_status group by 1"
            ).fetchall()
        )
        assert status == {"processed": 1, "duplicate": 1, "failed": 1}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("select raw_line from raw.api_responses")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("create table core.nope (x int)")
        with pytest.raises(
            (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)
        ):
            con.execute("delete from core.facts")
    # a table the next build creates is readable without another grant
    with connect(pg_warehouse) as wh:
        wh.execute("create table ml_marts.later as select 1 as x")
    with psycopg.connect(**conninfo) as con:
        assert con.execute("select x from ml_marts.later").fetchone()[0] == 1


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    from trendcast.settings import PROJECT_DIR

    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_publishes_and_the_dashboard_refuses_to_start_without_a_copy(
    duckdb_warehouse: Settings, tmp_path: Path
):
    target = tmp_path / "readers" / "copy.duckdb"
    env = {"TRENDCAST_PUBLISHED_PATH": str(target)}
    proc = _cli(["dashboard", "--port", "1"], env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"no published warehouse at {target}" in proc.stderr.replace("\n", "")
    _seed(duckdb_warehouse, version=3)
    proc = _cli(["publish"], env)
    assert proc.returncode == 0, proc.stderr
    assert str(target) in proc.stdout.replace("\n", "") and "storage v1.0.0" in proc.stdout
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("select version from ml_marts.stamp").fetchone()[0] == 3
    finally:
        con.close()


def test_publish_told_what_changed_reads_only_that_and_verifies_the_rest_on_schedule(
    duckdb_warehouse: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The hourly cycle passes what it wrote: the other tables of the last copy are kept
    unread (so a write the cycle did not report stays unpublished), the reported ones are
    compared and copied, and a kept table is re-read once it is due for verification."""
    _seed(duckdb_warehouse, version=1)
    with connect(duckdb_warehouse) as wh:
        wh.execute("create schema if not exists analytics")
        wh.execute("create table analytics.steady as select g as id from range(50) as t(g)")
    target = tmp_path / "trendcast.duckdb"
    first = publish(duckdb_warehouse, target, changed=["core.facts"])  # no copy yet: all of it
    assert (first.copied, first.checked) == (3, 3)

    with connect(duckdb_warehouse) as wh:
        wh.execute("update core.facts set version = 7 where id = 1")
        wh.execute("delete from analytics.steady where id < 5")  # not reported below
    second = publish(duckdb_warehouse, target, changed=["core.facts", "ml_marts.*"])
    assert (second.copied, second.reused, second.checked) == (1, 2, 2)
    assert _published(target, "select max(version) from core.facts") == [(7,)]
    assert _published(target, "select count(*) from analytics.steady") == [(50,)]

    # due for verification: the longest-unverified table is re-read (one per publish here)
    monkeypatch.setenv("TRENDCAST_PUBLISH_VERIFY_SECONDS", "0")
    third = publish(duckdb_warehouse, target, changed=[])
    assert third.checked == 1
    fourth = publish(duckdb_warehouse, target, changed=[])
    assert fourth.checked == 1
    fifth = publish(duckdb_warehouse, target, changed=[])
    assert fifth.checked == 1
    assert _published(target, "select count(*) from analytics.steady") == [(45,)]
    verified = "select count(*) from landing.published_tables where verified_at is null"
    assert _published(target, verified) == [(0,)]

    # without `changed` every table is compared, as before
    monkeypatch.delenv("TRENDCAST_PUBLISH_VERIFY_SECONDS")
    assert publish(duckdb_warehouse, target).checked == 3


def test_a_cycle_trusts_its_own_list_only_if_nothing_wrote_since_the_last_one(
    duckdb_warehouse: Settings,
):
    from trendcast.publish import record_cycle_end, unchanged_since_cycle

    _seed(duckdb_warehouse, version=1)
    assert not unchanged_since_cycle(duckdb_warehouse)  # no cycle ended yet
    record_cycle_end(duckdb_warehouse)
    with connect(duckdb_warehouse) as wh:  # read only: still the file the cycle left
        wh.scalar("select count(*) from core.facts")
    assert unchanged_since_cycle(duckdb_warehouse)
    assert not unchanged_since_cycle(duckdb_warehouse)  # consumed: a killed cycle records none

    record_cycle_end(duckdb_warehouse)
    with connect(duckdb_warehouse) as wh:  # another writer (the daily flow, an erasure)
        wh.execute("update core.facts set version = 9 where id = 2")
    assert not unchanged_since_cycle(duckdb_warehouse)
