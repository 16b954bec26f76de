"""The star schema's incremental runs give exactly the tables a full refresh gives.

Simulated platform data with imperfections (late events hours behind, events re-delivered in later
polls, duplicate and out-of-order lines, missing fields) is landed in four steps, partly out of
order: the first half of the hours, then the hour after next, then the hour skipped (its fetched_at
is older than what is already loaded, but inside the lookback), then the rest. dbt runs after each
step, the last three incrementally, with a 3-hour lookback so the increments really leave old rows
alone (re-deliveries of events first loaded long before, re-keying after late profile events). Then every core fact, dimension and analytics mart is compared with a
`--full-refresh` build of the same raw data, on DuckDB and on Postgres.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from flows.dbt import run_dbt
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.warehouse import connect

SELECT = ["--select", "+path:models/marts/core", "+path:models/marts/analytics"]
# a lookback much shorter than the run, so increments really skip old rows (48 h would re-read all)
VARS = ["--vars", "{lookback_hours: 3}"]
MY_MODELS = [
    "path:models/intermediate/core",
    "path:models/marts/core",
    "path:models/marts/analytics",
]

# every table the star schema materialises (views are recomputed on read, nothing to compare)
TABLES = {
    "core": [
        "fact_content_engagements",
        "fact_discovery_events",
        "fact_content_performance",
        "fact_creator_analytics",
        "dim_users_history",
        "dim_users",
        "dim_content",
        "dim_date",
        "dim_engagement_type",
    ],
    "analytics": [
        "trending_content",
        "creator_tier_analysis",
        "discovery_source_effectiveness",
        "feed_position_impact",
        "category_completion_trends",
        "content_lifecycle",
    ],
    "intermediate": ["int_platform_entity_events"],
}

HOURS = 12


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small platform run with many more late and re-delivered events than the defaults."""
    out = tmp_path_factory.mktemp("star_sim")
    cfg = SimConfig(
        start=datetime(2025, 6, 1, tzinfo=UTC),
        hours=HOURS,
        scale="tiny",
        events=9_000,
        seed=11,
        sources=("platform",),
        imperfections=Imperfections(
            late_event_rate=0.04,
            duplicate_event_rate=0.04,
            duplicate_line_rate=0.01,
            out_of_order_line_rate=0.03,
            missing_field_rate=0.01,
            malformed_line_rate=0.005,
        ),
    )
    simulate(cfg, out)
    return out


def _snapshot(settings: Settings) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(settings) as wh:
        for schema, tables in TABLES.items():
            for table in tables:
                df = wh.query_df(f"select * from {schema}.{table}")
                df = df.reindex(sorted(df.columns), axis=1)
                frames[f"{schema}.{table}"] = df.sort_values(list(df.columns)).reset_index(
                    drop=True
                )
    return frames


def _assert_same(incremental: dict[str, pd.DataFrame], full: dict[str, pd.DataFrame]) -> None:
    for name, expected in full.items():
        actual = incremental[name]
        assert len(actual) == len(expected), f"{name}: {len(actual)} rows vs {len(expected)} (full)"
        # floats: sums over the same values in another order may differ in the last bits
        pd.testing.assert_frame_equal(
            actual, expected, check_exact=False, rtol=1e-9, atol=1e-9, obj=name
        )


def test_incremental_equals_full_refresh(warehouse: Settings, sim_dir: Path) -> None:
    files = sorted((sim_dir / "platform").glob("*.jsonl.gz"))
    assert len(files) == HOURS
    half = HOURS // 2
    # the hour after the first half before the hour in between (out of order, inside the lookback)
    steps = [files[:half], files[half + 1 : half + 2], files[half : half + 1], files[half + 2 :]]

    with connect(warehouse) as wh:
        load_paths(wh, steps[0])
    run_dbt(["seed", "--select", "engagement_types"], warehouse)
    run_dbt(["run", *SELECT, *VARS, "--full-refresh"], warehouse)
    with connect(warehouse) as wh:
        first_watermark = wh.query_df(
            "select max(fetched_at) as m from core.fact_content_engagements"
        )["m"][0]
        first_rows = wh.query_df("select count(*) as n from core.fact_content_engagements")["n"][0]

    for step in steps[1:]:
        with connect(warehouse) as wh:
            load_paths(wh, step)
        run_dbt(["run", *SELECT, *VARS], warehouse)
    incremental = _snapshot(warehouse)

    # the scenario is not trivial: the increments added rows, among them late events that happened
    # before the first watermark, and events delivered twice across the steps
    with connect(warehouse) as wh:
        late = wh.query_df(
            "select count(*) as n from core.fact_content_engagements "
            "where fetched_at > ? and occurred_at < ?",
            [first_watermark, first_watermark],
        )["n"][0]
        redelivered = wh.query_df(
            "select count(*) - count(distinct event_id) as n from staging.stg_platform__events"
        )["n"][0]
    assert len(incremental["core.fact_content_engagements"]) > first_rows
    assert late > 0, "no late event crossed the first increment"
    assert redelivered > 0, "no event was delivered twice"

    run_dbt(["run", *SELECT, *VARS, "--full-refresh"], warehouse)
    full = _snapshot(warehouse)
    _assert_same(incremental, full)

    # and the full build passes the star schema's data and unit tests
    run_dbt(["test", "--select", *MY_MODELS, "path:tests/core"], warehouse)
