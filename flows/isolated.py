"""Throwaway warehouses for the benchmark and smoke runs: a temp DuckDB file or Postgres database."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from trendcast.settings import Settings


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set these environment variables while active, then put back what was there (dbt reads
    its profile from the environment, so every dbt invocation and export goes through here)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def exported(settings: Settings) -> Iterator[Settings]:
    """Export `settings` as TRENDCAST_* variables while active: flows that take only a target
    name (fn(target=...)) then reach this warehouse too."""
    with environ({k: v for k, v in settings.dbt_env().items() if k != "DBT_PROFILES_DIR"}):
        yield settings


@contextmanager
def env_override(name: str, value: str | None) -> Iterator[None]:
    """Set (or, with None, leave alone) one environment variable while active."""
    with environ({} if value is None else {name: value}):
        yield


@contextmanager
def throwaway_warehouse(settings: Settings | None = None) -> Iterator[Settings]:
    """Yield settings for a fresh, empty warehouse of the configured target; drop it afterwards."""
    base = settings or Settings.from_env()
    if base.target == "duckdb":
        tmp = Path(tempfile.mkdtemp(prefix="trendcast-wh-"))
        try:
            yield replace(base, duckdb_path=tmp / "bench.duckdb")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    import psycopg

    name = f"trendcast_tmp_{uuid.uuid4().hex[:12]}"
    admin = dict(
        host=base.pg_host, port=base.pg_port, user=base.pg_user,
        password=base.pg_password or None, dbname="postgres", autocommit=True,
    )  # fmt: skip
    with psycopg.connect(**admin) as conn:
        conn.execute(f"create database {name}")
    try:
        yield replace(base, pg_dbname=name)
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f"drop database if exists {name} with (force)")
