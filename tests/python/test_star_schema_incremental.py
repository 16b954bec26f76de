"""The star schema's incremental runs give exactly the tables a full refresh gives.

`test_incremental_equals_full_refresh`: simulated platform data with imperfections (late events
hours behind, events re-delivered in later polls, duplicate and out-of-order lines, missing fields)
is landed in four steps, partly out of order: the first half of the hours, then the hour after
next, then the hour skipped (its fetched_at is older than what is already loaded), then the rest.
dbt runs after each step, the last three incrementally, with a 3-hour lookback for the daily facts
(the event tables are incremental by landing batch and use no window), so the increments really
leave old rows alone (re-deliveries of events first loaded long before, re-keying after late
profile events). Then every core fact, dimension and analytics mart is compared with a
`--full-refresh` build of the same raw data, on DuckDB and on Postgres.

`test_event_tables_by_batch_late_files_and_profile_events`: the three batch-incremental event
tables (macros/incremental/event_deliveries.sql) under crafted files: a batch of re-deliveries only (no row
names it, so every run takes it again, and nothing changes), a late file whose fetched_at is
earlier than the stored first deliveries (they are replaced), and a late profile_update that
splits a user's history (the user's stored rows are re-keyed). Equal to a full refresh after each.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from flows.dbt import run_dbt
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.warehouse import connect

# the analytics marts read only the star schema (and the hashtags exploded from the stream), except
# the cross-platform comparison, which also reads the TikTok / YouTube marts: it is built and tested
# in test_analytics_growth_marts.py, on a run with TikTok data (its tests are in their own file)
CROSS_PLATFORM = [
    "path:models/marts/analytics/cross_platform_creator_comparison.sql",
    "path:models/marts/analytics/_analytics__cross_platform.yml",
]
SELECT = [
    "--select",
    "+path:models/marts/core",
    "path:models/marts/analytics",
    "+path:models/intermediate/platform",
    "--exclude",
    *CROSS_PLATFORM,
]
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
        "creator_tier_progression",
        "feature_performance_daily",
        "feature_adoption_daily",
        "creator_audience_growth",
        "creator_content_strategy",
        "creator_tier_performance_30d",
        "user_content_diversity_weekly",
    ],
    "intermediate": ["int_platform_entity_events"],
}

# the batch-incremental event tables (and everything they read)
EVENT_TABLES_SELECT = ["--select", "+fact_content_engagements", "+fact_discovery_events"]
EVENT_TABLES = {
    "core": ["fact_content_engagements", "fact_discovery_events"],
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


def _snapshot(
    settings: Settings, tables_by_schema: dict[str, list[str]] = TABLES
) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(settings) as wh:
        for schema, tables in tables_by_schema.items():
            for table in tables:
                df = wh.query_df(f"select * from {schema}.{table}")
                df = df.reindex(sorted(df.columns), axis=1)
                # rows ordered by their exact columns first: a float summed in another order may
                # differ in the last bits and must not reorder rows (floats compare to 1e-9 below)
                exact = [c for c in df.columns if not pd.api.types.is_float_dtype(df[c])]
                floats = [c for c in df.columns if c not in exact]
                frames[f"{schema}.{table}"] = df.sort_values(exact + floats).reset_index(drop=True)
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
    run_dbt(
        [
            "seed",
            "--select",
            "engagement_types",
            "creator_tier_boosts",
            "recommendation_experiments",
        ],
        warehouse,
    )
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
    run_dbt(
        ["test", "--select", *MY_MODELS, "path:tests/core", "--exclude", *CROSS_PLATFORM], warehouse
    )


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _polls(path: Path) -> list[dict]:
    """The well-formed poll lines of a simulated platform archive."""
    polls = []
    with gzip.open(path, "rt") as f:
        for line in f:
            try:
                doc = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(doc, dict) and isinstance(doc.get("response"), dict):
                polls.append(doc)
    return polls


def _write_archive(path: Path, polls: list[dict]) -> Path:
    with gzip.open(path, "wt") as f:
        for poll in polls:
            f.write(json.dumps(poll) + "\n")
    return path


def _poll(events: list[dict], fetched_at: datetime, offset: int) -> dict:
    """One events/v1/poll line (docs/EVENTS.md) on a partition the simulator does not use."""
    return {
        "source": "platform",
        "endpoint": "events/v1/poll",
        "params": {"stream": "app-events", "partition": 99, "offset": offset, "limit": 1000},
        "fetched_at": _ts(fetched_at),
        "response": {
            "partition": 99,
            "offset": offset,
            "next_offset": offset + len(events),
            "events": events,
        },
    }


def _land(settings: Settings, paths: list[Path]) -> list[str]:
    with connect(settings) as wh:
        return [r.batch_id for r in load_paths(wh, paths)]


def _rows_naming(settings: Settings, batch_id: str) -> int:
    with connect(settings) as wh:
        return sum(
            int(
                wh.query_df(
                    f"select count(*) as n from {schema}.{table} where batch_id = ?", [batch_id]
                )["n"][0]
            )
            for schema, tables in EVENT_TABLES.items()
            for table in tables
        )


def test_event_tables_by_batch_late_files_and_profile_events(
    warehouse: Settings, sim_dir: Path, tmp_path: Path
) -> None:
    files = sorted((sim_dir / "platform").glob("*.jsonl.gz"))
    half = HOURS // 2
    _land(warehouse, files[:half])
    run_dbt(["run", *EVENT_TABLES_SELECT, "--full-refresh"], warehouse)
    with connect(warehouse) as wh:
        watermark = wh.query_df("select max(fetched_at) as m from core.fact_content_engagements")[
            "m"
        ][0].to_pydatetime()

    # 1. a batch of re-deliveries only (events of hour 2, fetched after everything loaded): it
    # leaves no row, so every run takes it again; nothing changes, however often
    before = _snapshot(warehouse, EVENT_TABLES)
    redelivered = [e for poll in _polls(files[2])[:3] for e in poll["response"]["events"]]
    assert redelivered
    redelivery_path = _write_archive(
        tmp_path / "platform_redelivery.jsonl.gz",
        [_poll(redelivered, watermark + timedelta(minutes=30), 0)],
    )
    (redelivery_batch,) = _land(warehouse, [redelivery_path])
    for _ in range(2):
        run_dbt(["run", *EVENT_TABLES_SELECT], warehouse)
        assert _rows_naming(warehouse, redelivery_batch) == 0
        _assert_same(_snapshot(warehouse, EVENT_TABLES), before)

    # 2. a late file: the events of two polls of hour 4, fetched a minute before those polls
    # (earlier than the stored first deliveries of most of them), plus a profile_update of a user
    # with engagements on both sides of it (a new version that re-keys the later ones)
    source_polls = _polls(files[4])[:2]
    late_fetched_at = min(
        datetime.fromisoformat(p["fetched_at"].replace("Z", "+00:00")) for p in source_polls
    ) - timedelta(minutes=1)
    copied = [e for poll in source_polls for e in poll["response"]["events"]]
    copied_ids = sorted({e["event_id"] for e in copied if e.get("event_id")})
    with connect(warehouse) as wh:
        placeholders = ", ".join("?" for _ in copied_ids)
        replaced_expected = set(
            wh.query_df(
                "select event_id from core.fact_content_engagements "
                f"where event_id in ({placeholders}) and fetched_at > ? "
                "union all select event_id from core.fact_discovery_events "
                f"where event_id in ({placeholders}) and fetched_at > ?",
                [*copied_ids, late_fetched_at, *copied_ids, late_fetched_at],
            )["event_id"]
        )
        # a user with one profile version and at least four engagements between it and the late
        # file's fetch: the late profile_update splits them (it happened before that fetch)
        candidate = wh.query_df(
            """
            with one_version as (
                select user_id, min(occurred_at) as profile_at
                from intermediate.int_platform_entity_events
                where event_type in ('registration', 'profile_update')
                group by 1
                having count(*) = 1
            )
            select f.user_id, count(*) as n
            from core.fact_content_engagements as f
            inner join one_version as v on f.user_id = v.user_id
            where f.occurred_at > v.profile_at and f.occurred_at < ?
            group by 1
            having count(*) >= 4
            order by 2 desc, 1
            limit 1
            """,
            [late_fetched_at],
        )
        assert len(candidate) == 1, "no user to split"
        user = candidate["user_id"][0]
        profile_at = wh.query_df(
            "select occurred_at from intermediate.int_platform_entity_events "
            "where user_id = ? and event_type in ('registration', 'profile_update')",
            [user],
        )["occurred_at"][0].to_pydatetime()
        times = sorted(
            t.to_pydatetime()
            for t in wh.query_df(
                "select occurred_at from core.fact_content_engagements "
                "where user_id = ? and occurred_at > ? and occurred_at < ?",
                [user, profile_at, late_fetched_at],
            )["occurred_at"]
        )
    assert replaced_expected, "the late file would replace nothing"
    profile = next(
        e
        for f in files[:half]
        for poll in _polls(f)
        for e in poll["response"]["events"]
        if e.get("user_id") == user and e.get("event_type") in ("registration", "profile_update")
    )
    split_at = times[len(times) // 2] - timedelta(milliseconds=1)
    assert profile_at < times[0] < split_at < late_fetched_at
    late_profile = {
        **profile,
        "event_id": profile["event_id"] + "-late",
        "event_type": "profile_update",
        "update_reason": "edit",
        "occurred_at": _ts(split_at),
        "received_at": _ts(split_at),
        "follower_count": int(profile.get("follower_count") or 0) + 1,
    }
    late_path = _write_archive(
        tmp_path / "platform_late.jsonl.gz",
        [_poll(copied, late_fetched_at, 0), _poll([late_profile], late_fetched_at, len(copied))],
    )
    (late_batch,) = _land(warehouse, [late_path])
    run_dbt(["run", *EVENT_TABLES_SELECT], warehouse)
    with connect(warehouse) as wh:
        replaced = set(
            wh.query_df(
                "select event_id from core.fact_content_engagements where batch_id = ? "
                "union all select event_id from core.fact_discovery_events where batch_id = ?",
                [late_batch, late_batch],
            )["event_id"]
        )
        keys = wh.query_df(
            "select occurred_at >= ? as after_split, user_key "
            "from core.fact_content_engagements where user_id = ?",
            [split_at, user],
        )
    assert replaced == replaced_expected
    new_key = hashlib.md5(late_profile["event_id"].encode()).hexdigest()
    assert (keys[keys["after_split"]]["user_key"] == new_key).all()
    assert (keys[~keys["after_split"]]["user_key"] != new_key).all()
    assert _rows_naming(warehouse, redelivery_batch) == 0

    # 3. the rest of the hours, then the same tables from scratch
    _land(warehouse, files[half:])
    run_dbt(["run", *EVENT_TABLES_SELECT], warehouse)
    incremental = _snapshot(warehouse, EVENT_TABLES)
    run_dbt(["run", *EVENT_TABLES_SELECT, "--full-refresh"], warehouse)
    _assert_same(incremental, _snapshot(warehouse, EVENT_TABLES))
