"""Trend virality model: the time split purges the window, the trending baseline decays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_ml.trends_model import task_name
from python_ml.trends_model.train import TrainConfig, split, trending_score


def _frame(hours: int) -> pd.DataFrame:
    times = pd.date_range("2026-01-01", periods=hours, freq="h", tz="UTC")
    return pd.DataFrame({"as_of_at": times, "has_label": True, "label": np.arange(hours) % 2})


def test_split_is_time_ordered_with_a_purge_at_least_the_window() -> None:
    df = _frame(200)
    for window in (6, 12, 24, 48):
        train, test = split(df, window, TrainConfig(test_fraction=0.3))
        assert len(train) > 0 and len(test) > 0
        gap = test["as_of_at"].min() - train["as_of_at"].max()
        assert gap >= pd.Timedelta(hours=window)


def test_trending_score_rises_with_current_activity_and_decays_with_age() -> None:
    df = pd.DataFrame(
        {
            "reach_24h": [100.0, 1000.0, 1000.0],
            "baseline_daily_reach": [100.0, 100.0, 100.0],
            "hours_since_first_seen": [0.0, 0.0, 72.0],
        }
    )
    s = trending_score(df, half_life_hours=72.0)
    assert s[0] == 0.0 and s[1] > 0 and np.isclose(s[2], s[1] / 2)


def test_task_names_match_the_feature_store_residual_mapping() -> None:
    assert task_name("hashtag", 24) == "trends_hashtag_viral_24h"
    assert task_name("video", 24) == "trends_video_viral_24h"
