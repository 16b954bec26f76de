"""What the Spark tests share: the skip-or-fail rule, a session on a fresh local standalone
cluster, an empty catalog, and the normalised row comparison with DuckDB.

Used by test_spark.py (the star schema and feature mart) and test_spark_ml.py (the Python ML
stages on the marts Spark built).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

SPARK_ENV = [
    "TRENDCAST_SPARK_MASTER",
    "TRENDCAST_SPARK_WAREHOUSE",
    "TRENDCAST_SPARK_SHUFFLE_PARTITIONS",
    "TRENDCAST_SPARK_EXECUTOR_MEMORY",
    "TRENDCAST_SPARK_DRIVER_MEMORY",
]


def require_spark() -> None:
    """Skip without PySpark or Java, except under CI=true, where either missing is a failure."""
    try:
        import pyspark  # noqa: F401

        missing = None
    except ImportError:
        missing = "the spark extra is not installed (`make spark` installs it)"
    if missing is None and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing = "no `java` on PATH and no JAVA_HOME (Spark needs Java 17)"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {missing}")
        pytest.skip(missing)


@contextmanager
def spark_env(values: dict[str, str]) -> Iterator[None]:
    """TRENDCAST_SPARK_* set to `values` inside, restored (or removed) after."""
    saved = {k: os.environ.get(k) for k in SPARK_ENV}
    try:
        os.environ.update(values)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def cluster_session(base: Path, workers: int = 2) -> Iterator[Any]:
    """A session on a fresh standalone cluster (1 core, 768 MB per worker), its own warehouse.

    The cluster is stopped whatever happens inside (a failed start, session or test): the
    session first, then the process ids the cluster started, workers then master.
    """
    require_spark()
    from trendcast.spark import LocalCluster, spark_session, stop_session

    cluster = LocalCluster(base / "cluster", workers=workers, worker_cores=1, worker_memory="768m")
    with spark_env({}):
        try:
            cluster.start()
            os.environ.update(
                {
                    "TRENDCAST_SPARK_MASTER": cluster.url,
                    "TRENDCAST_SPARK_WAREHOUSE": str(base / "warehouse"),
                    # one shuffle partition per executor core: the sample is small
                    "TRENDCAST_SPARK_SHUFFLE_PARTITIONS": str(workers),
                    "TRENDCAST_SPARK_EXECUTOR_MEMORY": "512m",
                    "TRENDCAST_SPARK_DRIVER_MEMORY": "768m",
                }
            )
            session = spark_session()
            session.sparkContext.setLogLevel("ERROR")
            assert cluster.alive_workers() == workers
            yield session
        finally:
            stop_session()
            cluster.stop()


@contextmanager
def local_env(base: Path) -> Iterator[None]:
    """TRENDCAST_SPARK_* for a `local[1]` session with its warehouse under `base`; the session
    (if one was opened inside) is stopped on the way out."""
    require_spark()
    from trendcast.spark import stop_session

    local = {
        "TRENDCAST_SPARK_MASTER": "local[1]",
        "TRENDCAST_SPARK_WAREHOUSE": str(base / "warehouse"),
        "TRENDCAST_SPARK_SHUFFLE_PARTITIONS": "1",
    }
    with spark_env(local):
        try:
            yield
        finally:
            stop_session()


def reset(spark: Any) -> None:
    """An empty Spark catalog: the tests of a module share one session and its warehouse."""
    for row in spark.sql("show databases").collect():
        if row[0] != "default":
            spark.sql(f"drop database if exists {row[0]} cascade")


def norm(value: Any) -> str:
    """One text per value whatever the engine returned (int32 or int64, naive or aware UTC)."""
    if value is None:
        return "<null>"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return "<nan>" if value != value else f"{value:.9g}"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("[", "{"):
        # JSON text: Spark writes characters outside the BMP (emoji) in nested JSON as \u
        # surrogate escapes, DuckDB as UTF-8; the same JSON value compares as one text
        try:
            return json.dumps(json.loads(value), ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            return value
    return str(value)


def rows(table: Any) -> list[tuple[str, ...]]:
    """The rows of an Arrow table, columns in name order, values normalised, sorted."""
    names = sorted(table.column_names)
    columns = [table.column(n).to_pylist() for n in names]
    return sorted(tuple(norm(v) for v in row) for row in zip(*columns, strict=True))


def checksum(table_rows: list[tuple[str, ...]]) -> str:
    h = hashlib.sha256()
    for row in table_rows:
        h.update("\x1f".join(row).encode() + b"\x1e")
    return h.hexdigest()


def compare_rows(
    spark: Any, wh: Any, table: str, key: list[str], dropped: list[str] | None = None
) -> str:
    """'' when `table` (a table name, optionally followed by a where clause) has the same rows on
    DuckDB (`wh`) and Spark, `dropped` columns left out; else what differs. A table empty on
    DuckDB is a difference too: the comparison would prove nothing."""
    duck_arrow = wh.conn.sql(f"select * from {table}").to_arrow_table().drop_columns(dropped or [])
    duck = rows(duck_arrow)
    on_spark = rows(spark.sql(f"select * from {table}").toArrow().drop_columns(dropped or []))
    if not duck:
        return f"{table} is empty on DuckDB: the comparison would prove nothing"
    names = sorted(duck_arrow.column_names)
    positions = [names.index(k) for k in key]
    duck_keys = {tuple(r[i] for i in positions) for r in duck}
    spark_keys = {tuple(r[i] for i in positions) for r in on_spark}
    if len(on_spark) != len(duck) or spark_keys != duck_keys:
        return (
            f"{table}: {len(on_spark)} rows on Spark, {len(duck)} on DuckDB; keys only "
            f"on DuckDB {sorted(duck_keys - spark_keys)[:3]}, "
            f"only on Spark {sorted(spark_keys - duck_keys)[:3]}"
        )
    if checksum(duck) != checksum(on_spark):
        only_duck = sorted(set(duck) - set(on_spark))[:2]
        only_spark = sorted(set(on_spark) - set(duck))[:2]
        return f"{table} ({names}): DuckDB {only_duck} vs Spark {only_spark}"
    return ""
