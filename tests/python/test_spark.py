"""The Spark target builds the same core star schema and feature mart as DuckDB, on a real cluster.

A Spark standalone master and two workers are started on 127.0.0.1 with PySpark's own launcher
(trendcast/spark.py), and the session runs its executors there, so every shuffle crosses
processes. The same archives (the bundled YouTube and TikTok sample and a small simulated
platform run with malformed and duplicate lines) are landed on DuckDB and on Spark, and:

- landing: every batch has the same total / processed / failed / duplicate counts on both, the
  failed lines are the same, and loading the files again on Spark is a no-op (no new batch, no
  new row);
- the core star schema (models/marts/core and everything it reads) and the youtube_chart_features
  mart are built on both, and every table is compared through a checksum of its rows (values
  normalised: timestamps as UTC instants, floats to 9 significant digits), plus its row count
  and key set, so a mismatch says which rows differ.

Two tests share the cluster. `test_spark_builds_the_same_star_schema` (in `make test`) lands
everything in one load and builds once. `test_spark_incremental_build_equals_duckdb` (marked
`spark`, `make test-spark`) lands the platform hours in two loads with a dbt run after each, so
its second run is incremental (delete+insert by rewrite, macros/cross_db/spark.sql): equal to
DuckDB's full build, and the first test's Spark full build equals DuckDB's too, so an
incremental Spark build equals a full one.

Needs the `spark` extra (`make spark`; `make test` installs it) and Java 17. Under CI=true a
missing extra or a missing `java` fails the test instead of skipping it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.dbt import run_dbt
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.spark import BUILD_MODELS, BUILD_SEEDS, BUILD_TABLES
from trendcast.warehouse import connect

SAMPLE = PROJECT_DIR / "data" / "sample"
# the selection the Spark target builds today, shared with `trendcast bench --target spark`
SEEDS = BUILD_SEEDS
MODELS = BUILD_MODELS
# table -> its key (the primary key its yml tests)
TABLES = BUILD_TABLES


def _require_spark() -> None:
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


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """The sample's YouTube and TikTok files and two simulated platform hours (with bad lines)."""
    out = tmp_path_factory.mktemp("spark_sim")
    simulate(
        SimConfig(
            start=datetime(2025, 6, 1, tzinfo=UTC),
            hours=2,
            scale="tiny",
            events=1_500,
            seed=23,
            sources=("platform",),
            imperfections=Imperfections(
                late_event_rate=0.03,
                duplicate_event_rate=0.03,
                duplicate_line_rate=0.02,
                malformed_line_rate=0.02,
            ),
        ),
        out,
    )
    platform = sorted((out / "platform").glob("*.jsonl.gz"))
    assert len(platform) == 2
    sample = sorted((SAMPLE / "youtube").glob("*.jsonl.gz")) + sorted(
        (SAMPLE / "tiktok").glob("*.jsonl.gz")
    )
    return {"first": [*sample, platform[0]], "second": [platform[1]]}


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A session on a fresh two-worker standalone cluster, with its own warehouse folder."""
    _require_spark()
    from trendcast.spark import LocalCluster, spark_session, stop_session

    base = tmp_path_factory.mktemp("spark")
    cluster = LocalCluster(base / "cluster", workers=2, worker_cores=1, worker_memory="768m")
    saved = {k: os.environ.get(k) for k in _SPARK_ENV}
    # the cluster is stopped whatever happens from here on (a failed start, session or test)
    try:
        cluster.start()
        os.environ.update(
            {
                "TRENDCAST_SPARK_MASTER": cluster.url,
                "TRENDCAST_SPARK_WAREHOUSE": str(base / "warehouse"),
                # one shuffle partition per executor core: the sample is small
                "TRENDCAST_SPARK_SHUFFLE_PARTITIONS": "2",
                "TRENDCAST_SPARK_EXECUTOR_MEMORY": "512m",
                "TRENDCAST_SPARK_DRIVER_MEMORY": "768m",
            }
        )
        session = spark_session()
        session.sparkContext.setLogLevel("ERROR")
        assert cluster.alive_workers() == 2
        yield session
    finally:
        stop_session()
        cluster.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_SPARK_ENV = [
    "TRENDCAST_SPARK_MASTER",
    "TRENDCAST_SPARK_WAREHOUSE",
    "TRENDCAST_SPARK_SHUFFLE_PARTITIONS",
    "TRENDCAST_SPARK_EXECUTOR_MEMORY",
    "TRENDCAST_SPARK_DRIVER_MEMORY",
]


def _norm(value: Any) -> str:
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


def _rows(table: Any) -> list[tuple[str, ...]]:
    """The rows of an Arrow table, columns in name order, values normalised, sorted."""
    names = sorted(table.column_names)
    columns = [table.column(n).to_pylist() for n in names]
    return sorted(tuple(_norm(v) for v in row) for row in zip(*columns, strict=True))


def _checksum(rows: list[tuple[str, ...]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(row).encode() + b"\x1e")
    return h.hexdigest()


def test_spark_builds_the_same_star_schema(
    spark: Any, archives: dict[str, list[Path]], duckdb_warehouse: Settings
) -> None:
    """One load and one build on Spark give DuckDB's landing counts and marts; a reload is a no-op."""
    from trendcast.landing.spark import load_paths_spark

    files = archives["first"] + archives["second"]
    _build_duckdb(duckdb_warehouse, files)
    _reset(spark)
    spark_settings = Settings.from_env("spark")
    landed = load_paths_spark(spark, files)
    assert landed and all(r.reconciles and not r.skipped for r in landed)
    run_dbt(SEEDS, spark_settings)
    run_dbt(MODELS, spark_settings)

    _assert_same_landing(spark, duckdb_warehouse)
    _assert_reload_is_noop(spark, files)
    _assert_same_tables(spark, duckdb_warehouse)


@pytest.mark.spark
def test_spark_incremental_build_equals_duckdb(
    spark: Any, archives: dict[str, list[Path]], duckdb_warehouse: Settings
) -> None:
    """Two loads with a run after each (the second incremental) give DuckDB's full build."""
    from trendcast.landing.spark import load_paths_spark

    _build_duckdb(duckdb_warehouse, archives["first"] + archives["second"])
    _reset(spark)
    spark_settings = Settings.from_env("spark")
    first = load_paths_spark(spark, archives["first"])
    run_dbt(SEEDS, spark_settings)
    run_dbt(MODELS, spark_settings)
    second = load_paths_spark(spark, archives["second"])
    run_dbt(MODELS, spark_settings)
    assert all(r.reconciles and not r.skipped for r in first + second)

    _assert_same_landing(spark, duckdb_warehouse)
    _assert_same_tables(spark, duckdb_warehouse)


def _build_duckdb(settings: Settings, files: list[Path]) -> None:
    """DuckDB: everything at once, a full build."""
    with connect(settings) as wh:
        load_paths(wh, files)
    run_dbt(SEEDS, settings)
    run_dbt([*MODELS, "--full-refresh"], settings)


def _reset(spark: Any) -> None:
    """An empty Spark catalog: the tests of this module share one session and its warehouse."""
    for row in spark.sql("show databases").collect():
        if row[0] != "default":
            spark.sql(f"drop database if exists {row[0]} cascade")


def _assert_same_landing(spark: Any, duckdb_warehouse: Settings) -> None:
    """The same counts per batch on both targets, bad lines quarantined on both."""
    batch_cols = "batch_id, total_records, processed_records, failed_records, duplicate_records"
    with connect(duckdb_warehouse) as wh:
        duck_batches = sorted(wh.query(f"select {batch_cols} from raw.ingestion_batches"))
        duck_failed = wh.query(
            "select batch_id, line_no, error_message from raw.api_responses "
            "where processing_status <> 'processed'"
        )
    spark_batches = sorted(
        tuple(r) for r in spark.sql(f"select {batch_cols} from raw.ingestion_batches").collect()
    )
    assert spark_batches == [tuple(r) for r in duck_batches]
    assert sum(r[3] for r in spark_batches) > 0, "no malformed line was quarantined"
    assert sum(r[4] for r in spark_batches) > 0, "no duplicate line was detected"
    spark_failed = spark.sql(
        "select batch_id, line_no, error_message from raw.api_responses "
        "where processing_status <> 'processed'"
    ).collect()
    assert sorted(tuple(r) for r in spark_failed) == sorted(tuple(r) for r in duck_failed)


def _assert_reload_is_noop(spark: Any, files: list[Path]) -> None:
    from trendcast.landing.spark import load_paths_spark

    raw_rows = spark.sql("select count(*) from raw.api_responses").collect()[0][0]
    item_rows = spark.sql("select count(*) from raw.response_items").collect()[0][0]
    again = load_paths_spark(spark, files)
    assert again and all(r.skipped for r in again)
    assert spark.sql("select count(*) from raw.api_responses").collect()[0][0] == raw_rows
    assert spark.sql("select count(*) from raw.response_items").collect()[0][0] == item_rows
    assert spark.sql("select count(*) from raw.ingestion_batches").collect()[0][0] == len(again)


def _assert_same_tables(spark: Any, duckdb_warehouse: Settings) -> None:
    """Row counts, key sets and a checksum per table; every table's difference is reported."""
    mismatches = []
    with connect(duckdb_warehouse) as wh:
        for table, key in TABLES.items():
            duck = _rows(wh.conn.sql(f"select * from {table}").to_arrow_table())
            on_spark = _rows(spark.table(table).toArrow())
            assert duck, f"{table} is empty on DuckDB: the comparison would prove nothing"
            positions = _key_positions(wh, table, key)
            duck_keys = {tuple(r[i] for i in positions) for r in duck}
            spark_keys = {tuple(r[i] for i in positions) for r in on_spark}
            if len(on_spark) != len(duck) or spark_keys != duck_keys:
                mismatches.append(
                    f"{table}: {len(on_spark)} rows on Spark, {len(duck)} on DuckDB; keys only "
                    f"on DuckDB {sorted(duck_keys - spark_keys)[:3]}, "
                    f"only on Spark {sorted(spark_keys - duck_keys)[:3]}"
                )
            elif _checksum(duck) != _checksum(on_spark):
                only_duck = sorted(set(duck) - set(on_spark))[:2]
                only_spark = sorted(set(on_spark) - set(duck))[:2]
                mismatches.append(f"{table}: DuckDB {only_duck} vs Spark {only_spark}")
    assert not mismatches, "\n".join(mismatches)


def _key_positions(wh: Any, table: str, key: list[str]) -> list[int]:
    names = sorted(wh.conn.sql(f"select * from {table} limit 0").to_arrow_table().column_names)
    return [names.index(k) for k in key]


def test_profile_and_landing_ask_for_the_same_session() -> None:
    """dbt-spark reuses the session the landing opened: both must name the same settings."""
    import yaml

    from trendcast.spark import spark_conf

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    spark_output = profile["trendcast"]["outputs"]["spark"]
    assert spark_output["method"] == "session"
    assert set(spark_output["server_side_parameters"]) == set(spark_conf())
    assert spark_conf()["spark.sql.session.timeZone"] == "UTC"
