"""The creator-growth, feature and diversity marts of the analytics schema on a simulated run.

A day of the simulator's platform stream and TikTok API archive (one world: a person has one
username on both) is landed and the marts are built and tested (contracts, keys, unit tests) on
DuckDB and on Postgres. Then:

- the cross-platform comparison's handle matches are checked against the simulator's world: a
  platform user `u<10,000,000 + i>` and a TikTok account `<name>.<1000 + i>` are the same person i,
  so every match must pair the same i (precision), and every platform user whose person has a
  TikTok account with videos in the run must be matched (recall);
- the 30-day tier mart, the audience growth and the diversity mart reconcile with the core facts
  they summarise (nothing dropped or counted twice by the joins).

The incremental == full-refresh property of the marts built on the star schema is checked in
test_star_schema_incremental.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.dbt import run_dbt
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.simulator import SimConfig, simulate
from trendcast.warehouse import connect

MARTS = [
    "feature_performance_daily",
    "feature_adoption_daily",
    "creator_audience_growth",
    "creator_content_strategy",
    "creator_tier_performance_30d",
    "cross_platform_creator_comparison",
    "user_content_diversity_weekly",
]
SEEDS = ["engagement_types", "creator_tier_boosts", "creator_identity_links"]


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("growth_sim")
    cfg = SimConfig(
        start=datetime(2025, 6, 1, tzinfo=UTC),
        hours=24,
        scale="tiny",
        events=20_000,
        seed=7,
        sources=("platform", "tiktok"),
    )
    simulate(cfg, out)
    return out


def _person_of_platform_user(user_id: str) -> int:
    return int(user_id.removeprefix("u")) - 10_000_000


def _person_of_tiktok_account(creator_id: str) -> int:
    return int(creator_id.removeprefix("tiktok:").rsplit(".", 1)[1]) - 1000


def test_growth_marts_on_a_simulated_day(warehouse: Settings, sim_dir: Path) -> None:
    with connect(warehouse) as wh:
        load_paths(wh, [sim_dir / "platform", sim_dir / "tiktok"])
    run_dbt(["seed", "--select", *SEEDS], warehouse)
    run_dbt(["run", "--select", "dim_date", *(f"+{m}" for m in MARTS)], warehouse)
    run_dbt(["test", "--select", *MARTS], warehouse)

    with connect(warehouse) as wh:
        q = wh.query_df
        matches = q(
            "select platform_user_id, creator_id from analytics.cross_platform_creator_comparison "
            "where match_rule = 'handle'"
        )
        tiktok_people = {
            _person_of_tiktok_account(c)
            for c in q("select distinct creator_id from trends.videos where platform = 'tiktok'")[
                "creator_id"
            ]
        }
        platform_people = {
            _person_of_platform_user(u)
            for u in q(
                "select distinct user_id from intermediate.int_user_profile_versions "
                "where username is not null"
            )["user_id"]
        }
        tier_30d = q(
            "select sum(net_follower_growth) as net, sum(creator_days) as days "
            "from analytics.creator_tier_performance_30d"
        )
        fact_30d = q(
            """
            select sum(f.net_follower_change) as net, count(*) as days
            from core.fact_creator_analytics as f
            inner join core.dim_users_history as h on f.user_key = h.user_key
            where f.activity_date > (select max(activity_date) from core.fact_creator_analytics) - 30
            """
        )
        growth = q(
            "select count(*) as n, sum(net_follower_change) as net "
            "from analytics.creator_audience_growth"
        )
        creator_days = q(
            "select count(*) as n, sum(net_follower_change) as net from core.fact_creator_analytics"
        )
        diversity = q(
            "select sum(impressions) as n, sum(case when is_echo_chamber then 1 else 0 end) as echo "
            "from analytics.user_content_diversity_weekly"
        )
        # the diversity mart is user-level: impressions shown while the user consented only
        impressions = q(
            "select count(*) as n from core.fact_discovery_events as i "
            "inner join intermediate.int_platform_consent_periods as c on i.user_id = c.user_id "
            "and i.discovery_timestamp >= c.valid_from "
            "and (c.valid_to is null or i.discovery_timestamp < c.valid_to) "
            "where c.has_analytics_consent"
        )
        adoption = q(
            "select videos_posted, videos_using_feature from analytics.feature_adoption_daily "
            "where feature_type = 'hashtag'"
        )
        hashtags = q(
            "select count(*) as n from analytics.feature_performance_daily "
            "where feature_type = 'hashtag' and videos_engaged > 0"
        )

    pairs = [
        (_person_of_platform_user(u), _person_of_tiktok_account(c))
        for u, c in zip(matches["platform_user_id"], matches["creator_id"], strict=True)
    ]
    assert len(pairs) >= 20, "too few creators on both platforms to check the matching"
    assert all(p == t for p, t in pairs), "a handle match paired two different people"
    assert {p for p, _ in pairs} == tiktok_people & platform_people, "a person was not matched"

    assert int(tier_30d["net"][0]) == int(fact_30d["net"][0])
    assert int(tier_30d["days"][0]) == int(fact_30d["days"][0]) > 0
    assert int(growth["n"][0]) == int(creator_days["n"][0]) > 0
    assert int(growth["net"][0]) == int(creator_days["net"][0])
    assert int(diversity["n"][0]) == int(impressions["n"][0]) > 0
    assert (
        len(adoption) >= 1 and (adoption["videos_using_feature"] <= adoption["videos_posted"]).all()
    )
    assert int(hashtags["n"][0]) > 0
