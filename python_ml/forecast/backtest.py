"""Rolling-origin backtest: an origin every day at 00:00 UTC, the next 24 hourly counts and the next
7 daily totals, each forecast made only from data before its origin; learned models refit at most
weekly on a trailing window. Gap buckets (collection gaps, see series.py) are neither training
targets nor scored: their `actual` is NULL and `is_gap` true.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_ml.forecast import intervals as iv
from python_ml.forecast.features import daily_origin_features, hourly_origin_features
from python_ml.forecast.models import Forecaster, baselines, learned_models
from python_ml.forecast.series import CountSeries

REFIT_EVERY_DAYS = 7
TRAIN_WINDOW_DAYS = 365
WARMUP_DAYS = 28  # origins need 28 days of history for their features
MIN_TRAIN_DAYS = 14  # and this many training origins before them
MIN_HISTORY_DAYS = WARMUP_DAYS + MIN_TRAIN_DAYS
HORIZONS = {"hourly": 24, "daily": 7}


class WindowError(ValueError):
    """The requested backtest window holds no origin the data can serve."""


def utc_day(value: str | pd.Timestamp, option: str = "date") -> pd.Timestamp:
    """A date or timestamp as the UTC midnight starting its day (naive input is UTC)."""
    try:
        day = pd.Timestamp(value)
    except ValueError:
        raise WindowError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None
    return (day.tz_convert("UTC") if day.tzinfo else day.tz_localize("UTC")).floor("D")


def origin_window(
    series: CountSeries, start: str | pd.Timestamp, end: str | pd.Timestamp, label: str = ""
) -> tuple[pd.Timestamp, pd.Timestamp, str | None]:
    """The origins the data allows inside [start, end]: (first, last, note when narrowed).

    An origin needs MIN_HISTORY_DAYS of buckets before it (feature warm-up + training origins)
    and data at it. A window partly outside the data is narrowed, with a note saying so; one with
    no possible origin is a WindowError naming the data range and the origins it allows."""
    s, e = utc_day(start, "--start"), utc_day(end, "--end")
    if s > e:
        raise WindowError(f"--start {s:%Y-%m-%d} is after --end {e:%Y-%m-%d}")
    first, last = series.hourly.index[0], series.hourly.index[-1]
    lo = first.ceil("D") + pd.Timedelta(days=MIN_HISTORY_DAYS)
    hi = last.floor("D")
    data = (
        f"{label or 'the account'} has buckets {first:%Y-%m-%d %H:00} .. {last:%Y-%m-%d %H:00} UTC"
    )
    need = f"an origin needs {MIN_HISTORY_DAYS} days of history before it"
    if lo > hi:
        raise WindowError(f"{data}: too short for a backtest ({need})")
    if e < lo or s > hi:
        raise WindowError(
            f"no backtest origin in {s:%Y-%m-%d} .. {e:%Y-%m-%d}: {data} and {need}, "
            f"so origins can run {lo:%Y-%m-%d} .. {hi:%Y-%m-%d}"
        )
    s2, e2 = max(s, lo), min(e, hi)
    note = None
    if (s2, e2) != (s, e):
        note = (
            f"origins narrowed to {s2:%Y-%m-%d} .. {e2:%Y-%m-%d}: {data} and {need} "
            f"(requested {s:%Y-%m-%d} .. {e:%Y-%m-%d})"
        )
    return s2, e2, note


@dataclass
class BacktestResult:
    forecasts: pd.DataFrame  # one row per (model, granularity, origin, target_time)
    metrics: pd.DataFrame  # one row per (granularity, model)
    chosen: dict[str, str]  # granularity -> chosen model name
    fitted: dict[tuple[str, str], Forecaster]  # (granularity, model) -> last fitted model
    origins: pd.DatetimeIndex  # the origins run (the requested window, narrowed to the data)
    note: str | None  # why the window was narrowed, if it was
    data_end: pd.Timestamp  # the last hourly bucket: targets after it are not collected yet

    def target_counts(self) -> dict[str, dict[str, int]]:
        """Per granularity: distinct targets that are gaps, and that lie after the data."""
        out = {}
        for gran, fc in self.forecasts.groupby("granularity"):
            t = fc.drop_duplicates(["target_time"])
            out[str(gran)] = {
                "gap": int(t["is_gap"].sum()),
                "after_data": int((t["target_time"] > self.data_end).sum()),
            }
        return out


def feature_rows(
    series: CountSeries,
    granularity: str,
    origins: pd.DatetimeIndex,
    horizon: int,
    events: pd.DataFrame | None,
) -> pd.DataFrame:
    if granularity == "hourly":
        return hourly_origin_features(series, origins, horizon, events)
    return daily_origin_features(series, origins, horizon, events)


def score(frame: pd.DataFrame) -> dict[str, float]:
    """MAE, RMSE, MAPE (days with actual > 0), 95% coverage, mean width and Winkler score of the
    95% interval, on known (non-gap) targets."""
    f = frame[frame["actual_count"].notna() & frame["predicted_count"].notna()]
    if f.empty:
        return {
            "n": 0,
            "mae": np.nan,
            "rmse": np.nan,
            "mape": np.nan,
            "coverage_95": np.nan,
            "mean_width": np.nan,
            "winkler_95": np.nan,
        }
    err = f["predicted_count"] - f["actual_count"]
    pos = f["actual_count"] > 0
    return {
        "n": len(f),
        "mae": float(err.abs().mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "mape": float((err[pos].abs() / f.loc[pos, "actual_count"]).mean())
        if pos.any()
        else np.nan,
        "coverage_95": iv.coverage(
            f["actual_count"].to_numpy(),
            f["lower_bound_95"].to_numpy(),
            f["upper_bound_95"].to_numpy(),
        ),
        "mean_width": float((f["upper_bound_95"] - f["lower_bound_95"]).mean()),
        "winkler_95": float(
            iv.winkler(
                f["actual_count"].to_numpy(),
                f["lower_bound_95"].to_numpy(),
                f["upper_bound_95"].to_numpy(),
            ).mean()
        ),
    }


def choose(metrics: pd.DataFrame) -> dict[str, str]:
    """Per granularity: among learned models whose coverage is within 93-97%, lowest MAE;
    if none is, the learned model with coverage closest to 95%."""
    out = {}
    for gran, m in metrics[metrics["kind"] == "model"].groupby("granularity"):
        ok = m[(m["coverage_95"] >= 0.93) & (m["coverage_95"] <= 0.97)]
        pick = (
            ok.sort_values("mae")
            if len(ok)
            else m.assign(d=(m["coverage_95"] - 0.95).abs()).sort_values(["d", "mae"])
        )
        out[gran] = str(pick.iloc[0]["model"])
    return out


def run_backtest(
    series: CountSeries,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    events: pd.DataFrame | None = None,
    granularities: tuple[str, ...] = ("hourly", "daily"),
    include_hawkes: bool = True,
    log=print,
    label: str = "",
) -> BacktestResult:
    """Every origin of [start, end] the data allows (see origin_window; `label` names the
    account in its messages)."""
    first_origin, last_origin, note = origin_window(series, start, end, label)
    if note:
        log(f"note: {note}")
    test_origins = pd.date_range(first_origin, last_origin, freq="D")
    first = series.hourly.index[0].ceil("D")
    data_end = series.hourly.index[-1]
    out, fitted = [], {}
    for gran in granularities:
        horizon = HORIZONS[gran]
        all_origins = pd.date_range(
            max(
                first + pd.Timedelta(days=WARMUP_DAYS),
                test_origins[0] - pd.Timedelta(days=TRAIN_WINDOW_DAYS + horizon),
            ),
            test_origins[-1],
            freq="D",
        )
        t0 = time.time()
        rows = feature_rows(series, gran, all_origins, horizon, events)
        log(f"{gran}: {len(rows):,} feature rows in {time.time() - t0:.1f}s")
        models: list[Forecaster] = baselines(gran) + learned_models(
            gran, series.hourly if include_hawkes else None, series.daily
        )
        for i, origin in enumerate(test_origins):
            test = rows[rows["origin"] == origin]
            if i % REFIT_EVERY_DAYS == 0:
                train = rows[
                    (rows["target_time"] < origin)
                    & (rows["origin"] >= origin - pd.Timedelta(days=TRAIN_WINDOW_DAYS))
                ]
                for m in models:
                    m.fit(train)
            for m in models:
                p = m.predict(test)
                out.append(
                    pd.DataFrame(
                        {
                            "model": m.name,
                            "kind": m.kind,
                            "granularity": gran,
                            "forecast_time": origin,
                            "target_time": test["target_time"].to_numpy(),
                            "horizon": test["horizon"].to_numpy(),
                            "predicted_count": p.point,
                            "predicted_mean": p.mean,
                            "lower_bound_95": p.lower,
                            "upper_bound_95": p.upper,
                            "actual_count": test["y"].to_numpy(),
                        }
                    )
                )
            if i % 30 == 0:
                log(f"{gran}: origin {origin.date()} ({i + 1}/{len(test_origins)})")
        for m in models:
            fitted[(gran, m.name)] = m
    fc = pd.concat(out, ignore_index=True)
    # a target after the data is not collected yet (backfill_actuals fills it later), not a gap
    fc["is_gap"] = fc["actual_count"].isna() & (fc["target_time"] <= data_end)
    metrics = pd.DataFrame(
        [
            {"granularity": g, "model": mname, "kind": k, **score(grp)}
            for (g, mname, k), grp in fc.groupby(["granularity", "model", "kind"])
        ]
    )
    return BacktestResult(
        forecasts=fc,
        metrics=metrics,
        chosen=choose(metrics),
        fitted=fitted,
        origins=test_origins,
        note=note,
        data_end=data_end,
    )
