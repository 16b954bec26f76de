"""Retention (docs/SECURITY.md): horizons per family, dry runs, reconciliation after a purge,
re-delivered files, and marts after a purge (incremental run vs full refresh)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.python.conftest import SAMPLE_DIR
from trendcast.landing import load_paths
from trendcast.retention import load_policy, run_retention, unreconciled_batches
from trendcast.settings import Settings
from trendcast.warehouse import connect

YOUTUBE = SAMPLE_DIR / "youtube"
# the YouTube sample ends on 2025-10-27: 30 days of raw retention from here keep about its
# second half (fetches from 2025-10-06 on)
AS_OF = datetime(2025, 11, 5, tzinfo=UTC)
CUTOFF = AS_OF - timedelta(days=30)


def test_policy_file_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_policy()
    assert defaults["raw"]["days"] == 30 and defaults["features"]["days"] == 365
    (tmp_path / "p.yml").write_text("raw:\n  sources:\n    youtube: 3\n")
    monkeypatch.setenv("TRENDCAST_RETENTION_FILE", str(tmp_path / "p.yml"))
    merged = load_policy()
    assert merged["raw"]["sources"] == {"platform": 14, "youtube": 3}  # merged, not replaced
    assert merged["raw"]["days"] == 30


def test_raw_retention_keeps_batches_reconciled(warehouse: Settings) -> None:
    with connect(warehouse) as wh:
        first = load_paths(wh, [YOUTUBE])
        total = wh.scalar("select count(*) from raw.api_responses")
        old = wh.scalar("select count(*) from raw.api_responses where fetched_at < ?", [CUTOFF])
        assert 0 < old < total

        dry = run_retention(wh, dry_run=True, as_of=AS_OF, families=["raw"])
        assert {r.table: r.rows for r in dry}["raw.api_responses"] == old
        assert wh.scalar("select count(*) from raw.api_responses") == total  # nothing changed

        done = run_retention(wh, as_of=AS_OF, families=["raw"])
        assert {r.table: r.rows for r in done}["raw.api_responses"] == old
        assert wh.scalar("select count(*) from raw.api_responses") == total - old
        assert (
            wh.scalar("select count(*) from raw.api_responses where fetched_at < ?", [CUTOFF]) == 0
        )
        # every batch record stays, with its counts, and says how much of it was purged
        assert wh.scalar("select count(*) from raw.ingestion_batches") == len(first)
        assert wh.scalar("select sum(purged_records) from raw.ingestion_batches") == old
        assert unreconciled_batches(wh) == []
        logged = wh.query(
            "select dry_run, rows_deleted from ops.retention_runs "
            "where table_name = 'raw.api_responses' order by dry_run"
        )
        assert logged == [(False, old), (True, old)]

        # a re-delivered file (same bytes) is still recognised: a no-op, nothing re-landed
        again = load_paths(wh, [YOUTUBE])
        assert all(r.skipped for r in again)
        assert wh.scalar("select count(*) from raw.api_responses") == total - old

        # a second run finds nothing more
        assert all(r.rows == 0 for r in run_retention(wh, as_of=AS_OF, families=["raw"]))


def test_retention_is_one_transaction_per_family(
    duckdb_warehouse: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trendcast.retention as retention

    with connect(duckdb_warehouse) as wh:
        load_paths(wh, [YOUTUBE])
        total = wh.scalar("select count(*) from raw.api_responses")
        original = retention.FAMILIES["raw"]

        def purge_then_fail(*args):
            original(*args)
            raise RuntimeError("killed after the deletes")

        monkeypatch.setitem(retention.FAMILIES, "raw", purge_then_fail)
        with pytest.raises(RuntimeError):
            run_retention(wh, as_of=AS_OF, families=["raw"])
        assert wh.scalar("select count(*) from raw.api_responses") == total
        assert unreconciled_batches(wh) == []


def test_small_batches_delete_the_same_rows(duckdb_warehouse: Settings) -> None:
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, [YOUTUBE])
        policy = load_policy()
        policy["batch_size"] = 7  # many statements inside the one transaction
        old = wh.scalar("select count(*) from raw.api_responses where fetched_at < ?", [CUTOFF])
        rows = {r.table: r.rows for r in run_retention(wh, policy, as_of=AS_OF, families=["raw"])}
        assert rows["raw.api_responses"] == old
        assert unreconciled_batches(wh) == []


@pytest.mark.slow
def test_marts_after_retention_incremental_and_full_refresh(
    built_duckdb: Settings, tmp_path: Path
) -> None:
    """After a purge the incremental model still builds and keeps its history; a full refresh
    rebuilds exactly the same rows for the retained period."""
    from flows.dbt import run_dbt

    settings = replace(built_duckdb, duckdb_path=tmp_path / "copy.duckdb")
    shutil.copy(built_duckdb.duckdb_path, settings.duckdb_path)
    model = "trends.video_metric_snapshots"
    cols = "video_id, fetched_at, view_count, like_count"
    with connect(settings) as wh:
        before = wh.scalar(f"select count(*) from {model}")
        run_retention(wh, as_of=AS_OF, families=["raw", "snapshots"])
    run_dbt(["run", "--select", "+video_metric_snapshots"], settings)
    with connect(settings) as wh:
        incremental = wh.query(f"select {cols} from {model} order by 1, 2")
        assert len(incremental) == before  # history kept by the incremental model
    run_dbt(["run", "--full-refresh", "--select", "+video_metric_snapshots"], settings)
    with connect(settings) as wh:
        full = wh.query(f"select {cols} from {model} order by 1, 2")

    def kept(rows: list[tuple]) -> list[tuple]:
        return [r for r in rows if r[1] >= (CUTOFF if r[1].tzinfo else CUTOFF.replace(tzinfo=None))]

    assert 0 < len(full) < len(incremental)
    assert len(kept(full)) > 0 and kept(full) == kept(incremental)


def test_every_family_runs_and_dry_run_matches(duckdb_warehouse: Settings) -> None:
    """All registered families (the domains harvester's too) run on a warehouse that lacks
    their tables, and a dry run reports what the real run then deletes."""
    from flows.lifecycle_flows import register_families
    from trendcast.retention import FAMILIES

    register_families()
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, [YOUTUBE])
        dry = {(r.family, r.table): r.rows for r in run_retention(wh, dry_run=True, as_of=AS_OF)}
        done = {(r.family, r.table): r.rows for r in run_retention(wh, as_of=AS_OF)}
    assert dry == done
    assert {"raw", "features", "snapshots", "domains", "mastodon_snapshots"} <= set(FAMILIES)
    assert done["raw", "raw.api_responses"] > 0
