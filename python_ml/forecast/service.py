"""Forecast and backtest entry points used by the CLI and the Prefect flows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from python_ml.forecast import intervals as iv
from python_ml.forecast import store
from python_ml.forecast.backtest import (
    HORIZONS,
    MIN_HISTORY_DAYS,
    MIN_TRAIN_DAYS,
    TRAIN_WINDOW_DAYS,
    WARMUP_DAYS,
    BacktestResult,
    feature_rows,
    run_backtest,
)
from python_ml.forecast.models import Forecaster, baselines, learned_models
from python_ml.forecast.plot import fan_chart
from python_ml.forecast.series import CountSeries
from trendcast.settings import Settings
from trendcast.warehouse import connect

# Used when no backtest has chosen a model for the account yet (the backtest in
# docs/FORECASTING.md chose these on data before the evaluation window).
DEFAULT_MODEL = {"hourly": "negbin_glm", "daily": "local_level_log"}


def parse_horizon(text: str) -> int:
    """'168h' / '7d' / '48' -> hours."""
    t = text.strip().lower()
    if t.endswith("h"):
        return int(t[:-1])
    if t.endswith("d"):
        return int(t[:-1]) * 24
    return int(t)


def _version() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def _loglik(frame: pd.DataFrame, model: Forecaster) -> float:
    f = frame[frame["actual_count"].notna() & frame["predicted_mean"].notna()]
    if f.empty:
        return float("nan")
    alpha = getattr(model, "alpha", None)
    if alpha is None and model.kind == "model":
        # local_level_log: a log-normal, not a count distribution; no comparable likelihood
        return float("nan")
    if alpha is None:
        from scipy import stats

        mu = np.maximum(f["predicted_mean"].to_numpy(), 1e-6)
        return float(stats.poisson.logpmf(f["actual_count"].to_numpy(), mu).mean())
    return float(
        iv.nb_logpmf(f["actual_count"].to_numpy(), f["predicted_mean"].to_numpy(), alpha).mean()
    )


@dataclass
class ForecastRun:
    account: str
    origin: pd.Timestamp
    hourly: pd.DataFrame
    daily: pd.DataFrame
    models: dict[str, str]
    chart: Path | None
    written: int


def load_series(settings: Settings, account: str) -> tuple[CountSeries, pd.DataFrame]:
    with connect(settings, spark_ready=True) as wh:
        buckets = store.load_hourly_buckets(wh, account)
        events = store.load_events(wh)
    return CountSeries.from_buckets(buckets), events


def backtest_posts(
    settings: Settings,
    account: str,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    write: bool = True,
    include_hawkes: bool = True,
    log=print,
    granularities: tuple[str, ...] = ("hourly", "daily"),
) -> BacktestResult:
    """Rolling-origin backtest; every forecast (with actuals) goes to ml.forecasts and one
    ml.forecast_models row per model and granularity records the metrics."""
    series, events = load_series(settings, account)
    result = run_backtest(
        series,
        start,
        end,
        events=events,
        include_hawkes=include_hawkes,
        log=log,
        label=f"@{account}",
        granularities=granularities,
    )
    if not write:
        return result
    version = _version()
    now = pd.Timestamp.now(tz="UTC")
    rows: list[dict[str, Any]] = []
    frames = []
    for (gran, name), model in result.fitted.items():
        mid = store.model_metadata_id(name, gran, account, version)
        fc = result.forecasts[
            (result.forecasts["granularity"] == gran) & (result.forecasts["model"] == name)
        ]
        m = result.metrics[
            (result.metrics["granularity"] == gran) & (result.metrics["model"] == name)
        ].iloc[0]
        rows.append(
            {
                "model_metadata_id": mid,
                "model_name": name,
                "model_version": version,
                "account": account,
                "granularity": gran,
                "run_type": "backtest",
                "trained_at": now,
                "training_start": series.hourly.index[0],
                "training_end": fc["forecast_time"].max(),
                "hyperparameters": model.params,
                "rmse": m["rmse"],
                "mae": m["mae"],
                "mape": m["mape"],
                "log_likelihood": _loglik(fc, model),
                "coverage_95": m["coverage_95"],
                "is_chosen": result.chosen.get(gran) == name,
                "artifact_path": store.save_artifact(model, settings.artifact_dir, mid),
            }
        )
        frames.append(
            fc.assign(model_metadata_id=mid, account=account, run_type="backtest", created_at=now)
        )
    with connect(settings, spark_ready=True) as wh:
        store.write_models(wh, rows)
        store.write_forecasts(wh, pd.concat(frames, ignore_index=True))
    return result


def forecast_posts(
    settings: Settings,
    account: str,
    horizon_hours: int = 168,
    *,
    model: str | None = None,
    chart_path: Path | None = None,
    write: bool = True,
) -> ForecastRun:
    """Fit the chosen model on the trailing year and forecast from the end of the data."""
    series, events = load_series(settings, account)
    origin = series.hourly.index[-1] + pd.Timedelta("1h")
    first_bucket, last_bucket = series.hourly.index[0], series.hourly.index[-1]
    days = (origin.floor("D") - first_bucket.ceil("D")).days
    if days < MIN_HISTORY_DAYS:
        raise ValueError(
            f"@{account} has {days} full days of buckets ({first_bucket:%Y-%m-%d %H:00} .. "
            f"{last_bucket:%Y-%m-%d %H:00} UTC); a forecast needs at least {MIN_HISTORY_DAYS} "
            f"({WARMUP_DAYS} days of feature history + {MIN_TRAIN_DAYS} training days)"
        )
    out: dict[str, pd.DataFrame] = {}
    chosen: dict[str, str] = {}
    version = _version()
    now = pd.Timestamp.now(tz="UTC")
    meta_rows = []
    with connect(settings, spark_ready=True) as wh:
        for gran in ("hourly", "daily"):
            name = model or store.latest_chosen_model(wh, account, gran) or DEFAULT_MODEL[gran]
            chosen[gran] = name
    for gran in ("hourly", "daily"):
        horizon = horizon_hours if gran == "hourly" else max(1, int(np.ceil(horizon_hours / 24)))
        o = origin if gran == "hourly" else origin.floor("D")
        first = series.hourly.index[0].ceil("D") + pd.Timedelta(days=WARMUP_DAYS)
        train_origins = pd.date_range(
            max(first, o.floor("D") - pd.Timedelta(days=TRAIN_WINDOW_DAYS)),
            o.floor("D") - pd.Timedelta("1D"),
            freq="D",
        )
        rows = feature_rows(series, gran, train_origins, min(horizon, HORIZONS[gran] * 7), events)
        rows = rows[rows["target_time"] < o]
        candidates = {
            m.name: m for m in baselines(gran) + learned_models(gran, series.hourly, series.daily)
        }
        if chosen[gran] not in candidates:
            raise ValueError(f"unknown model {chosen[gran]!r}; choose from {', '.join(candidates)}")
        fitted = candidates[chosen[gran]].fit(rows)
        test = feature_rows(series, gran, pd.DatetimeIndex([o]), horizon, events)
        p = fitted.predict(test)
        mid = store.model_metadata_id(fitted.name, gran, account, version)
        out[gran] = pd.DataFrame(
            {
                "model_metadata_id": mid,
                "account": account,
                "granularity": gran,
                "run_type": "forecast",
                "forecast_time": o,
                "target_time": test["target_time"].to_numpy(),
                "predicted_count": p.point,
                "predicted_mean": p.mean,
                "lower_bound_95": p.lower,
                "upper_bound_95": p.upper,
                "actual_count": np.nan,
                "is_gap": False,
                "created_at": now,
            }
        )
        meta_rows.append(
            {
                "model_metadata_id": mid,
                "model_name": fitted.name,
                "model_version": version,
                "account": account,
                "granularity": gran,
                "run_type": "forecast",
                "trained_at": now,
                "training_start": rows["target_time"].min(),
                "training_end": o,
                "hyperparameters": fitted.params,
                "rmse": np.nan,
                "mae": np.nan,
                "mape": np.nan,
                "log_likelihood": np.nan,
                "coverage_95": np.nan,
                "is_chosen": True,
                "artifact_path": store.save_artifact(fitted, settings.artifact_dir, mid),
            }
        )
    written = 0
    if write:
        with connect(settings, spark_ready=True) as wh:
            store.write_models(wh, meta_rows)
            written = store.write_forecasts(wh, pd.concat(out.values(), ignore_index=True))
    chart = (
        chart_path
        or settings.artifact_dir / "forecast" / f"forecast_{account}_{origin:%Y%m%dT%H}.png"
    )
    fan_chart(
        series.hourly,
        out["hourly"],
        chart,
        f"@{account}: posts per hour, {chosen['hourly']} forecast from {origin:%Y-%m-%d %H:%M} UTC",
    )
    return ForecastRun(account, origin, out["hourly"], out["daily"], chosen, chart, written)


def backfill(settings: Settings) -> int:
    with connect(settings, spark_ready=True) as wh:
        return store.backfill_actuals(wh)
