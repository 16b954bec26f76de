"""Gap flagging on a hand-made series (the same rule fct_post_counts_daily applies in SQL; its dbt
unit test checks the SQL side)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_ml.forecast.series import flag_gap_days


def _days(counts, requested=None):
    idx = pd.date_range("2024-03-01", periods=len(counts), freq="D", tz="UTC")
    req = pd.Series(requested if requested is not None else [True] * len(counts), index=idx)
    return pd.Series(counts, index=idx, dtype=float), req


def test_missing_request_and_collapsed_day_are_gaps_quiet_day_is_not():
    counts = [100, 90, 110, 95, 105, 100, 98, 5, 0, 45, 102, 1]
    requested = [True] * 8 + [False] + [True] * 3
    daily, req = _days(counts, requested)
    out = flag_gap_days(daily, req)
    reasons = dict(zip(range(len(counts)), out["gap_reason"], strict=True))
    assert reasons[8] == "no_request"
    assert reasons[7] == "anomalously_low"  # 5 < 0.2 x median(100, 90, ...)
    assert reasons[11] == "anomalously_low"
    assert reasons[9] is None  # 45 is quiet but plausible (>= 0.2 x ~99)
    assert not out["is_gap"].iloc[:7].any()  # too little history for the low rule


def test_gap_days_do_not_drag_the_trailing_median_down():
    counts = [50] * 10 + [0] * 3 + [40]
    requested = [True] * 10 + [False] * 3 + [True]
    daily, req = _days(counts, requested)
    out = flag_gap_days(daily, req)
    assert out["trailing_median"].iloc[-1] == 50  # missing days are not zeros
    assert not out["is_gap"].iloc[-1]
    assert out["is_gap"].iloc[10:13].all()


def test_zero_posts_on_a_covered_day_with_history_is_a_gap_without_history_is_not():
    daily, req = _days([0, 30, 30, 30, 30, 30, 30, 30, 0])
    out = flag_gap_days(daily, req)
    assert not out["is_gap"].iloc[0]
    assert out["is_gap"].iloc[-1]
    assert np.isnan(out["trailing_median"].iloc[0])
