"""Prefect flows for post-count forecasting: forecast ahead, and backfill actuals.

The pipeline flow calls `forecast(target=...)` and `backfill_actuals(target=...)`; both take and
return small values only (the data stays in the warehouse).
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task

from trendcast.settings import Settings
from trendcast.warehouse import connect

MIN_HISTORY_DAYS = 42  # 28 days of feature warm-up + 14 training days


@task(retries=2, retry_delay_seconds=5)
def accounts_task(target: str) -> list[str]:
    """Accounts with enough hourly buckets to fit a model."""
    with connect(Settings.from_env(target), spark_ready=True) as wh:
        if not wh.table_exists("forecasting", "fct_post_counts_hourly"):
            return []
        df = wh.query_df(
            "select account, count(*) as n from forecasting.fct_post_counts_hourly "
            "group by account having count(*) >= ? order by account",
            [MIN_HISTORY_DAYS * 24],
        )
    return [str(a) for a in df["account"]]


@task(retries=1, retry_delay_seconds=5)
def forecast_task(target: str, account: str, horizon_hours: int) -> dict[str, Any]:
    from python_ml.forecast.service import forecast_posts

    run = forecast_posts(Settings.from_env(target), account, horizon_hours)
    return {
        "account": account,
        "origin": run.origin.isoformat(),
        "models": run.models,
        "rows": run.written,
        "chart": str(run.chart),
    }


@task(retries=2, retry_delay_seconds=5)
def backfill_task(target: str) -> int:
    from python_ml.forecast.service import backfill

    return backfill(Settings.from_env(target))


@flow(name="forecast", log_prints=True)
def forecast(
    target: str = "duckdb", accounts: list[str] | None = None, horizon_hours: int = 168
) -> dict[str, Any]:
    """Forecast every tracked account (or `accounts`) `horizon_hours` ahead of its latest data."""
    names = accounts or accounts_task(target)
    runs = [forecast_task(target, a, horizon_hours) for a in names]
    return {"accounts": len(runs), "runs": runs}


@flow(name="backfill_actuals", log_prints=True)
def backfill_actuals(target: str = "duckdb") -> dict[str, Any]:
    """Fill actual_count on earlier forecasts whose buckets have been collected since."""
    return {"filled": backfill_task(target)}
