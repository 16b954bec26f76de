"""End to end on the bundled sample (two months of real @elonmusk posts): land, dbt build the
forecasting models, backtest through the CLI, forecast ahead, backfill actuals, accuracy mart.
Runs on DuckDB and on Postgres (CI requires Postgres)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from trendcast.settings import PROJECT_DIR, Settings

SAMPLE_X = PROJECT_DIR / "data" / "sample" / "x"
SELECT = "+fct_post_counts_hourly +fct_post_counts_daily +fct_post_count_features_hourly exogenous_events"


def _build(settings: Settings) -> None:
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        load_paths(wh, [SAMPLE_X])
    run = run_dbt(["build", "--select", SELECT], settings)
    assert run.success, run.failures


@pytest.fixture
def built(warehouse: Settings) -> Settings:
    _build(warehouse)
    return warehouse


def _window(settings: Settings) -> tuple[str, str]:
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        last = pd.Timestamp(
            wh.scalar("select max(bucket_start) from forecasting.fct_post_counts_hourly")
        )
    end = (last.floor("D") - pd.Timedelta("1D")).date()
    return str(end - pd.Timedelta("3D")), str(end)


def test_backtest_forecast_backfill_on_sample(built: Settings):
    from flows.cli import app
    from flows.dbt import run_dbt
    from trendcast.warehouse import connect

    start, end = _window(built)
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "backtest",
            "posts",
            "--account",
            "elonmusk",
            "--start",
            start,
            "--end",
            end,
            "--json",
            "--no-hawkes",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output[res.output.index("{") :])
    hourly = out["metrics"]["hourly"]
    assert {"mean_same_hour_4w", "naive_same_hour_yesterday", "lightgbm_poisson"} <= set(hourly)
    assert "mean_7d" in out["metrics"]["daily"]
    for m in hourly.values():
        assert 0 <= m["coverage_95"] <= 1 and m["mae"] >= 0

    with connect(built) as wh:
        fc = wh.query_df("select * from ml.forecasts where run_type = 'backtest'")
        models = wh.query_df("select * from ml.forecast_models")
        data_end = pd.Timestamp(
            wh.scalar("select max(bucket_start) from forecasting.fct_post_counts_hourly")
        )
    n_origins = len(pd.date_range(start, end))
    hourly_models = len(hourly)
    assert (fc["granularity"] == "hourly").sum() == n_origins * 24 * hourly_models
    collected = pd.to_datetime(fc["target_time"], utc=True) <= data_end.tz_convert("UTC")
    scored = fc[~fc["is_gap"].astype(bool) & collected]
    assert scored["actual_count"].notna().all()  # backtests are written with their actuals
    # targets after the data (the last origins' days ahead) are pending, not gaps
    pending = fc[~collected]
    assert len(pending) > 0
    assert pending["actual_count"].isna().all() and not pending["is_gap"].astype(bool).any()
    assert (fc["lower_bound_95"] <= fc["upper_bound_95"]).all()
    assert set(models["model_name"]) >= {"lightgbm_poisson", "negbin_glm", "mean_7d"}
    assert models.groupby("granularity")["is_chosen"].sum().eq(1).all()

    # forecast ahead, then pretend the future got collected: backfill fills actuals
    res = runner.invoke(app, ["forecast", "--account", "elonmusk", "--horizon", "48h"])
    assert res.exit_code == 0, res.output
    with connect(built) as wh:
        live = wh.query_df("select * from ml.forecasts where run_type = 'forecast'")
        assert len(live) == 48 + 2
        assert live["actual_count"].isna().all()
        origin = pd.Timestamp(live["forecast_time"].min())
        # move the live forecast one day back so its targets are already collected
        wh.execute(
            "update ml.forecasts set target_time = target_time - interval '1 day', "
            "forecast_time = forecast_time - interval '1 day' where run_type = 'forecast'"
        )
        from python_ml.forecast.store import backfill_actuals

        filled = backfill_actuals(wh)
        assert filled >= 24
        after = wh.query_df(
            "select actual_count, is_gap from ml.forecasts where run_type = 'forecast' "
            "and granularity = 'hourly' and target_time < ?",
            [origin.to_pydatetime()],
        )
        assert after["actual_count"].notna().sum() + after["is_gap"].astype(bool).sum() == 24

    run = run_dbt(["build", "--select", "forecast_accuracy"], built)
    assert run.success, run.failures
    with connect(built) as wh:
        acc = wh.query_df("select * from forecasting.forecast_accuracy")
    assert len(acc) > 0 and set(acc["run_type"]) >= {"backtest"}
    assert ((acc["coverage_95"] >= 0) & (acc["coverage_95"] <= 1)).all()
