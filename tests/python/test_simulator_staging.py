"""The platform staging models explode simulated polls exactly as the manifest says they were
written, on DuckDB and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trendcast.settings import Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow


def test_stg_platform_events_match_manifest(warehouse: Settings, tmp_path) -> None:
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths

    cfg = SimConfig(
        start=datetime(2026, 3, 2, tzinfo=UTC), hours=2, scale="tiny", seed=4,
        imperfections=Imperfections().scaled(10), sources=("platform",),
    )  # fmt: skip
    manifest = simulate(cfg, tmp_path / "sim")
    stats = manifest["sources"]["platform"]
    with connect(warehouse) as wh:
        load_paths(wh, [tmp_path / "sim"])
    run_dbt(
        ["build", "--select", "stg_platform__events", "int_platform_content_hashtags_exploded"],
        warehouse,
    )
    with connect(warehouse) as wh:
        deliveries, unique, short = wh.query(
            "select count(*), count(distinct event_id), "
            "count(distinct case when event_type = 'view' and watch_duration_seconds < 3 "
            "then event_id end) from staging.stg_platform__events"
        )[0]
        by_type = dict(
            wh.query(
                "select event_type, count(distinct event_id) from staging.stg_platform__events "
                "group by 1"
            )
        )
        tags, tagged = wh.query(
            "select count(*), count(distinct event_id) from intermediate.int_platform_content_hashtags_exploded"
        )[0]
        content_events = wh.query(
            "select count(distinct event_id) from staging.stg_platform__events "
            "where event_type in ('upload', 'content_update') and hashtags_json is not null"
        )[0][0]
    assert deliveries == stats["event_deliveries"]
    assert unique == stats["events_unique"]
    assert by_type == manifest["platform_events_by_type"]
    assert short > 0 and abs(short - stats["short_views"]) <= stats["missing_field_events"]
    assert tagged == content_events > 0
    assert tags >= tagged
