"""`trendcast bench` smoke run: every stage runs and the report has the keys the benchmark documents.

A tiny day (a few thousand events) on a throwaway DuckDB file: this checks the command works and
that its numbers add up, not how fast anything is (speed is measured by the command itself and
written down in docs/BENCHMARKS.md, never asserted in a test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trendcast.settings import PROJECT_DIR

pytestmark = pytest.mark.slow


def test_bench_smoke_reports_every_stage(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    env = {**os.environ, "COLUMNS": "200", "TRENDCAST_TARGET": "duckdb"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "bench",
            "--events",
            "4000",
            "--json",
            str(report_path),
            "--memory-limit",
            "1500MB",
            # the Mastodon stream at smoke size too (its default is a day of 1M statuses)
            "--mastodon-per-day",
            "4000",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(report_path.read_text())

    for key in ("events", "target", "stages", "end_to_end_seconds", "incremental_seconds",
                "floor_seconds", "peak_rss_mb"):  # fmt: skip
        assert key in report, key
    assert report["events"] == 4000 and report["target"] == "duckdb"
    # the warehouse ran under the limit it was given (DuckDB prints 1500MB as 1.3 GiB)
    assert report["duckdb_memory_limit"] == "1.3 GiB"
    stages = report["stages"]
    for name in ("simulate", "load", "build", "features", "incremental"):
        assert name in stages, name
        assert stages[name]["seconds"] > 0 and stages[name]["peak_rss_mb"] > 0
    # end to end is the sum of the pipeline stages, load through score
    pipeline = [n for n in ("load", "build", "features", "train_trends", "train", "score")
                if n in stages]  # fmt: skip
    assert report["end_to_end_seconds"] == pytest.approx(
        sum(stages[n]["seconds"] for n in pipeline), abs=0.05
    )
    assert report["peak_rss_mb"] == pytest.approx(max(s["peak_rss_mb"] for s in stages.values()))
    # the load landed every line of the day's files, and the floor scanned the same lines
    assert stages["load"]["detail"]["lines"] == report["floor_lines"] > 0
    # the hourly run loaded the last hour only and ran the hourly selection, not the full build
    assert 0 < stages["incremental"]["detail"]["lines"] < stages["load"]["detail"]["lines"]
    assert stages["incremental"]["detail"]["nodes"] < stages["build"]["detail"]["nodes"]
