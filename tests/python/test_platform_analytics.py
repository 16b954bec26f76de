"""The experiment, health and privacy marts against the simulator's planted ground truth, on
DuckDB and Postgres: the A/B framework finds the planted lifts inside its intervals and flags
the planted sample-ratio mismatch; moderation, retention and consent follow what was planted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from trendcast.settings import Settings
from trendcast.simulator import SimConfig, simulate
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow

MARTS = [
    "ab_test_results",
    "ab_test_sample_ratio",
    "recommendation_performance",
    "user_retention",
    "user_retention_cohorts",
    "moderation_daily",
    "platform_activity_anonymised_daily",
]
# 30 hours: sign-ups of the first day have a day 1; 30k events: ~1,800 users per experiment,
# enough for the planted effects to be told apart from zero
CONFIG = SimConfig(
    start=datetime(2026, 3, 2, tzinfo=UTC), hours=30, scale="tiny", events=30_000, seed=7,
    sources=("platform",),
)  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("platform_analytics")
    return out, simulate(CONFIG, out)


def _ms(ts) -> int:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return round(ts.timestamp() * 1000)


def _truth(folder: Path, name: str) -> list[dict]:
    return pq.read_table(folder / "_truth" / f"{name}.parquet").to_pylist()


def test_marts_match_planted_truth(warehouse: Settings, run) -> None:
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths

    folder, manifest = run
    missing = manifest["sources"]["platform"]["missing_field_events"]
    with connect(warehouse) as wh:
        load_paths(wh, [folder])
    # the marts and what they read; data tests only where every parent is built
    selection = ["recommendation_experiments", *[f"+{m}" for m in MARTS]]
    run_dbt(["build", "--indirect-selection", "cautious", "--select", *selection], warehouse)
    with connect(warehouse) as wh:
        results = {
            (e, v, m): (lift, lo, hi, significant)
            for e, v, m, lift, lo, hi, significant in wh.query(
                "select experiment_id, variant, metric, relative_lift, relative_lift_ci_low, "
                "relative_lift_ci_high, is_significant from analytics.ab_test_results"
            )
        }
        srm = dict(
            wh.query(
                "select experiment_id, bool_or(has_sample_ratio_mismatch) "
                "from analytics.ab_test_sample_ratio group by 1"
            )
        )
        retained_users = {r[0] for r in wh.query("select user_id from analytics.user_retention")}
        signed_up = {
            r[0]
            for r in wh.query(
                "select user_id from intermediate.int_platform_accounts_lifecycle "
                "where has_signed_up_in_stream"
            )
        }
        cohorts = wh.query(
            "select sum(signups), sum(retained_day_1), sum(churned) "
            "from analytics.user_retention_cohorts"
        )[0]
        moderation = wh.query(
            "select sum(reports), sum(decided_reports), sum(open_reports) "
            "from analytics.moderation_daily"
        )[0]
        anonymised = wh.query(
            "select min(user_count), sum(events_without_consent), "
            "sum(case when is_suppressed then 1 else 0 end) "
            "from analytics.platform_activity_anonymised_daily"
        )[0]
        baseline = wh.query(
            "select count(*) from analytics.recommendation_performance "
            "where discovery_source = 'for_you' and baseline_click_through_rate is not null"
        )[0][0]

    # A/B: every planted lift lies inside its 95 % interval, which excludes zero
    design = _truth(folder, "experiments")
    planted = [d for d in design if d["planted_metric"] and not d["is_control"]]
    assert planted
    for d in planted:
        lift, lo, hi, significant = results[(d["experiment_id"], d["variant"], d["planted_metric"])]
        assert lo <= d["planted_relative_lift"] <= hi, (d, lift, lo, hi)
        assert significant and lo > 0, (d, lift, lo, hi)
    # ... and the planted sample-ratio mismatch, only it, is flagged
    lost = {d["experiment_id"] for d in design if d["lost_assignment_rate"] > 0}
    assert lost and {e for e, flagged in srm.items() if flagged} == lost

    # retention: exactly the sign-ups consenting at sign-up (less states lost in delivery)
    consent = _truth(folder, "consent")
    first_state = {c["user_id"]: c["analytics_consent"] for c in consent if c["update_reason"] == "snapshot"}  # fmt: skip
    closures = {c["user_id"] for c in _truth(folder, "account_closures")}
    consenting = {u for u in signed_up if first_state.get(u)}
    assert retained_users <= consenting
    assert len(consenting) - len(retained_users) <= missing
    assert not any(first_state.get(u) is False for u in retained_users)
    signups, retained_day_1, churned = cohorts
    assert signups == len(retained_users) > 20
    assert 0 < retained_day_1 < signups
    assert churned == len(retained_users & closures) > 0

    # moderation: every report that arrived, decided as planted or still open
    reports = _truth(folder, "moderation_reports")
    end = _ms(CONFIG.start) + CONFIG.hours * 3_600_000
    arrived = [r for r in reports if _ms(r["reported_at"]) < end]
    reported, decided, still_open = moderation
    assert len(arrived) - missing <= reported <= len(arrived)
    assert reported == decided + still_open
    assert abs(decided - sum(r["is_actioned_in_run"] for r in arrived)) <= missing

    # privacy: small groups suppressed, events without consent counted in the aggregate only
    min_users, without_consent, suppressed = anonymised
    assert min_users >= 10 and without_consent > 0 and suppressed > 0
    assert baseline > 0


def test_experiment_seed_matches_the_simulated_design() -> None:
    """The warehouse's design seed and the simulator's experiments describe the same tests."""
    import csv

    from trendcast.settings import PROJECT_DIR
    from trendcast.simulator.platform.experiments import EXPERIMENTS

    with open(PROJECT_DIR / "seeds" / "recommendation_experiments.csv", newline="") as fh:
        seed = {(r["experiment_id"], r["variant"]): r for r in csv.DictReader(fh)}
    simulated = {
        (e.experiment_id, v): (k == 0, w / sum(e.weights))
        for e in EXPERIMENTS
        for k, (v, w) in enumerate(zip(e.variants, e.weights, strict=True))
    }
    assert seed.keys() == simulated.keys()
    for key, (is_control, share) in simulated.items():
        assert (seed[key]["is_control"] == "true") == is_control
        assert float(seed[key]["traffic_share"]) == pytest.approx(share)
