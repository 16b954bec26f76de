"""Point-in-time features for direct multi-horizon forecasts.

A forecast made at `origin` for the bucket `origin + k` may only use buckets that end at or before
the origin. Every feature below is computed from `y[:origin]` (gap hours are NaN and are skipped
by the means), so appending later data never changes the features of an earlier origin (tested).
Names follow forecasting.fct_post_count_features_hourly: lags 1h/6h/12h/24h/7d, rolling mean/std
over 24h and 7d, calendar of the target bucket, exogenous events active in the 24h before origin.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from python_ml.forecast.series import CountSeries

HOURLY_FEATURES = [
    "lag_1h",
    "lag_6h",
    "lag_12h",
    "lag_24h",
    "lag_7d",
    "mean_6h",
    "mean_12h",
    "rolling_mean_24h",
    "rolling_std_24h",
    "rolling_mean_7d",
    "rolling_std_7d",
    "rolling_mean_28d",
    "horizon",
    "hour_of_day",
    "day_of_week",
    "is_weekend",
    "target_lag_24h",
    "target_lag_7d",
    "same_hour_last",
    "same_hour_mean_7d",
    "same_hour_mean_28d",
    "same_hour_mean_4w",
    "event_count_24h",
    "event_intensity_max_24h",
]
DAILY_FEATURES = [
    "lag_1d",
    "mean_3d",
    "mean_7d",
    "mean_14d",
    "mean_28d",
    "std_7d",
    "ewm_level",
    "last_24h_share_night",
    "horizon",
    "day_of_week",
    "is_weekend",
    "target_lag_7d",
    "event_count_24h",
    "event_intensity_max_24h",
]
EWM_HALFLIFE_DAYS = 7.0


def _nanmean(a: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(a)) if a.size else float("nan")


def _nanstd(a: np.ndarray) -> float:
    a = a[~np.isnan(a)]
    return float(a.std(ddof=1)) if a.size > 1 else float("nan")


def event_features(events: pd.DataFrame | None, origin: pd.Timestamp) -> tuple[float, float]:
    """(count, strongest intensity) of events that had started before `origin` and were active in
    the 24 h before it. Events in the future of the origin are never used. The strongest, not the
    sum: two minor events on one day are not one major event (docs/FORECASTING.md)."""
    if events is None or events.empty:
        return 0.0, 0.0
    start = pd.to_datetime(events["event_start"], utc=True)
    end = pd.to_datetime(events["event_end"], utc=True).fillna(start + pd.Timedelta("1D"))
    active = (start < origin) & (end >= origin - pd.Timedelta("24h"))
    if not active.any():
        return 0.0, 0.0
    return float(active.sum()), float(events.loc[active, "intensity"].astype(float).max())


def _origin_block(y: np.ndarray, i0: int) -> dict[str, float]:
    def at(j: int) -> float:
        return float(y[j]) if 0 <= j < len(y) and j < i0 else float("nan")

    def window(n: int) -> np.ndarray:
        return y[max(0, i0 - n) : i0]

    return {
        "lag_1h": at(i0 - 1),
        "lag_6h": at(i0 - 6),
        "lag_12h": at(i0 - 12),
        "lag_24h": at(i0 - 24),
        "lag_7d": at(i0 - 168),
        "mean_6h": _nanmean(window(6)),
        "mean_12h": _nanmean(window(12)),
        "rolling_mean_24h": _nanmean(window(24)),
        "rolling_std_24h": _nanstd(window(24)),
        "rolling_mean_7d": _nanmean(window(168)),
        "rolling_std_7d": _nanstd(window(168)),
        "rolling_mean_28d": _nanmean(window(672)),
    }


def hourly_origin_features(
    series: CountSeries,
    origins: list[pd.Timestamp] | pd.DatetimeIndex,
    horizon_hours: int,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (origin, target hour); `y` is the actual count (NaN when unknown or a gap)."""
    idx = series.hourly.index
    y = series.hourly.to_numpy(dtype=float)
    t0 = idx[0]
    rows = []
    for origin in origins:
        i0 = int((origin - t0) / pd.Timedelta("1h"))
        base = _origin_block(y, i0)
        n_ev, i_ev = event_features(events, origin)
        hist = np.full(672, np.nan)
        lo = max(0, i0 - 672)
        hist[672 - (i0 - lo) :] = y[lo:i0]
        by_hour = hist.reshape(28, 24)  # column c = hour (origin.hour + c) % 24
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m28 = np.nanmean(by_hour, axis=0)
            m7 = np.nanmean(by_hour[-7:], axis=0)
        for k in range(horizon_hours):
            t = i0 + k
            target = origin + pd.Timedelta(hours=k)
            col = k % 24
            same4 = [y[t - 168 * j] for j in range(1, 5) if 168 * j > k and t - 168 * j >= 0]
            row = dict(base)
            row.update(
                origin=origin,
                target_time=target,
                horizon=k,
                hour_of_day=target.hour,
                day_of_week=target.dayofweek,
                is_weekend=int(target.dayofweek >= 5),
                target_lag_24h=float(y[t - 24]) if k < 24 and t >= 24 else np.nan,
                target_lag_7d=float(y[t - 168]) if k < 168 and t >= 168 else np.nan,
                same_hour_last=float(by_hour[-1, col]),
                same_hour_mean_7d=m7[col],
                same_hour_mean_28d=m28[col],
                same_hour_mean_4w=_nanmean(np.array(same4, dtype=float)),
                event_count_24h=n_ev,
                event_intensity_max_24h=i_ev,
                y=float(y[t]) if t < len(y) else np.nan,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def daily_origin_features(
    series: CountSeries,
    origins: list[pd.Timestamp] | pd.DatetimeIndex,
    horizon_days: int,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (origin day, target day); origins are UTC midnights."""
    didx = series.daily.index
    yd = series.daily.to_numpy(dtype=float)
    yh = series.hourly.to_numpy(dtype=float)
    d0 = didx[0]
    h0 = series.hourly.index[0]
    rows = []
    for origin in origins:
        j0 = int((origin - d0) / pd.Timedelta("1D"))
        i0 = int((origin - h0) / pd.Timedelta("1h"))
        past = yd[max(0, j0 - 90) : j0]
        known = past[~np.isnan(past)]
        ewm = np.nan
        if known.size:
            # exponentially weighted level over the known days, by their age in days
            ages = (j0 - 1 - np.arange(max(0, j0 - 90), j0))[~np.isnan(past)]
            w = 0.5 ** (ages / EWM_HALFLIFE_DAYS)
            ewm = float((w * known).sum() / w.sum())
        last24 = yh[max(0, i0 - 24) : i0]
        night = _nanmean(yh[max(0, i0 - 6) : i0]) * 6
        tot = np.nansum(last24)
        n_ev, i_ev = event_features(events, origin)
        base = {
            "lag_1d": float(yd[j0 - 1]) if j0 >= 1 else np.nan,
            "mean_3d": _nanmean(yd[max(0, j0 - 3) : j0]),
            "mean_7d": _nanmean(yd[max(0, j0 - 7) : j0]),
            "mean_14d": _nanmean(yd[max(0, j0 - 14) : j0]),
            "mean_28d": _nanmean(yd[max(0, j0 - 28) : j0]),
            "std_7d": _nanstd(yd[max(0, j0 - 7) : j0]),
            "ewm_level": ewm,
            "last_24h_share_night": night / tot if tot > 0 else np.nan,
            "event_count_24h": n_ev,
            "event_intensity_max_24h": i_ev,
        }
        for k in range(horizon_days):
            t = j0 + k
            target = origin + pd.Timedelta(days=k)
            row = dict(base)
            row.update(
                origin=origin,
                target_time=target,
                horizon=k,
                day_of_week=target.dayofweek,
                is_weekend=int(target.dayofweek >= 5),
                target_lag_7d=float(yd[t - 7]) if k < 7 and t >= 7 else np.nan,
                y=float(yd[t]) if 0 <= t < len(yd) else np.nan,
            )
            rows.append(row)
    return pd.DataFrame(rows)
