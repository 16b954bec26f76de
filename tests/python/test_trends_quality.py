"""The quality step's rules: PSI, the score, severities, and the X low-volume and gap checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_ml.quality.checks import (
    _longest_run,
    _severity,
    collection_gaps,
    platform_stream,
    run_checks,
    x_post_volume,
)
from python_ml.quality.features import (
    QualityConfig,
    feature_stats,
    kl_divergence,
    psi,
    quality_score,
)
from trendcast.settings import Settings


def test_psi_is_small_for_the_same_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=5000)
    assert psi(base, rng.normal(size=5000)) < 0.05
    assert psi(base, rng.normal(loc=2.0, size=5000)) > 0.25
    assert psi(base[:5], base) is None  # too little baseline to bin


def test_quality_score_is_bounded_and_penalises_nulls_drift_and_outliers() -> None:
    assert quality_score(0.0, 0.0, 0.0) == 1.0
    assert quality_score(1.0, 10.0, 1.0) == 0.0
    assert quality_score(0.2, None, 0.0) < 1.0
    assert quality_score(0.0, 0.5, 0.0) < quality_score(0.0, 0.05, 0.0)


def test_severity_bands() -> None:
    assert _severity(0.0, 0.01, 0.05, 0.2, 0.5) is None
    assert _severity(0.03, 0.01, 0.05, 0.2, 0.5) == "low"
    assert _severity(0.3, 0.01, 0.05, 0.2, 0.5) == "high"
    assert _severity(0.9, 0.01, 0.05, 0.2, 0.5) == "critical"
    days = pd.DatetimeIndex(["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-09"], tz="UTC")
    assert _longest_run(days) == 3


def test_x_checks_find_a_missing_day_and_a_thin_day(duckdb_warehouse: Settings) -> None:
    from trendcast.warehouse import connect

    days = pd.date_range("2025-03-01", periods=40, freq="D", tz="UTC")
    thin, missing = days[20], days[25]
    posts = []
    for d in days:
        if d == missing:
            continue
        n = 2 if d == thin else 40
        posts += [{"account": "someone", "created_at": d + pd.Timedelta(minutes=7 * i)}
                  for i in range(n)]  # fmt: skip
    posts = pd.DataFrame(posts)
    responses = pd.DataFrame(
        {
            "source": "x",
            "processing_status": "processed",
            "fetched_at": [d + pd.Timedelta(hours=23) for d in days if d != missing],
        }
    )
    with connect(duckdb_warehouse) as wh:
        wh.write_df(posts, "forecasting", "raw_tweets")
        wh.write_df(responses, "raw", "api_responses")
        volume = list(x_post_volume(wh))
        gaps = [r for r in collection_gaps(wh) if r["source"] == "x"]
    assert len(volume) == 1 and not volume[0]["passed"]
    assert str(thin.date()) in volume[0]["details"] and str(missing.date()) in volume[0]["details"]
    assert len(gaps) == 1 and gaps[0]["observed_value"] == 1 and not gaps[0]["passed"]
    assert str(missing.date()) in gaps[0]["details"]


def test_kl_divergence_grows_with_the_shift_and_is_one_sided() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=5000)
    same = kl_divergence(base, rng.normal(size=5000))
    shifted = kl_divergence(base, rng.normal(loc=1.0, size=5000))
    far = kl_divergence(base, rng.normal(loc=2.0, size=5000))
    assert same is not None and same < 0.01
    assert shifted is not None and far is not None and 0.05 < shifted < far
    narrow = rng.normal(scale=0.2, size=5000)
    assert kl_divergence(base, narrow) != kl_divergence(narrow, base)
    assert kl_divergence(base[:5], base) is None


def test_feature_stats_counts_nulls() -> None:
    rng = np.random.default_rng(2)
    current = pd.Series(np.r_[rng.normal(size=90), [np.nan] * 10])
    stats = feature_stats({}, current, pd.Series(rng.normal(size=500)), QualityConfig())
    assert stats["null_count"] == 10 and stats["null_pct"] == 10.0
    assert stats["kl_divergence"] is not None and stats["kl_divergence"] >= 0


def _events(n_views: int, bad_watch: int, skewed: int) -> pd.DataFrame:
    at = pd.Timestamp("2025-03-01", tz="UTC")
    rows = [{"event_type": "view", "content_id": "c", "creator_id": "u",
             "watch_duration_seconds": 5.0, "completion_percentage": 50.0,
             "occurred_at": at, "received_at": at + pd.Timedelta(seconds=2)}
            for _ in range(n_views)]  # fmt: skip
    for r in rows[:bad_watch]:
        r["completion_percentage"] = 140.0
    for r in rows[bad_watch : bad_watch + skewed]:
        r["received_at"] = at - pd.Timedelta(hours=1)
    rows.append({"event_type": "registration", "content_id": None, "creator_id": None,
                 "watch_duration_seconds": None, "completion_percentage": None,
                 "occurred_at": at, "received_at": at})  # fmt: skip
    return pd.DataFrame(rows)


# the staging models the counting SQL reads, as one-row frames of their checked columns
# (the row is dropped: the tables start empty)
_STAGED = {
    "stg_tiktok__videos": {"username": "a", "created_at": "x", "view_count": 1, "like_count": 1,
                           "hashtags_json": "[]"},
    "stg_youtube__video_snapshots": {"published_at": "x", "channel_id": "c", "view_count": 1,
                                     "like_count": 1, "comment_count": 1},
    "stg_mastodon__statuses": {"created_at": "x", "account_id": "a", "language_code": "en",
                               "favourites_count": 1},
}  # fmt: skip


def _stage(settings: Settings, events: pd.DataFrame) -> None:
    """Stage `events` as the parsed platform stream; the first time, build the counting views
    (int_staging_rows_checked, staging_quality_counts) over it, which then read every change."""
    from flows.dbt import run_dbt
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        first = not wh.table_exists("staging", "stg_platform__events")
        for table, row in _STAGED.items():
            if not wh.table_exists("staging", table):
                wh.write_df(pd.DataFrame([row]), "staging", table)
                wh.execute(f"delete from staging.{table}")
        if not first:
            wh.execute("delete from staging.stg_platform__events")
        wh.write_df(events, "staging", "stg_platform__events")
    if first:
        run_dbt(["run", "--select", "int_staging_rows_checked", "staging_quality_counts"], settings)


def test_platform_checks_count_records_and_resolve_later(warehouse: Settings) -> None:
    """The platform contract's rules (SQL, int_staging_rows_checked) count the right rows, and a
    failure of one run is resolved by the next run in which the check passes."""
    from trendcast.warehouse import connect

    _stage(warehouse, _events(200, bad_watch=20, skewed=1))
    with connect(warehouse) as wh:
        rows = {r["subject"]: r for r in platform_stream(wh)}
        first = run_checks(wh, "run-1", pd.Timestamp("2025-03-02", tz="UTC"))
    _stage(warehouse, _events(200, bad_watch=0, skewed=1))
    with connect(warehouse) as wh:
        second_at = pd.Timestamp("2025-03-03", tz="UTC")
        run_checks(wh, "run-2", second_at)
        stored = wh.query_df(
            "select run_id, subject, passed, resolved_at from ml.data_quality_checks "
            "where check_name = 'platform_event_contract' order by run_id, subject"
        ).set_index(["run_id", "subject"])
    watch = rows["watch_outside_duration"]
    # the registration is not a view: only the 200 views are checked
    assert (watch["records_checked"], watch["failed_records"]) == (200, 20)
    assert watch["failure_rate"] == 0.1 and not watch["passed"] and watch["severity"] == "medium"
    assert rows["content_id"]["records_checked"] == 200 and rows["content_id"]["passed"]
    skew = rows["received_before_occurred"]
    assert skew["records_checked"] == 201 and skew["failed_records"] == 1
    assert not first.empty and {"records_checked", "failed_records", "failure_rate"} <= set(first)
    # the watch failure of run-1 is closed by run-2; the clock skew persists and stays open
    assert pd.Timestamp(stored.loc[("run-1", "watch_outside_duration"), "resolved_at"]) == second_at
    assert bool(stored.loc[("run-2", "watch_outside_duration"), "passed"])
    assert pd.isna(stored.loc[("run-1", "received_before_occurred"), "resolved_at"])
    assert pd.isna(stored.loc[("run-2", "received_before_occurred"), "resolved_at"])
