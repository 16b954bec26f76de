"""Hourly and daily count series with collection gaps masked out (NaN), never read as zero.

The warehouse computes the gap flags (forecasting.fct_post_counts_hourly/_daily); `flag_gap_days`
is the same rule in pandas, used by the tests and by research on archive files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GAP_RATIO = 0.2  # a day with fewer posts than this share of the trailing median is a gap
GAP_WINDOW_DAYS = 28
GAP_MIN_HISTORY_DAYS = 7


def flag_gap_days(
    daily_counts: pd.Series,
    has_request: pd.Series,
    ratio: float = GAP_RATIO,
    window: int = GAP_WINDOW_DAYS,
    min_history: int = GAP_MIN_HISTORY_DAYS,
) -> pd.DataFrame:
    """Flag days that are collection gaps rather than quiet days.

    A day is a gap when no request window covered it (`no_request`), or when its count is below
    `ratio` x the median of the previous `window` calendar days that had a request
    (`anomalously_low`, needs `min_history` such days). Only earlier days enter the median, so the
    flag of a day is known as soon as that day has been fetched.
    """
    counts = daily_counts.astype(float)
    observed = counts.where(has_request.astype(bool))
    median = observed.shift(1).rolling(window, min_periods=min_history).median()
    no_request = ~has_request.astype(bool)
    low = (~no_request) & median.notna() & (counts < ratio * median)
    reason = np.where(no_request, "no_request", np.where(low, "anomalously_low", None))
    return pd.DataFrame(
        {
            "post_count": daily_counts,
            "trailing_median": median,
            "is_gap": no_request | low,
            "gap_reason": reason,
        },
        index=daily_counts.index,
    )


@dataclass
class CountSeries:
    """Hourly counts (UTC) with NaN on gap hours, and the matching daily totals."""

    hourly: pd.Series  # index: hourly DatetimeIndex (UTC), values float, NaN = gap
    daily: pd.Series  # index: daily DatetimeIndex (UTC), NaN = gap day

    @classmethod
    def from_buckets(cls, hourly: pd.DataFrame) -> CountSeries:
        """From rows (bucket_start, post_count, is_gap): a zero-filled hourly frame."""
        frame = hourly.copy()
        frame["bucket_start"] = pd.to_datetime(frame["bucket_start"], utc=True)
        frame = frame.sort_values("bucket_start").set_index("bucket_start")
        full = pd.date_range(frame.index.min(), frame.index.max(), freq="h", tz="UTC")
        counts = frame["post_count"].astype(float).reindex(full, fill_value=0.0)
        gap = frame["is_gap"].astype(bool).reindex(full, fill_value=True)
        values = counts.where(~gap)
        day_gap = gap.groupby(full.floor("D")).any()
        day_sum = counts.groupby(full.floor("D")).sum()
        day_hours = counts.groupby(full.floor("D")).size()
        daily = day_sum.where(~day_gap & (day_hours == 24))
        daily.index = pd.DatetimeIndex(daily.index)
        return cls(hourly=values, daily=daily)

    def until(self, origin: pd.Timestamp) -> CountSeries:
        """Only what was known before `origin` (the point-in-time cut)."""
        return CountSeries(
            hourly=self.hourly[self.hourly.index < origin],
            daily=self.daily[self.daily.index + pd.Timedelta("1D") <= origin],
        )
