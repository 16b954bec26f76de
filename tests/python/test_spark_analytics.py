"""The Spark target builds the same platform analytics, ops and private marts as DuckDB.

A simulated day and a half of the platform stream and of TikTok (with late, duplicate and
malformed lines) is landed on DuckDB and on a two-worker standalone cluster (spark_fixture's
`cluster_session`); the batches' latency rows (`ops.processing_latency`, written by the hourly
flow on DuckDB) and two exogenous events are written on DuckDB and the same rows on Spark. Then
`ANALYTICS_SEEDS` / `ANALYTICS_MODELS` (trendcast/spark.py: models/marts/analytics, ops and
private with their lineage) are built on both, and every table of `ANALYTICS_TABLES` is compared:
row count, key set, and a checksum of its normalised rows (spark_fixture's `rows`, `checksum`).

The test also checks that the data reaches what the comparison is about: the dialect fixes
(docs/SPARK.md) would compare equal on data that never exercises them.

Marked `spark` (`make test-spark`). Needs the `spark` extra and Java 17; under CI=true a missing
one fails the test instead of skipping it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.dbt import run_dbt
from tests.python.spark_fixture import cluster_session, compare_rows, reset
from trendcast import ops
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.spark import ANALYTICS_EMPTY, ANALYTICS_MODELS, ANALYTICS_SEEDS, ANALYTICS_TABLES
from trendcast.warehouse import connect

pytestmark = pytest.mark.spark

# 30 hours: sign-ups of the first day have a day 1 (retention); 20k events: enough reports that a
# day and reason has decided reports with mixed outcomes (a violation rate between 0 and 1)
SIM = SimConfig(
    start=datetime(2025, 6, 1, tzinfo=UTC),
    hours=30,
    scale="tiny",
    events=20_000,
    seed=23,
    sources=("platform", "tiktok"),
    imperfections=Imperfections(
        late_event_rate=0.03,
        duplicate_event_rate=0.03,
        duplicate_line_rate=0.02,
        malformed_line_rate=0.02,
    ),
)
# a deployment's own exogenous events (`trendcast events add` writes them on DuckDB and Postgres)
EVENTS_SQL = (
    "insert into raw.exogenous_events values"
    " ('launch_a', 'A product launch', 'product_launch', timestamp '2025-06-01 09:30:00',"
    " null, 0.8, 'a press release', timestamp '2025-06-02 10:00:00.250'),"
    " ('vote_b', 'An election', 'election', timestamp '2025-06-01 00:00:00',"
    " timestamp '2025-06-02 00:00:00', 1.0, null, timestamp '2025-06-02 11:00:00')"
)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("spark_analytics_sim")
    simulate(SIM, out)
    files = sorted((out / "platform").glob("*.jsonl.gz")) + sorted(
        (out / "tiktok").glob("*.jsonl.gz")
    )
    assert files
    return files


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A session on a fresh two-worker standalone cluster, with its own warehouse folder."""
    with cluster_session(tmp_path_factory.mktemp("spark_analytics")) as session:
        yield session


def test_spark_builds_the_same_analytics_marts(
    spark: Any, archives: list[Path], duckdb_warehouse: Settings
) -> None:
    """The analytics, ops and private marts and their lineage equal DuckDB's, table by table."""
    from trendcast.landing.spark import load_paths_spark

    # DuckDB: land, the hourly flow's latency stamps, the events, one full build
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, archives)
        wh.execute(EVENTS_SQL)
        ops.register_batches(
            wh, [r[0] for r in wh.query("select batch_id from raw.ingestion_batches")]
        )
        for stage in ops.STAGES:
            ops.mark_stage(wh, stage)
        latency = wh.conn.sql("select * from ops.processing_latency").to_arrow_table()
        duck_batches = sorted(
            wh.query(
                "select batch_id, total_records, processed_records, failed_records, "
                "duplicate_records from raw.ingestion_batches"
            )
        )
    run_dbt(ANALYTICS_SEEDS, duckdb_warehouse)
    run_dbt([*ANALYTICS_MODELS, "--full-refresh"], duckdb_warehouse)

    # Spark: the same files, the same latency rows and events, one build
    reset(spark)
    landed = load_paths_spark(spark, archives)
    assert landed and all(r.reconciles and not r.skipped for r in landed)
    spark_batches = sorted(
        tuple(r)
        for r in spark.sql(
            "select batch_id, total_records, processed_records, failed_records, "
            "duplicate_records from raw.ingestion_batches"
        ).collect()
    )
    assert spark_batches == [tuple(r) for r in duck_batches]
    assert sum(r[3] for r in spark_batches) > 0, "no malformed line was quarantined"
    spark.sql(EVENTS_SQL)
    spark_settings = Settings.from_env("spark")
    with connect(spark_settings, spark_ready=True) as swh:
        assert swh.write_df(latency, "ops", "processing_latency", key_columns=["batch_id"]) > 0
    run_dbt(ANALYTICS_SEEDS, spark_settings)
    run_dbt(ANALYTICS_MODELS, spark_settings)

    with connect(duckdb_warehouse) as wh:
        mismatches = [
            m for t, key in ANALYTICS_TABLES.items() if (m := compare_rows(spark, wh, t, key))
        ]
        for table in ANALYTICS_EMPTY:
            counts = (wh.scalar(f"select count(*) from {table}"), _spark_count(spark, table))
            if counts != (0, 0):
                mismatches.append(f"{table}: {counts[1]} rows on Spark, {counts[0]} on DuckDB")
        covered = _coverage(wh)
    assert not mismatches, "\n".join(mismatches)
    assert all(n > 0 for n in covered.values()), covered


def _spark_count(spark: Any, table: str) -> int:
    return int(spark.sql(f"select count(*) from {table}").collect()[0][0])


def _coverage(wh: Any) -> dict[str, int]:
    """Rows that exercise each dialect difference found on these marts (docs/SPARK.md)."""
    checks = {
        # datediff in hours counts boundaries: an upload at 10:30 peaking in the 10:00 hour is 0
        "hours_to_peak_within_the_upload_hour": "select count(*) from analytics.content_lifecycle"
        " where hours_to_peak = 0 and upload_timestamp > peak_hour",
        # rates with more than 6 decimals (a DECIMAL division rounds there on Spark)
        "click_through_rates_beyond_6_decimals": "select count(*) from"
        " analytics.feed_position_impact where click_through_rate * 1e6"
        " <> round(click_through_rate * 1e6)",
        "recent_hourly_views_beyond_6_decimals": "select count(*) from analytics.content_lifecycle"
        " where recent_hourly_views * 1e6 <> round(recent_hourly_views * 1e6)",
        "violation_rates_between_0_and_1": "select count(*) from analytics.moderation_daily"
        " where violation_rate > 0 and violation_rate < 1",
        "retention_rates_between_0_and_1": "select count(*) from"
        " analytics.user_retention_cohorts where retention_rate_day_1 > 0"
        " and retention_rate_day_1 < 1",
        # seconds between two instants, with sub-second parts
        "churned_users_with_days_to_churn": "select count(*) from analytics.user_retention"
        " where days_to_churn is not null",
        "latencies_with_a_p95": "select count(*) from ops_marts.processing_latency_daily"
        " where p95_latency_seconds is not null",
        # the statistics of the A/B framework on treatments (variances, intervals, lifts)
        "treatments_with_a_lift": "select count(*) from analytics.ab_test_results"
        " where relative_lift is not null",
        "handle_matches_to_tiktok": "select count(*) from"
        " analytics.cross_platform_creator_comparison where match_rule = 'handle'",
        "open_and_decided_reports": "select least(count(actioned_at), count(*) - count(actioned_at))"
        " from intermediate.int_platform_reports_decided",
        "suppressed_small_groups": "select count(*) from"
        " analytics.platform_activity_anonymised_daily where is_suppressed",
    }
    return {name: int(wh.scalar(sql)) for name, sql in checks.items()}
