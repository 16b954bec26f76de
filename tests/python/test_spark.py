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

`test_spark_builds_the_same_trend_feature_store` (marked `spark`) lands the sample's TikTok,
YouTube and Mastodon archives and compares the TikTok trend feature store (models/marts/trends
outside youtube/) and its whole lineage with DuckDB's build, table by table.
`test_spark_trend_feature_store_incremental_runs_equal_duckdb` (marked `spark`) builds the same
lineage from the earlier half of those archives (cut by fetch time), lands the later half and
runs it again (incrementally), on both targets, and compares the results.

Needs the `spark` extra (`make spark`; `make test` installs it) and Java 17. Under CI=true a
missing extra or a missing `java` fails the test instead of skipping it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.dbt import run_dbt
from tests.python.spark_fixture import cluster_session
from tests.python.spark_fixture import compare_rows as _compare_rows
from tests.python.spark_fixture import reset as _reset
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.spark import (
    BUILD_MODELS,
    BUILD_SEEDS,
    BUILD_TABLES,
    TREND_MODELS,
    TREND_SEEDS,
    TREND_TABLES,
    TREND_UNCOMPARED,
)
from trendcast.warehouse import connect

SAMPLE = PROJECT_DIR / "data" / "sample"
# the selection the Spark target builds today, shared with `trendcast bench --target spark`
SEEDS = BUILD_SEEDS
MODELS = BUILD_MODELS
# table -> its key (the primary key its yml tests)
TABLES = BUILD_TABLES


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """The sample's YouTube and TikTok files and two simulated platform hours (with bad lines),
    the last hour of one day and the first of the next: an incremental run of the second hour
    writes a new date partition of the date-partitioned facts and keeps the first day's."""
    out = tmp_path_factory.mktemp("spark_sim")
    simulate(
        SimConfig(
            start=datetime(2025, 6, 1, 23, tzinfo=UTC),
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
    with cluster_session(tmp_path_factory.mktemp("spark")) as session:
        yield session


def test_spark_builds_the_same_star_schema(
    spark: Any, archives: dict[str, list[Path]], duckdb_warehouse: Settings
) -> None:
    """One load and one build on Spark give DuckDB's landing counts and marts; a reload is a no-op."""
    files = archives["first"] + archives["second"]
    _build_duckdb(duckdb_warehouse, files)
    _build_spark(spark, files)

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
    # the event facts are stored by date on Spark (partition_by_for_target): both days are there
    for table in ("core.fact_content_engagements", "core.fact_discovery_events"):
        days = [row[0] for row in spark.sql(f"show partitions {table}").collect()]
        assert len(days) >= 2, (table, days)

    _assert_same_landing(spark, duckdb_warehouse)
    _assert_same_tables(spark, duckdb_warehouse)


@pytest.mark.spark
def test_spark_builds_the_same_trend_feature_store(spark: Any, duckdb_warehouse: Settings) -> None:
    """The TikTok trend feature store and its lineage, built from the sample's TikTok, YouTube and
    Mastodon archives, equals DuckDB's build table by table (JSON arrays exploded, title hashtags
    matched by regex, ordered JSON aggregates, JSON type tests, the label windows)."""
    files = [
        *sorted((SAMPLE / "tiktok").glob("*.jsonl.gz")),
        *sorted((SAMPLE / "youtube").glob("*.jsonl.gz")),
        *sorted((SAMPLE / "mastodon").glob("*.jsonl.gz")),
    ]
    _build_duckdb(duckdb_warehouse, files, TREND_SEEDS, TREND_MODELS)
    _build_spark(spark, files, TREND_SEEDS, TREND_MODELS)

    _assert_same_landing(spark, duckdb_warehouse, bad_lines=False)
    _assert_same_tables(
        spark,
        duckdb_warehouse,
        TREND_TABLES,
        TREND_UNCOMPARED,
        {"trends.viral_labels": "window_hours"},
    )
    # the macros compared here have data to differ on: the rows would be equal but empty otherwise
    with connect(duckdb_warehouse) as wh:
        covered = wh.query(
            "select"
            " (select count(*) from trends.videos where hashtag_names like '[%,%]'),"
            " (select count(*) from intermediate.int_trend_hashtag_timezone_mix"
            "   where timezone_distribution_7d like '{%,%}'),"
            " (select count(*) from staging.stg_mastodon__statuses where not is_reblog),"
            " (select count(distinct post_id) from intermediate.int_trend_post_hashtags_unioned"
            "   where platform = 'youtube' and post_id in (select video_id from"
            "   staging.stg_youtube__video_snapshots where title like '%#%')),"
            " (select count(*) from trends.viral_labels where actual_peak_at is not null)"
        )[0]
    assert all(n > 0 for n in covered), covered


def _build_duckdb(
    settings: Settings, files: list[Path], seeds: list[str] = SEEDS, models: list[str] = MODELS
) -> None:
    """DuckDB: everything at once, a full build."""
    with connect(settings) as wh:
        load_paths(wh, files)
    run_dbt(seeds, settings)
    run_dbt([*models, "--full-refresh"], settings)


def _build_spark(
    spark: Any, files: list[Path], seeds: list[str] = SEEDS, models: list[str] = MODELS
) -> None:
    """Spark: a fresh warehouse, one load of `files` (every file reconciles), then one build."""
    from trendcast.landing.spark import load_paths_spark

    _reset(spark)
    spark_settings = Settings.from_env("spark")
    landed = load_paths_spark(spark, files)
    assert landed and all(r.reconciles and not r.skipped for r in landed)
    run_dbt(seeds, spark_settings)
    run_dbt(models, spark_settings)


def _assert_same_landing(spark: Any, duckdb_warehouse: Settings, bad_lines: bool = True) -> None:
    """The same counts per batch on both targets, bad lines quarantined on both (`bad_lines`:
    the archives hold malformed and duplicate lines)."""
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
    if bad_lines:
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


def _assert_same_tables(
    spark: Any,
    duckdb_warehouse: Settings,
    tables: dict[str, list[str]] = TABLES,
    uncompared: dict[str, list[str]] | None = None,
    sliced: dict[str, str] | None = None,
) -> None:
    """Row counts, key sets and a checksum per table; every table's difference is reported.
    `uncompared`: columns left out per table (values that differ by design, such as load time).
    `sliced`: tables too large to pull to the driver at once (a million rows), compared one value
    of the named integer column at a time, after their total row counts."""
    mismatches = []
    with connect(duckdb_warehouse) as wh:
        for table, key in tables.items():
            dropped = (uncompared or {}).get(table, [])
            column = (sliced or {}).get(table)
            filters = [""]
            if column is not None:
                total = wh.scalar(f"select count(*) from {table}")
                spark_total = spark.sql(f"select count(*) from {table}").collect()[0][0]
                if spark_total != total:
                    mismatches.append(f"{table}: {spark_total} rows on Spark, {total} on DuckDB")
                    continue
                values = [r[0] for r in wh.query(f"select distinct {column} from {table}")]
                filters = [f" where {column} = {int(v)}" for v in sorted(values)]
            for where in filters:
                mismatch = _compare_rows(spark, wh, f"{table}{where}", key, dropped)
                if mismatch:
                    mismatches.append(mismatch)
    assert not mismatches, "\n".join(mismatches)


def test_profile_and_landing_ask_for_the_same_session() -> None:
    """dbt-spark reuses the session the landing opened: both must name the same settings."""
    import yaml

    from trendcast.spark import spark_conf

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    spark_output = profile["trendcast"]["outputs"]["spark"]
    assert spark_output["method"] == "session"
    assert set(spark_output["server_side_parameters"]) == set(spark_conf())
    assert spark_conf()["spark.sql.session.timeZone"] == "UTC"


def test_stages_not_on_spark_stop_with_a_clear_error() -> None:
    """Only callers that run on Spark (spark_ready) get the Spark warehouse; others a clear error."""
    from trendcast.warehouse import WarehouseError

    with (
        pytest.raises(WarehouseError, match="does not run on the spark target yet"),
        connect(Settings.from_env("spark")),
    ):
        pass


# -- the trend feature store's incremental runs on Spark -----------------------------------------
# The incremental models of the trend lineage (TREND_MODELS) that the second load below reaches:
# the second run must add rows to each. stg_tiktok__videos is incremental too, but the sample has
# no TikTok line fetched after the cut. The two snapshot staging tables are compared too (they
# are in the lineage but not in TREND_TABLES).
TREND_INCREMENTAL = [
    "staging.stg_youtube__video_snapshots",
    "staging.stg_mastodon__statuses",
    "intermediate.int_mastodon__status_tags_exploded",
    "intermediate.int_trend_hashtag_creator_diversity",
    "intermediate.int_trend_hashtag_timezone_mix",
    "trends.hashtag_metrics",
    "trends.hashtag_features",
    "trends.viral_labels",
    "trends.video_features",
    "trends.video_metric_snapshots",
]
TREND_SNAPSHOT_TABLES = {
    "staging.stg_tiktok__videos": ["video_id", "fetched_at"],
    "staging.stg_youtube__video_snapshots": ["region_code", "video_id", "fetched_at"],
}
# where the sample's archives are cut in two by fetch time: the lines fetched before it are the
# first load (TikTok 2020-2023, Mastodon's 2023 timelines, YouTube's first 5 of 8 weeks), the rest
# the second (YouTube's last 3 weeks, Mastodon's recorded 2026 responses). One cut for every
# source, as a live collection lands: the incremental models recompute only from their stored
# watermark minus the lookback (macros/incremental/lookback_window.sql), so a second load of lines
# older than that (a backfill) needs a full refresh on every target.
TREND_CUT = datetime(2025, 10, 6, tzinfo=UTC)


def _split_by_fetch_time(out: Path) -> dict[str, list[Path]]:
    """The sample's TikTok, YouTube and Mastodon archives, each cut at TREND_CUT into a file of
    the earlier lines and one of the later lines (lines copied verbatim)."""
    import gzip
    import json

    parts: dict[str, list[Path]] = {"first": [], "second": []}
    for source in ("tiktok", "youtube", "mastodon"):
        for path in sorted((SAMPLE / source).glob("*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                lines = [line for line in f if line.strip()]
            stamps = [datetime.fromisoformat(json.loads(line)["fetched_at"]) for line in lines]
            for part, later in (("first", False), ("second", True)):
                chosen = [
                    line for line, t in zip(lines, stamps, strict=True) if (t >= TREND_CUT) == later
                ]
                if chosen:
                    target = out / f"{part}_{path.name}"
                    with gzip.open(target, "wt", encoding="utf-8") as f:
                        f.writelines(chosen)
                    parts[part].append(target)
    return parts


def _row_counts(spark: Any, tables: list[str]) -> dict[str, int]:
    return {t: spark.sql(f"select count(*) from {t}").collect()[0][0] for t in tables}


@pytest.mark.spark
def test_spark_trend_feature_store_incremental_runs_equal_duckdb(
    spark: Any, duckdb_warehouse: Settings, tmp_path: Path
) -> None:
    """The trend feature store built from the earlier half of the sample's archives, then the
    later half landed and the models run incrementally: Spark's tables equal DuckDB's after the
    same two loads and runs, table by table (viral_labels one window at a time), and the second
    run adds rows to every incremental model it reaches. Compared with DuckDB's incremental
    runs, not its full build: on DuckDB too, these two runs differ from a full refresh
    (viral_labels, docs/SPARK.md)."""
    from trendcast.landing.spark import load_paths_spark

    parts = _split_by_fetch_time(tmp_path)
    assert parts["first"] and parts["second"]
    _build_duckdb(duckdb_warehouse, parts["first"], TREND_SEEDS, TREND_MODELS)
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, parts["second"])
    run_dbt(TREND_MODELS, duckdb_warehouse)
    _build_spark(spark, parts["first"], TREND_SEEDS, TREND_MODELS)
    before = _row_counts(spark, TREND_INCREMENTAL)
    second = load_paths_spark(spark, parts["second"])
    assert second and all(r.reconciles and not r.skipped for r in second)
    run_dbt(TREND_MODELS, Settings.from_env("spark"))
    after = _row_counts(spark, TREND_INCREMENTAL)

    grew = {t: (before[t], after[t]) for t in TREND_INCREMENTAL}
    assert all(0 < n0 < n1 for n0, n1 in grew.values()), grew
    _assert_same_landing(spark, duckdb_warehouse, bad_lines=False)
    _assert_same_tables(
        spark,
        duckdb_warehouse,
        {**TREND_SNAPSHOT_TABLES, **TREND_TABLES},
        TREND_UNCOMPARED,
        {"trends.viral_labels": "window_hours"},
    )
