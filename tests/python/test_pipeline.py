"""The whole pipeline flow through the CLI, as `make run` runs it (Prefect ephemeral API)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from trendcast.landing import STATUSES
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import connect


def test_run_pipeline_end_to_end_on_duckdb(duckdb_warehouse: Settings) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run"],
        cwd=PROJECT_DIR,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "Records by status" in out
    assert "Rows per staging model" in out
    assert str(duckdb_warehouse.duckdb_path) in out
    # the summary a person reads: stages, where things are, what to run next
    for line in ("land archives", "dbt build", "publish reader copy", "Where things are"):
        assert line in out, line
    assert "trendcast dashboard" in out and "trendcast docs" in out
    assert "{'" not in out, "no raw dicts in the summary"
    published = Path(os.environ["TRENDCAST_PUBLISHED_PATH"])
    assert str(published) in out.replace("\n", "")
    with duckdb.connect(str(published), read_only=True) as reader:
        assert reader.execute("select count(*) from landing.ingestion_batches").fetchone()[0] > 0
    with connect(duckdb_warehouse) as wh:
        batches = wh.query(
            "select count(*), sum(total_records), "
            "sum(processed_records + failed_records + duplicate_records) "
            "from raw.ingestion_batches"
        )[0]
        statuses = {
            r[0] for r in wh.query("select distinct processing_status from raw.api_responses")
        }
        staged = wh.query(
            "select table_name from information_schema.tables where table_schema = 'staging'"
        )
    assert batches[0] > 0 and batches[1] == batches[2]
    assert statuses <= set(STATUSES)
    # every staging model dbt materialises exists (those under staging/ml are ephemeral)
    staging_dir = PROJECT_DIR / "models" / "staging"
    expected = {f.stem for f in staging_dir.rglob("stg_*.sql") if f.parent != staging_dir / "ml"}
    assert {r[0] for r in staged} == expected
