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
HORIZONS = {"hourly": 24, "daily": 7}


@dataclass
class BacktestResult:
    forecasts: pd.DataFrame  # one row per (model, granularity, origin, target_time)
    metrics: pd.DataFrame  # one row per (granularity, model)
    chosen: dict[str, str]  # granularity -> chosen model name
    fitted: dict[tuple[str, str], Forecaster]  # (granularity, model) -> last fitted model


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
    """MAE, RMSE, MAPE (days with actual > 0), 95% coverage on known (non-gap) targets."""
    f = frame[frame["actual_count"].notna() & frame["predicted_count"].notna()]
    if f.empty:
        return {"n": 0, "mae": np.nan, "rmse": np.nan, "mape": np.nan, "coverage_95": np.nan}
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
    start: pd.Timestamp,
    end: pd.Timestamp,
    events: pd.DataFrame | None = None,
    granularities: tuple[str, ...] = ("hourly", "daily"),
    include_hawkes: bool = True,
    log=print,
) -> BacktestResult:
    start = (
        pd.Timestamp(start).tz_convert("UTC")
        if pd.Timestamp(start).tzinfo
        else pd.Timestamp(start, tz="UTC")
    )
    end = (
        pd.Timestamp(end).tz_convert("UTC")
        if pd.Timestamp(end).tzinfo
        else pd.Timestamp(end, tz="UTC")
    )
    first = series.hourly.index[0].ceil("D")
    last_origin = min(end, series.hourly.index[-1].floor("D"))
    test_origins = pd.date_range(
        max(start, first + pd.Timedelta(days=WARMUP_DAYS)), last_origin, freq="D"
    )
    if len(test_origins) == 0:
        raise ValueError(
            f"no backtest origin between {start} and {end} with {WARMUP_DAYS} days of history"
        )
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
    fc["is_gap"] = fc["actual_count"].isna()
    metrics = pd.DataFrame(
        [
            {"granularity": g, "model": mname, "kind": k, **score(grp)}
            for (g, mname, k), grp in fc.groupby(["granularity", "model", "kind"])
        ]
    )
    return BacktestResult(forecasts=fc, metrics=metrics, chosen=choose(metrics), fitted=fitted)
