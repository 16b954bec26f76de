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


def _ms(ts) -> int:
    """Epoch milliseconds of a warehouse timestamp (naive = UTC) or a truth timestamp."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return round(ts.timestamp() * 1000)


def test_platform_lifecycle_models_match_truth(warehouse: Settings, tmp_path) -> None:
    """Experiments, reports, consent and closures reach their intermediate models as planted."""
    import pyarrow.parquet as pq

    from flows.dbt import run_dbt
    from trendcast.landing import load_paths

    cfg = SimConfig(
        start=datetime(2026, 3, 2, tzinfo=UTC), hours=12, scale="tiny", seed=5,
        sources=("platform",),
    )  # fmt: skip
    manifest = simulate(cfg, tmp_path / "sim")
    missing = manifest["sources"]["platform"]["missing_field_events"]
    truth = {n: pq.read_table(tmp_path / "sim" / "_truth" / f"{n}.parquet").to_pylist()
             for n in ("experiments", "moderation_reports", "consent", "account_closures")}  # fmt: skip
    with connect(warehouse) as wh:
        load_paths(wh, [tmp_path / "sim"])
    models = [
        "int_platform_experiment_assignments_first",
        "int_platform_reports_decided",
        "int_platform_consent_periods",
        "int_platform_accounts_lifecycle",
        "int_platform_content_effects_exploded",
    ]
    run_dbt(["build", "--select", "stg_platform__events", *models], warehouse)
    with connect(warehouse) as wh:
        assigned = dict(
            ((e, v), n)
            for e, v, n in wh.query(
                "select experiment_id, variant, count(*) from "
                "intermediate.int_platform_experiment_assignments_first group by 1, 2"
            )
        )
        reports = wh.query(
            "select report_id, reported_at, actioned_at, moderation_action "
            "from intermediate.int_platform_reports_decided"
        )
        consent = wh.query(
            "select user_id, valid_from, has_analytics_consent "
            "from intermediate.int_platform_consent_periods"
        )
        closed = wh.query(
            "select user_id, closed_at from intermediate.int_platform_accounts_lifecycle "
            "where is_closed"
        )
        effects = wh.query(
            "select count(distinct content_id) from intermediate.int_platform_content_effects_exploded"
        )[0][0]
    # assignments: every seen user once per experiment, less the planted lost ones and the
    # events that lost their experiment or variant field in delivery
    for row in truth["experiments"]:
        expected = round(row["users_assigned"] * (1 - row["lost_assignment_rate"]))
        got = assigned[(row["experiment_id"], row["variant"])]
        slack = missing + 4 * (row["users_assigned"] * row["lost_assignment_rate"]) ** 0.5
        assert expected - slack <= got <= row["users_assigned"], row
    # reports and decisions: as planted, decisions only when they fall inside the run
    planted = {r["report_id"]: r for r in truth["moderation_reports"]}
    end = _ms(cfg.start) + cfg.hours * 3_600_000
    assert len(reports) > 10
    assert len(reports) >= sum(_ms(r["reported_at"]) < end for r in planted.values()) - missing
    for report_id, reported_at, actioned_at, action in reports:
        p = planted[report_id]
        if reported_at is not None:
            assert _ms(reported_at) == _ms(p["reported_at"])
        if actioned_at is not None:
            assert _ms(actioned_at) == _ms(p["actioned_at"]) < end
            assert action in (p["moderation_action"], None)
    # consent: every state planted, none invented (a state may lose its flag in delivery)
    planted_states = {
        (c["user_id"], _ms(c["changed_at"]), c["analytics_consent"]) for c in truth["consent"]
    }
    got_states = {(u, _ms(t), flag) for u, t, flag in consent}
    assert got_states <= planted_states
    assert len(planted_states) - missing <= len(got_states)
    assert any(c["update_reason"] == "change" for c in truth["consent"])
    # closures are exact (user_id and occurred_at are required fields)
    assert {(u, _ms(t)) for u, t in closed} == {
        (c["user_id"], _ms(c["closed_at"])) for c in truth["account_closures"]
    }
    assert closed and effects > 0
