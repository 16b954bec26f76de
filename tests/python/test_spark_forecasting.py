"""The post-count forecasting lineage and the forecaster on the Spark target equal DuckDB's.

Archives cut from the bundled X sample (two months of real @elonmusk timeline pages,
data/sample/x) with the cases the gap rules are for: a day never fetched (no_request), a fetch
whose continuation page is missing (an incomplete window: its hours are gaps), a day with one
post (anomalously_low against the trailing median), plus the recorded API fixtures. A second
delivery re-fetches two days with fewer posts (soft deletions in raw_tweets), one of them older
than the data already landed.

DuckDB lands both deliveries and builds once (full); the two-worker standalone cluster
(tests/python/spark_fixture.py) lands the first, builds, lands the second and builds again, so
the X staging, raw_tweets and the marts run incrementally on Spark (the delete+insert by
rewrite of macros/cross_db/spark.sql). Then:

- `test_spark_builds_the_same_forecasting_marts`: the landing counts and every table of the
  lineage (X staging, intermediate/forecasting, marts/forecasting) equal DuckDB's: row count, key
  set, checksum of the normalised rows;
- `test_spark_forecaster_writes_the_same_ml_tables`: the stages `trendcast backtest posts` and
  `trendcast forecast` (through the CLI), the flow's account list and its actuals backfill run on
  each target with the same pinned model versions; ml.forecasts and ml.forecast_models have the
  same keys and values (floats within 1e-9), the backfill changes the same number of rows (and
  none on a second run), and forecasting.forecast_accuracy and ml_marts.account_post_forecasts,
  built on top, equal DuckDB's;
- `test_spark_forecaster_reads_the_latest_buckets_within_the_bound`: with
  TRENDCAST_SPARK_MAX_TRAIN_ROWS below the series' length, Spark hands the forecaster the latest
  buckets, contiguous and in order, and the forecast from them has the same origin.

Marked `spark` (`make test-spark`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.dbt import run_dbt
from tests.python.spark_fixture import cluster_session, reset
from tests.python.test_forecast_deliveries import _days, _iso, _pages, _ts, _write
from tests.python.test_spark import _assert_same_landing, _assert_same_tables
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import connect

pytestmark = pytest.mark.spark

FIXTURES = PROJECT_DIR / "data" / "sample" / "x" / "x_recorded_fixtures.jsonl.gz"
SEEDS = ["seed", "--select", "exogenous_events_curated"]
# lookback 0: the incremental raw_tweets reads only what its watermark says is new
MODELS = ["run", "--select", "+path:models/marts/forecasting", "--vars", "{lookback_hours: 0}"]
# the marts over the forecaster's ml.* tables (the rest of models/marts/ml reads other areas)
ML_MARTS = ["run", "--select", "forecast_accuracy", "account_post_forecasts"]
TABLES: dict[str, list[str]] = {
    "staging.stg_x__posts": ["post_id"],
    "staging.stg_x__timeline_requests": ["request_id"],
    "intermediate.int_x__collection_windows": ["collection_window_id"],
    "intermediate.int_x__posts": ["post_id"],
    "intermediate.int_exogenous_events_unioned": ["event_id"],
    "intermediate.int_exogenous_events_hourly": ["bucket_start"],
    "intermediate.int_post_counts_hourly_spined": ["account_id", "bucket_start"],
    "intermediate.int_post_counts_daily_aggregated": ["account_id", "bucket_start"],
    "forecasting.exogenous_events": ["event_id"],
    "forecasting.fct_post_counts_daily": ["account_id", "bucket_start"],
    "forecasting.fct_post_counts_hourly": ["account_id", "bucket_start"],
    "forecasting.fct_post_counts_local_daily": ["account_id", "local_date"],
    "forecasting.fct_post_count_features_hourly": ["account_id", "bucket_start"],
    "forecasting.time_buckets": ["account_id", "granularity", "bucket_start"],
    "forecasting.raw_tweets": ["post_id"],
}
# the landing and build clocks differ between two loads by design
LANDED = ["landed_at", "last_landed_at"]
UNCOMPARED: dict[str, list[str]] = {
    "staging.stg_x__posts": ["last_landed_at"],
    "staging.stg_x__timeline_requests": ["landed_at"],
    "intermediate.int_x__collection_windows": ["landed_at"],
    "intermediate.int_x__posts": ["last_landed_at"],
    "forecasting.raw_tweets": ["last_landed_at"],
    "forecasting.fct_post_count_features_hourly": ["computed_at"],
    "forecasting.time_buckets": ["computed_at"],
}
FORECAST_KEYS = ["model_metadata_id", "account", "granularity", "run_type"]
FORECAST_KEYS += ["forecast_time", "target_time"]


# ---------------------------------------------------------------- the archives


def _deliveries(out: Path) -> tuple[list[Path], list[Path]]:
    """The sample with a day missing, an incomplete fetch and a one-post day; then re-fetches
    of two days with fewer posts (one delivered after newer data)."""
    pages = _pages()
    days = _days(pages)
    paged = [d for d in days if sum(p["params"]["start_time"] == d for p in pages) > 1]
    missing, incomplete, low = days[15], paged[-1], days[-3]
    late, old = days[-4], days[10]
    assert len({missing, incomplete, low, late, old}) == 5
    assert not {low, late, old} & set(paged)

    first = []
    for page in pages:
        day = page["params"]["start_time"]
        if day == missing or (day == incomplete and page["params"].get("pagination_token")):
            continue
        if day == low:
            page = _keep_posts(page, 1)
        first.append(page)

    def refetch(day: str, delay: timedelta, drop: int) -> dict:
        page = next(p for p in pages if p["params"]["start_time"] == day)
        page = _keep_posts(page, len(page["response"]["data"]) - drop, drop_first=True)
        page["fetched_at"] = _iso(_ts(page["fetched_at"]) + delay)
        return page

    second = [refetch(late, timedelta(days=3), 2), refetch(old, timedelta(days=2), 3)]
    return (
        [_write(out / "first" / "x_posts.jsonl.gz", first), FIXTURES],
        [_write(out / "second" / "x_refetch.jsonl.gz", second)],
    )


def _keep_posts(page: dict, keep: int, drop_first: bool = False) -> dict:
    page = json.loads(json.dumps(page))
    data = page["response"]["data"]
    page["response"]["data"] = data[len(data) - keep :] if drop_first else data[:keep]
    page["response"]["meta"]["result_count"] = keep
    return page


# ---------------------------------------------------------------- the two builds


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with cluster_session(tmp_path_factory.mktemp("spark_forecasting")) as session:
        yield session


@pytest.fixture(scope="module")
def built(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """DuckDB: both deliveries, one full build. Spark: a build after each delivery."""
    from trendcast.landing.spark import load_paths_spark

    base = tmp_path_factory.mktemp("forecasting_archives")
    first, second = _deliveries(base)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRENDCAST_TARGET", "duckdb")
        mp.setenv("TRENDCAST_DUCKDB_PATH", str(base / "warehouse.duckdb"))
        duck = Settings.from_env("duckdb")
        with connect(duck) as wh:
            load_paths(wh, [*first, *second])
        run_dbt(SEEDS, duck)
        run_dbt([*MODELS, "--full-refresh"], duck)

        reset(spark)
        on_spark = Settings.from_env("spark")
        landed = load_paths_spark(spark, first)
        run_dbt(SEEDS, on_spark)
        run_dbt(MODELS, on_spark)
        landed += load_paths_spark(spark, second)
        run_dbt(MODELS, on_spark)
        assert landed and all(r.reconciles and not r.skipped for r in landed)
        yield {"duckdb": duck, "spark": on_spark, "base": base}


def test_spark_builds_the_same_forecasting_marts(spark: Any, built: dict[str, Any]) -> None:
    """The lineage built on Spark (incrementally) equals DuckDB's full build, table by table."""
    _assert_same_landing(spark, built["duckdb"], bad_lines=False)
    _assert_same_tables(spark, built["duckdb"], TABLES, UNCOMPARED)
    # the rules compared have data to differ on: gaps of each kind, soft deletions, incomplete
    # fetches, active events, two accounts
    with connect(built["duckdb"]) as wh:
        covered = wh.query(
            "select"
            " (select count(*) from forecasting.fct_post_counts_daily"
            "   where gap_reason = 'no_request'),"
            " (select count(*) from forecasting.fct_post_counts_daily"
            "   where gap_reason = 'anomalously_low'),"
            " (select count(*) from forecasting.fct_post_counts_hourly where not is_covered),"
            " (select count(*) from forecasting.raw_tweets where is_deleted),"
            " (select count(*) from intermediate.int_x__collection_windows where not is_complete),"
            " (select count(*) from forecasting.fct_post_count_features_hourly"
            "   where event_count_24h > 0),"
            " (select count(distinct account_id) - 1 from staging.stg_x__posts)"
        )[0]
    assert all(n > 0 for n in covered), covered
    assert covered[3] == 5  # the posts the re-fetches no longer returned


# ---------------------------------------------------------------- the forecaster


def _window(settings: Settings) -> tuple[str, str]:
    """Four backtest origins ending the day before the last data day (the one-post day inside)."""
    with connect(settings, spark_ready=True) as wh:
        last = pd.Timestamp(
            wh.scalar("select max(bucket_start) from forecasting.fct_post_counts_hourly")
        )
    end = (last.floor("D") - pd.Timedelta("1D")).date()
    return str(end - pd.Timedelta("3D")), str(end)


def _run_stages(
    target: str, settings: Settings, monkeypatch: pytest.MonkeyPatch, artifacts: Path
) -> dict[str, Any]:
    """The flow's account list, the backtest and forecast commands, and the actuals backfill
    (after a copy of the live forecast moved a day back, so its targets are collected)."""
    from flows.cli import app
    from flows.forecast_flows import accounts_task, backfill_task
    from python_ml.forecast import service
    from python_ml.forecast.store import write_forecasts

    monkeypatch.setenv("TRENDCAST_TARGET", target)
    monkeypatch.setenv("TRENDCAST_ARTIFACT_DIR", str(artifacts / target))
    # the model version is the training clock: pinned, so both targets write the same keys
    versions = iter(["20250601T000001", "20250601T000002"])
    monkeypatch.setattr(service, "_version", lambda: next(versions))

    accounts = accounts_task.fn(target)
    start, end = _window(settings)
    runner = CliRunner()
    window = ["--start", start, "--end", end]
    res = runner.invoke(
        app, ["backtest", "posts", "--account", "elonmusk", *window, "--json", "--no-hawkes"]
    )
    assert res.exit_code == 0, res.output
    backtest = json.loads(res.output[res.output.index("{") :])
    res = runner.invoke(app, ["forecast", "--account", "elonmusk", "--horizon", "48h"])
    assert res.exit_code == 0, res.output
    with connect(settings, spark_ready=True) as wh:
        live = wh.query_df("select * from ml.forecasts where run_type = 'forecast'")
        for col in ("forecast_time", "target_time"):
            live[col] = pd.to_datetime(live[col], utc=True) - pd.Timedelta("1D")
        write_forecasts(wh, live)
    filled, again = backfill_task.fn(target), backfill_task.fn(target)
    run_dbt(ML_MARTS, settings)
    return {"accounts": accounts, "backtest": backtest, "filled": filled, "again": again}


def _ml_table(settings: Settings, table: str, keys: list[str], dropped: list[str]) -> pd.DataFrame:
    with connect(settings, spark_ready=True) as wh:
        df = wh.query_df(f"select * from {table}").drop(columns=dropped)
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = pd.to_datetime(df[col], utc=True)
    return df.sort_values(keys).reset_index(drop=True)


def _assert_same_frames(duck: pd.DataFrame, on_spark: pd.DataFrame, table: str) -> None:
    """Same columns and rows in key order; floats within 1e-9 (NaN matching NaN)."""
    assert sorted(on_spark.columns) == sorted(duck.columns), table
    assert len(on_spark) == len(duck) > 0, table
    for col in duck.columns:
        a, b = duck[col], on_spark[col]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            assert np.allclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True), (
                f"{table}.{col} differs by up to {np.nanmax(np.abs(x - y))}"
            )
        elif col == "hyperparameters":
            assert [json.loads(v) for v in a] == [json.loads(v) for v in b], f"{table}.{col}"
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), f"{table}.{col}"


def test_spark_forecaster_writes_the_same_ml_tables(
    spark: Any, built: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Backtest, forecast and backfill on Spark write DuckDB's ml.* rows; the marts on top agree."""
    artifacts = built["base"] / "artifacts"
    duck = _run_stages("duckdb", built["duckdb"], monkeypatch, artifacts)
    on_spark = _run_stages("spark", built["spark"], monkeypatch, artifacts)

    assert on_spark["accounts"] == duck["accounts"] == ["elonmusk"]
    for key in ("origins", "chosen", "gap_buckets_excluded", "buckets_after_data"):
        assert on_spark["backtest"][key] == duck["backtest"][key], key
    assert duck["backtest"]["gap_buckets_excluded"]["hourly"] > 0  # the one-post day
    for gran, models in duck["backtest"]["metrics"].items():
        assert set(on_spark["backtest"]["metrics"][gran]) == set(models), gran
        for name, metrics in models.items():
            for key, value in metrics.items():
                other = on_spark["backtest"]["metrics"][gran][name][key]
                if isinstance(value, float):
                    assert other == pytest.approx(value, rel=1e-9), (gran, name, key)
                else:
                    assert other == value, (gran, name, key)
    assert on_spark["filled"] == duck["filled"] > 0
    assert on_spark["again"] == duck["again"] == 0

    for table, keys, dropped in (
        ("ml.forecasts", FORECAST_KEYS, ["created_at"]),
        ("ml.forecast_models", ["model_metadata_id"], ["trained_at", "artifact_path"]),
    ):
        expected = _ml_table(built["duckdb"], table, keys, dropped)
        got = _ml_table(built["spark"], table, keys, dropped)
        assert not got.duplicated(keys).any(), table
        _assert_same_frames(expected, got, table)
    with connect(built["duckdb"]) as wh:
        forecasts = wh.query_df("select run_type, is_gap, actual_count from ml.forecasts")
    # backtest rows on the one-post gap day, live rows the backfill filled
    assert forecasts["is_gap"].astype(bool).any()
    assert forecasts.loc[forecasts["run_type"] == "forecast", "actual_count"].notna().any()

    _assert_same_tables(
        spark,
        built["duckdb"],
        {
            "forecasting.forecast_accuracy": ["forecast_accuracy_id"],
            "ml_marts.account_post_forecasts": ["account", "granularity", "target_time"],
        },
        {"ml_marts.account_post_forecasts": ["created_at"]},
    )


def test_spark_forecaster_reads_the_latest_buckets_within_the_bound(
    spark: Any, built: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Beyond TRENDCAST_SPARK_MAX_TRAIN_ROWS the forecaster gets the series' latest buckets."""
    from python_ml.forecast.service import forecast_posts
    from python_ml.forecast.store import load_hourly_buckets

    with connect(built["duckdb"]) as wh:
        full = load_hourly_buckets(wh, "elonmusk")
    bound = 45 * 24  # above the 42 days a forecast needs, below the two months of data
    assert len(full) > bound
    monkeypatch.setenv("TRENDCAST_SPARK_MAX_TRAIN_ROWS", str(bound))
    monkeypatch.setenv("TRENDCAST_ARTIFACT_DIR", str(tmp_path))
    with connect(built["spark"], spark_ready=True) as wh:
        tail = load_hourly_buckets(wh, "elonmusk")
    assert tail.attrs["sample"] == {"rows": bound, "of": len(full), "bound": bound}
    expected = full.tail(bound).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        tail[["bucket_start", "post_count", "is_gap"]],
        expected[["bucket_start", "post_count", "is_gap"]],
        check_dtype=False,
    )
    run = forecast_posts(Settings.from_env("spark"), "elonmusk", 24, write=False)
    assert run.origin == full["bucket_start"].max() + pd.Timedelta("1h")
