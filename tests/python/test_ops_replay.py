"""`trendcast serve --replay` over a short simulated feed, then a killed hourly run and the run
that catches it up (DuckDB; starts from a copy of the session's built sample warehouse, so
every cycle is an incremental one)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trendcast.settings import PROJECT_DIR
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow
STAMPS = ["available_at", "landed_at", "built_at", "features_at", "scored_at", "published_at"]


def _simulate(out: Path) -> None:
    from trendcast.simulator import SimConfig, simulate

    cfg = SimConfig(start=datetime(2025, 6, 1, tzinfo=UTC), hours=2, scale="tiny", events=None,
                    seed=5, sources=("platform", "tiktok"))  # fmt: skip
    simulate(cfg, out, None)


def _with_new_key(src: Path, dest: Path) -> None:
    """One TikTok call of `src` fetched a second after the last call of `src`, its videos carrying
    a new field: the newer response, so the field is recorded as added, not as vanished."""
    with gzip.open(src, "rt") as fh:
        lines = [json.loads(raw) for raw in fh if raw.strip()]
    line = lines[0]
    fetched = max(datetime.fromisoformat(x["fetched_at"].replace("Z", "+00:00")) for x in lines)
    line["fetched_at"] = (fetched + timedelta(seconds=1)).isoformat()
    for video in line["response"]["data"]["videos"]:
        video["ai_generated_label"] = False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(dest, "wt") as fh:
        fh.write(json.dumps(line) + "\n")


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("feed")
    _simulate(root / "sim")
    replay = root / "replay"
    late = root / "late"
    for p in (root / "sim").rglob("*.jsonl.gz"):
        # hour 00 is replayed; hour 01's platform poll arrives later (the killed run's file)
        dest = (replay if p.name.endswith("T00.jsonl.gz") else late) / p.parent.name / p.name
        if "T01" in p.name and p.parent.name != "platform":
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
    _with_new_key(
        next((replay / "tiktok").glob("*.jsonl.gz")),
        replay / "tiktok" / "tiktok_20250601T00b.jsonl.gz",
    )
    return {"replay": replay, "late": late}


@pytest.fixture
def live_warehouse(built_duckdb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "live.duckdb"
    shutil.copy(built_duckdb.duckdb_path, path)
    monkeypatch.setenv("TRENDCAST_TARGET", "duckdb")
    monkeypatch.setenv("TRENDCAST_DUCKDB_PATH", str(path))
    monkeypatch.setenv("TRENDCAST_ALERT_STATE", str(tmp_path / "alerts.json"))
    monkeypatch.delenv("TRENDCAST_ALERT_URL", raising=False)
    monkeypatch.setenv("TRENDCAST_PUBLISHED_PATH", str(tmp_path / "published" / "reader.duckdb"))
    from trendcast.settings import Settings

    return Settings.from_env("duckdb")


def _latency(settings) -> list[dict]:
    with connect(settings) as wh:
        df = wh.query_df(
            "select l.*, b.file_path as batch_file from ops.processing_latency as l "
            "join raw.ingestion_batches as b using (batch_id) order by l.landed_at"
        )
    return df.to_dict("records")


def test_replay_lands_builds_scores_and_publishes_each_file_once_then_a_killed_run_is_caught_up(
    feed, live_warehouse, tmp_path: Path
) -> None:
    from flows.cli import app

    inbox = tmp_path / "inbox"
    args = ["serve", "--replay", str(feed["replay"]), "--speed", "1000000",
            "--inbox", str(inbox), "--no-features"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cycle failed" not in result.output

    replayed = sorted(p.name for p in feed["replay"].rglob("*.jsonl.gz"))
    rows = _latency(live_warehouse)
    assert sorted(Path(r["batch_file"]).name for r in rows) == replayed  # each file once
    for r in rows:
        stamps = [r[c] for c in STAMPS]
        assert all(s is not None and s == s for s in stamps), r
        assert stamps == sorted(stamps), r  # available <= landed <= built <= ... <= published
        assert r["is_replay"]
        assert r["available_at"] == r["arrived_at"]  # replay: arrival is the fetch moment

    assert (tmp_path / "published" / "reader.duckdb").exists()  # the reader copy
    with connect(live_warehouse) as wh:
        # published: the latency mart over them, p50 <= p95 per source and day
        mart = wh.query_df("select * from ops_marts.processing_latency_daily")
        assert int(mart["published_batches"].sum()) == len(rows)
        assert (mart["p50_latency_seconds"] <= mart["p95_latency_seconds"]).all()
        # the file whose videos gained a field: recorded as a schema change of that endpoint
        changes = wh.query(
            "select source, endpoint, change, key_path from ops.schema_changes order by 4"
        )
        assert (
            "tiktok",
            "research.video.query",
            "added",
            "data.videos[].ai_generated_label",
        ) in changes

    # a later file, and an hourly run killed after building and scoring it (in publish)
    for p in feed["late"].rglob("*.jsonl.gz"):
        (inbox / p.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(p, inbox / p.parent.name / p.name)
    script = textwrap.dedent(
        f"""
        import os, signal
        import flows.live as live
        live._publisher = lambda: (lambda settings: os.kill(os.getpid(), signal.SIGKILL))
        live.hourly(paths=[{str(inbox)!r}], target="duckdb", features=False)
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, env=dict(os.environ),
                            capture_output=True, text=True, timeout=900)  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    late_rows = [r for r in _latency(live_warehouse) if r["published_at"] is None]
    assert len(late_rows) == 1 and late_rows[0]["built_at"] is not None
    killed_built_at = late_rows[0]["built_at"]

    from flows.live import hourly

    summary = hourly(paths=[str(inbox)], target="duckdb", features=False, lock_timeout=5)
    assert summary["land"]["landed"] == []  # nothing landed twice
    rows = _latency(live_warehouse)
    assert all(r["published_at"] is not None for r in rows)
    (late,) = [r for r in rows if r["batch_id"] == late_rows[0]["batch_id"]]
    assert late["built_at"] == killed_built_at  # stamps of the killed run were kept
    with connect(live_warehouse) as wh:
        assert (
            wh.scalar(
                "select count(*) from raw.ingestion_batches where batch_id = ?", [late["batch_id"]]
            )
            == 1
        )
        # its events reached the incremental fact, once (the hourly key tests passed too)
        n, distinct = wh.query(
            "select count(*), count(distinct event_id) from core.fact_content_engagements "
            "where batch_id = ?",
            [late["batch_id"]],
        )[0]
        assert n > 0 and n == distinct
