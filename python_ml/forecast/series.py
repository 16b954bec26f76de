"""Hourly and daily count series with collection gaps masked out (NaN), never read as zero.

The warehouse computes the gap flags (forecasting.fct_post_counts_hourly/_daily, pinned by their
dbt unit tests); this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


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
