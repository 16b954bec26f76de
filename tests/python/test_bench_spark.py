"""`trendcast bench --target spark` end to end on a small day: stages, fields and counts add up.

A few thousand events on a one-worker standalone cluster the command starts and stops. Checks
that the report has the DuckDB/Postgres benchmark's keys plus the Spark block, that the stages
Spark cannot run yet are reported as skipped with the reason (no time), that the landed counts
reconcile and equal DuckDB's landing of the same day's files (the archives are kept for that),
that the built tables have rows, and that no cluster process outlives the command. Speed is
measured by the command and written in docs/BENCHMARKS.md, never asserted here.

Marked `spark` (`make test-spark`): it needs the spark extra and Java 17 and takes minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from flows.bench import split_last_hour
from tests.python.spark_fixture import require_spark
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.spark import BUILD_TABLES
from trendcast.warehouse import connect

pytestmark = [pytest.mark.spark, pytest.mark.slow]

EVENTS = 3000


def test_spark_bench_reports_consistent_stages(tmp_path: Path, duckdb_warehouse: Settings) -> None:
    require_spark()
    report_path, keep = tmp_path / "bench.json", tmp_path / "kept"
    env = {**os.environ, "COLUMNS": "200", "TRENDCAST_TARGET": "duckdb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "bench", "--target", "spark",
         "--events", str(EVENTS), "--spark-workers", "1", "--spark-shuffle-partitions", "2",
         "--spark-executor-memory", "768m", "--spark-driver-memory", "1g",
         "--mastodon-per-day", "0", "--keep", str(keep), "--json", str(report_path)],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        output, _ = proc.communicate(timeout=3600)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the command stop the cluster it started (a kill would orphan it)
        proc.terminate()
        output, _ = proc.communicate(timeout=120)
        pytest.fail("the Spark bench did not finish in an hour:\n" + output[-3000:])
    assert proc.returncode == 0, output[-6000:]
    report = json.loads(report_path.read_text())

    # the DuckDB/Postgres benchmark's keys, for the spark target
    for key in ("events", "target", "stages", "end_to_end_seconds", "incremental_seconds",
                "floor_seconds", "floor_lines", "peak_rss_mb", "machine"):  # fmt: skip
        assert key in report, key
    assert report["events"] == EVENTS and report["target"] == "spark"
    stages = report["stages"]
    for name in ("simulate", "session", "load", "build", "incremental"):
        assert stages[name]["seconds"] > 0 and stages[name]["peak_rss_mb"] > 0, name
        detail = stages[name]["detail"]
        # the driver is this process and its JVM; the executor JVM is the worker's child
        assert detail["driver_peak_rss_mb"] == stages[name]["peak_rss_mb"]
        assert len(detail["loadavg_end"]) == 3
    for name in ("load", "build", "incremental"):
        assert stages[name]["detail"]["executors_peak_rss_mb"] > 100, name
    assert report["end_to_end_seconds"] == pytest.approx(
        stages["load"]["seconds"] + stages["build"]["seconds"], abs=0.05
    )
    assert report["peak_rss_mb"] == pytest.approx(max(s["peak_rss_mb"] for s in stages.values()))

    # the Python stages are skipped with the reason, not timed
    assert {"features", "train_trends"} <= set(report["skipped_stages"])
    for name, reason in report["skipped_stages"].items():
        assert "not on Spark yet" in reason
        assert stages[name]["seconds"] == 0 and stages[name]["detail"]["skipped"] == reason

    spark = report["spark"]
    assert spark["workers"] == spark["alive_workers_at_end"] == spark["cores"] == 1
    assert spark["shuffle_partitions"] == 2
    assert spark["executors_peak_rss_mb"] > 100 and spark["driver_peak_rss_mb"] > 100
    assert len(report["loadavg_start"]) == len(report["loadavg_end"]) == 3

    # landing: every line of the day's files, reconciled, and the same counts as DuckDB's
    load = stages["load"]["detail"]
    assert load["lines"] == report["floor_lines"] > 0
    assert load["processed"] + load["failed"] + load["duplicate"] == load["lines"]
    assert load["failed"] > 0 and load["duplicate"] > 0, "no bad line: the check proves little"
    day, last_hour = split_last_hour(keep / "archives")
    assert load["files"] == len(day) and last_hour
    assert 0 < stages["incremental"]["detail"]["lines"] < load["lines"]
    with connect(duckdb_warehouse) as wh:
        duck = load_paths(wh, day)
        duck_items = int(wh.scalar("select count(*) from raw.response_items"))
    assert load["processed"] == sum(r.processed for r in duck)
    assert load["failed"] == sum(r.failed for r in duck)
    assert load["duplicate"] == sum(r.duplicate for r in duck)
    # the items landed: those of the processed lines, none of the quarantined ones
    assert load["items"] == duck_items > 0

    # every built table counted; the event facts hold no more events than staging parsed
    rows = report["table_rows"]
    assert set(BUILD_TABLES) <= set(rows)
    assert 0 < rows["staging.stg_platform__events"] <= load["items"]
    for fact in ("core.fact_content_engagements", "core.fact_discovery_events"):
        assert 0 < rows[fact] <= rows["staging.stg_platform__events"], fact
    assert rows["core.dim_content"] > 0 and rows["core.dim_users"] > 0

    # the cluster the command started is gone, and its folder with it
    cluster_dir = spark["cluster_dir"]
    assert not Path(cluster_dir).exists()
    left = []
    for p in psutil.process_iter(["cmdline"]):
        if any(cluster_dir in part for part in p.info["cmdline"] or []):
            left.append(p.pid)
    assert not left, f"cluster processes left: {left}"
