"""Point in time: features at an origin never change when later data is appended or altered,
and gap hours are skipped (NaN), never read as zero."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_ml.forecast.features import (
    DAILY_FEATURES,
    HOURLY_FEATURES,
    daily_origin_features,
    hourly_origin_features,
)
from python_ml.forecast.series import CountSeries


def _buckets(days: int, seed: int = 0, gap_days: tuple[int, ...] = ()) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=days * 24, freq="h", tz="UTC")
    counts = rng.poisson(2 + 2 * np.sin(np.arange(len(idx)) * 2 * np.pi / 24) ** 2)
    day = (idx - idx[0]).days
    return pd.DataFrame(
        {"bucket_start": idx, "post_count": counts, "is_gap": np.isin(day, gap_days)}
    )


EVENTS = pd.DataFrame(
    {
        "event_id": ["a", "future"],
        "event_start": pd.to_datetime(["2024-02-09T12:00:00Z", "2024-02-10T06:00:00Z"]),
        "event_end": pd.to_datetime(["2024-02-10T12:00:00Z", "2024-02-12T00:00:00Z"]),
        "intensity": [0.67, 1.0],
    }
)


@pytest.mark.parametrize("granularity", ["hourly", "daily"])
def test_features_at_origin_unchanged_when_later_data_is_appended(granularity):
    short = _buckets(40)
    longer = _buckets(70, seed=5)  # different random future ...
    longer.iloc[: len(short)] = short.to_numpy()  # ... same past
    longer["post_count"] = longer["post_count"].astype(int)
    longer["is_gap"] = longer["is_gap"].astype(bool)
    longer.loc[len(short) :, "post_count"] *= 10
    origin = pd.Timestamp("2024-02-10", tz="UTC")
    build = hourly_origin_features if granularity == "hourly" else daily_origin_features
    feats = HOURLY_FEATURES if granularity == "hourly" else DAILY_FEATURES
    horizon = 24 if granularity == "hourly" else 7
    a = build(CountSeries.from_buckets(short), [origin], horizon, EVENTS)
    b = build(CountSeries.from_buckets(longer), [origin], horizon, EVENTS)
    pd.testing.assert_frame_equal(a[feats], b[feats])
    # the target itself does see the future (that is what is scored) -> this test can fail
    assert not np.allclose(a["y"].fillna(-1), b["y"].fillna(-1))


def test_events_only_count_after_their_start():
    s = CountSeries.from_buckets(_buckets(45))
    f = hourly_origin_features(s, [pd.Timestamp("2024-02-10", tz="UTC")], 1, EVENTS)
    assert f["event_count_24h"].iloc[0] == 1  # "future" starts after the origin
    assert f["event_intensity_max_24h"].iloc[0] == 0.67


def test_event_intensity_is_the_strongest_active_event_not_a_sum():
    events = pd.DataFrame(
        {
            "event_id": ["minor_a", "minor_b", "ended"],
            "event_start": pd.to_datetime(
                ["2024-02-09T10:00:00Z", "2024-02-09T20:00:00Z", "2024-02-01T00:00:00Z"]
            ),
            "event_end": pd.to_datetime([None, None, "2024-02-02T00:00:00Z"], utc=True),
            "intensity": [0.33, 0.67, 1.0],
        }
    )
    s = CountSeries.from_buckets(_buckets(45))
    f = hourly_origin_features(s, [pd.Timestamp("2024-02-10", tz="UTC")], 1, events)
    assert f["event_count_24h"].iloc[0] == 2  # the event that ended a week before is not active
    assert f["event_intensity_max_24h"].iloc[0] == 0.67  # a sum would give 1.0


def test_gap_hours_are_skipped_not_zero():
    b = _buckets(40, gap_days=(38,))
    b.loc[b["is_gap"], "post_count"] = 0  # the collector missed that day
    s = CountSeries.from_buckets(b)
    assert s.hourly.isna().sum() == 24
    assert np.isnan(s.daily.iloc[38])
    origin = pd.Timestamp("2024-02-09", tz="UTC")  # day 39 00:00: the last 24 h are the gap
    f = hourly_origin_features(s, [origin], 1)
    assert np.isnan(f["rolling_mean_24h"].iloc[0])
    assert np.isnan(f["lag_1h"].iloc[0])
    past = s.hourly[(s.hourly.index < origin) & (s.hourly.index >= origin - pd.Timedelta("7D"))]
    assert f["rolling_mean_7d"].iloc[0] == pytest.approx(past.mean())  # NaN skipped, not zero
    assert f["rolling_mean_7d"].iloc[0] > past.fillna(0).mean()
