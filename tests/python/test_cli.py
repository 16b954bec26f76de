"""The CLI: one-line errors with a hint, load/status on a real archive, global --target."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.python.conftest import SAMPLE_DIR
from trendcast.settings import PROJECT_DIR, Settings


def _cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_unknown_target_is_one_clear_line() -> None:
    proc = _cli(["--target", "oracle", "status"])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "unknown target 'oracle'" in proc.stderr
    assert "hint:" in proc.stderr


def test_missing_path_is_one_clear_line(duckdb_warehouse: Settings) -> None:
    proc = _cli(["load", "/definitely/not/here"])
    assert proc.returncode == 1
    assert "no such file or folder" in proc.stderr and "Traceback" not in proc.stderr


def test_unreachable_postgres_is_one_clear_line() -> None:
    proc = _cli(["--target", "postgres", "status"], {"TRENDCAST_PG_PORT": "1"})
    assert proc.returncode == 1
    assert "cannot reach Postgres" in proc.stderr and "Traceback" not in proc.stderr


def test_load_then_status_then_reload(duckdb_warehouse: Settings) -> None:
    archive = next((SAMPLE_DIR / "x").glob("elonmusk_posts_*.jsonl.gz"))
    first = _cli(["load", str(archive)])
    assert first.returncode == 0, first.stdout + first.stderr
    assert archive.name[:30] in first.stdout
    again = _cli(["load", str(archive)])
    assert "already loaded" in again.stdout
    status = _cli(["status"])
    assert status.returncode == 0
    line = next(ln for ln in status.stdout.splitlines() if "│ x " in ln or ln.startswith("│ x"))
    assert "processed" not in line  # a data row, not the header
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    lines = sum(1 for _ in __import__("gzip").open(archive))
    assert int(cells[2]) == lines  # records
    assert int(cells[3]) == lines  # processed


def test_locked_duckdb_file_is_reported(duckdb_warehouse: Settings, tmp_path: Path) -> None:
    import duckdb

    holder = duckdb.connect(str(duckdb_warehouse.duckdb_path))
    try:
        code = f"import duckdb,sys;c=duckdb.connect({str(duckdb_warehouse.duckdb_path)!r})"
        # a second *process* cannot open the file for writing while we hold it
        probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert probe.returncode != 0, "DuckDB should lock the file against a second process"
        proc = _cli(["load", str(next((SAMPLE_DIR / "x").glob("*.jsonl.gz")))])
        assert proc.returncode == 1
        assert "in use by another process" in proc.stderr
    finally:
        holder.close()
