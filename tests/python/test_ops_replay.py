"""`trendcast serve --replay` end to end on DuckDB: a short simulated feed replayed through the
hourly flow lands each file once, builds, scores and publishes it, stamps every stage in
ops.processing_latency, fills the latency mart and ops.source_freshness, and records a schema
change carried by one replayed response.

Starts from a copy of the session's built sample warehouse (every cycle is an incremental one)
with a production model trained on the sample's chart days up to three days before its last,
so the score stage has first appearances to score and predictions reach the published marts.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trendcast.warehouse import connect

pytestmark = pytest.mark.slow
STAMPS = ["available_at", "landed_at", "built_at", "features_at", "scored_at", "published_at"]


def _with_new_key(src: Path, dest: Path) -> None:
    """One TikTok call of `src` fetched a second after the last call of `src`, its videos carrying
    a new field: the newer response, so the field is recorded as added, not as vanished."""
    with gzip.open(src, "rt") as fh:
        lines = [json.loads(raw) for raw in fh if raw.strip()]
    # the simulator plants bad lines (an epoch number for a fetch time): read the good ones
    times = [x["fetched_at"] for x in lines if isinstance(x.get("fetched_at"), str)]
    fetched = max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times)
    line = next(x for x in lines if x["endpoint"].startswith("v2/research/video/query"))
    line["fetched_at"] = (fetched + timedelta(seconds=1)).isoformat()
    for video in line["response"]["data"]["videos"]:
        video["ai_generated_label"] = False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(dest, "wt") as fh:
        fh.write(json.dumps(line) + "\n")


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One simulated hour of the platform stream and TikTok, plus the file with a new field."""
    from trendcast.simulator import SimConfig, simulate

    root = tmp_path_factory.mktemp("feed")
    cfg = SimConfig(start=datetime(2025, 6, 1, tzinfo=UTC), hours=1, scale="tiny", events=None,
                    seed=5, sources=("platform", "tiktok"))  # fmt: skip
    simulate(cfg, root / "sim", None)
    replay = root / "replay"
    for p in (root / "sim").rglob("*.jsonl.gz"):
        dest = replay / p.parent.name / p.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
    tiktok = sorted((replay / "tiktok").glob("*.jsonl.gz"))
    _with_new_key(
        tiktok[0], replay / "tiktok" / (tiktok[0].name[: -len(".jsonl.gz")] + "b.jsonl.gz")
    )
    return replay


def train_before_the_last_chart_days(settings, days: int = 3) -> str:
    """A production model whose training data ends `days` chart days before the warehouse's
    last: the hourly score stage then has first appearances it did not train on."""
    import pandas as pd

    from python_ml.virality.features import load_examples
    from python_ml.virality.train import train_production

    with connect(settings) as wh:
        last = max(load_examples(wh)["as_of_date"])
        result = train_production(wh, settings, pd.Timestamp(last).date() - timedelta(days=days))
    assert result["status"] == "ok", result
    return result["model_version"]


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


def test_replay_lands_builds_scores_publishes_and_tracks_freshness_and_schema(
    feed: Path, live_warehouse, tmp_path: Path
) -> None:
    from flows.cli import app

    version = train_before_the_last_chart_days(live_warehouse)
    started = datetime.now(UTC)
    inbox = tmp_path / "inbox"
    # at 10^9 x real time the feed's hour is due within microseconds: one cycle carries it all
    args = ["serve", "--replay", str(feed), "--speed", "1e9", "--inbox", str(inbox),
            "--no-features"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cycle failed" not in result.output, result.output
    assert "cycle 1: released 3 files, landed 3 batches" in result.output, result.output

    # every replayed file landed once, each stage stamped in order
    replayed = sorted(p.name for p in feed.rglob("*.jsonl.gz"))
    rows = _latency(live_warehouse)
    assert sorted(Path(r["batch_file"]).name for r in rows) == replayed
    for r in rows:
        stamps = [r[c] for c in STAMPS]
        assert all(s is not None and s == s for s in stamps), r
        assert stamps == sorted(stamps), r  # available <= landed <= built <= ... <= published
        assert r["is_replay"]
        assert r["available_at"] == r["arrived_at"]  # replay: arrival is the due moment
    assert not list(inbox.rglob("*.part"))

    with connect(live_warehouse) as wh:
        # predictions: scored in the cycle by the production model, in the published mart
        scored = wh.scalar(
            "select count(*) from ml.predictions where model_version = ? and scored_at >= ?",
            [version, started],
        )
        assert scored > 0
        in_mart = wh.scalar(
            "select count(*) from ml_marts.trending_predictions where model_version = ?", [version]
        )
        assert in_mart > 0
        # the latency mart counts every published batch, p50 <= p95 per source and day
        mart = wh.query_df("select * from ops_marts.processing_latency_daily")
        assert int(mart["published_batches"].sum()) == len(rows)
        assert (mart["p50_latency_seconds"] <= mart["p95_latency_seconds"]).all()
        # dbt source freshness ran in the cycle and its results were kept
        fresh = wh.query(
            "select source_name, table_name, status from ops.source_freshness "
            "where checked_at >= ? order by 1, 2",
            [started],
        )
        assert ("raw", "api_responses", "pass") in fresh
        assert ("raw", "ingestion_batches", "pass") in fresh
        # the file whose videos gained a field: a schema change of that endpoint
        changes = wh.query("select source, endpoint, change, key_path from ops.schema_changes")
        assert (
            "tiktok",
            "research.video.query",
            "added",
            "data.videos[].ai_generated_label",
        ) in changes

    # the reader copy holds the predictions too
    import duckdb

    reader = duckdb.connect(str(tmp_path / "published" / "reader.duckdb"), read_only=True)
    try:
        (n,) = reader.execute(
            "select count(*) from ml_marts.trending_predictions where model_version = ?",
            [version],
        ).fetchone()
    finally:
        reader.close()
    assert n == in_mart
    # the status shows freshness and the replayed sources' latency
    assert "dbt source freshness" in result.output
