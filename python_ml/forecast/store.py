"""Warehouse I/O for forecasting, only through trendcast.warehouse.

Reads the dbt marts (forecasting.fct_post_counts_hourly, forecasting.exogenous_events) and writes
ml.forecast_models and ml.forecasts with idempotent upserts. Forecasting keeps its own registry
table ml.forecast_models (not ml.model_metadata, which the virality models own).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from trendcast.warehouse import Warehouse

ML_SCHEMA = "ml"
MODELS_TABLE = "forecast_models"
FORECASTS_TABLE = "forecasts"
MODEL_KEYS = ["model_metadata_id"]
FORECAST_KEYS = [
    "model_metadata_id",
    "account",
    "granularity",
    "run_type",
    "forecast_time",
    "target_time",
]


class NoDataError(LookupError):
    """The account has no post-count buckets in the warehouse."""


def load_hourly_buckets(wh: Warehouse, account: str) -> pd.DataFrame:
    """Hourly buckets of one account (handle or numeric id), from the dbt mart."""
    if not wh.table_exists("forecasting", "fct_post_counts_hourly"):
        raise NoDataError(
            "forecasting.fct_post_counts_hourly does not exist: run trendcast load + "
            "trendcast build first"
        )
    # on Spark at most TRENDCAST_SPARK_MAX_TRAIN_ROWS buckets reach the driver: the latest ones
    df = wh.series_df(
        "select bucket_start, post_count, is_gap from forecasting.fct_post_counts_hourly "
        "where account = ? or account_id = ? order by bucket_start",
        [account, account],
        "bucket_start",
    )
    if df.empty:
        known = wh.query_df("select distinct account from forecasting.fct_post_counts_hourly")
        raise NoDataError(
            f"no post-count buckets for account {account!r}; known: "
            f"{', '.join(map(str, known['account'])) or 'none (run trendcast load + build)'}"
        )
    df["bucket_start"] = pd.to_datetime(df["bucket_start"], utc=True)
    df["is_gap"] = df["is_gap"].astype(bool)
    return df


def load_events(wh: Warehouse) -> pd.DataFrame:
    """The events forecasting uses (curated and the deployment's own: forecasting.exogenous_events)."""
    if not wh.table_exists("forecasting", "exogenous_events"):
        return pd.DataFrame(columns=["event_id", "event_start", "event_end", "intensity"])
    df = wh.query_df(
        "select event_id, event_start_at as event_start, event_end_at as event_end, intensity "
        "from forecasting.exogenous_events"
    )
    df["event_start"] = pd.to_datetime(df["event_start"], utc=True)
    df["event_end"] = pd.to_datetime(df["event_end"], utc=True)
    return df


def model_metadata_id(model: str, granularity: str, account: str, version: str) -> str:
    return f"{model}:{granularity}:{account}:{version}"


def save_artifact(obj: Any, artifact_dir: Path, metadata_id: str) -> str:
    path = artifact_dir / "forecast" / (metadata_id.replace(":", "__") + ".pkl")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(obj, fh)
    return str(path)


def write_models(wh: Warehouse, rows: list[dict[str, Any]]) -> None:
    df = pd.DataFrame(rows)
    for c in ("trained_at", "training_start", "training_end"):
        df[c] = pd.to_datetime(df[c], utc=True)
    df["hyperparameters"] = df["hyperparameters"].map(lambda h: json.dumps(h, default=str))
    for c in ("rmse", "mae", "mape", "log_likelihood", "coverage_95"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    df["is_chosen"] = df["is_chosen"].astype(bool)
    wh.execute(f"create schema if not exists {ML_SCHEMA}")
    wh.write_df(df, ML_SCHEMA, MODELS_TABLE, key_columns=MODEL_KEYS)
    ensure_lookup_indexes(wh)


def write_forecasts(wh: Warehouse, df: pd.DataFrame) -> int:
    """Replace `ml.forecasts` rows for the frame's (model, account, granularity, run type,
    forecast time) keys with these, so a re-run of the same forecast never duplicates it; returns rows written."""
    cols = [
        "model_metadata_id",
        "account",
        "granularity",
        "run_type",
        "forecast_time",
        "target_time",
        "predicted_count",
        "predicted_mean",
        "lower_bound_95",
        "upper_bound_95",
        "actual_count",
        "is_gap",
        "created_at",
    ]
    out = df[cols].copy()
    for c in ("forecast_time", "target_time", "created_at"):
        out[c] = pd.to_datetime(out[c], utc=True)
    for c in (
        "predicted_count",
        "predicted_mean",
        "lower_bound_95",
        "upper_bound_95",
        "actual_count",
    ):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["is_gap"] = out["is_gap"].astype(bool)
    wh.execute(f"create schema if not exists {ML_SCHEMA}")
    wh.write_df(out, ML_SCHEMA, FORECASTS_TABLE, key_columns=FORECAST_KEYS)
    ensure_lookup_indexes(wh)
    return len(out)


# Postgres: the upsert's delete matches the full key, the backfill and dashboards read one
# account's buckets by target time, the forecaster looks up the chosen model. DuckDB gets none:
# its ART indexes slow bulk upserts down and its scans are fast without them.
_LOOKUP_INDEXES = {
    FORECASTS_TABLE: [FORECAST_KEYS, ["account", "granularity", "target_time"]],
    MODELS_TABLE: [["account", "granularity", "is_chosen", "trained_at"]],
}


def ensure_lookup_indexes(wh: Warehouse) -> None:
    """Create the forecast tables' lookup indexes on Postgres (idempotent; a no-op on DuckDB)."""
    if wh.target != "postgres":
        return
    for table, column_lists in _LOOKUP_INDEXES.items():
        if not wh.table_exists(ML_SCHEMA, table):
            continue
        for cols in column_lists:
            name = f"{table}_{'_'.join(cols)}_idx"[:63]
            wh.execute(
                f"create index if not exists {name} on {ML_SCHEMA}.{table} ({', '.join(cols)})"
            )


# the bucket table each forecast granularity's actuals come from
_BUCKET_TABLES = (("hourly", "fct_post_counts_hourly"), ("daily", "fct_post_counts_daily"))


def _actual(wh: Warehouse) -> str:
    """The actual a forecast row gets from its bucket (b): NULL on gaps, never a zero (a 64-bit
    float in the target's spelling: Spark has no `double precision`)."""
    double = "double" if wh.target in ("duckdb", "spark") else "double precision"
    return f"case when b.is_gap then null else cast(b.post_count as {double}) end"


def backfill_actuals(wh: Warehouse) -> int:
    """Bring actual_count / is_gap of every forecast whose target bucket is in the warehouse in
    line with that bucket; returns how many rows changed.

    Hourly targets read forecasting.fct_post_counts_hourly, daily targets
    forecasting.fct_post_counts_daily; gap buckets get is_gap = true and stay NULL. Not only NULL
    actuals: a later delivery can change a bucket already filled (a re-fetch that returned more
    posts, a day whose coverage or gap flag changed), and the stored actual follows it. Targets
    not collected yet are left as they are."""
    if not wh.table_exists(ML_SCHEMA, FORECASTS_TABLE):
        return 0
    if wh.target == "spark":
        return _backfill_actuals_by_rewrite(wh)
    actual = _actual(wh)
    changed = 0
    for gran, table in _BUCKET_TABLES:
        if not wh.table_exists("forecasting", table):
            continue
        match = f"""
            from forecasting.{table} as b
            where
                f.granularity = '{gran}'
                and (b.account = f.account or b.account_id = f.account)
                and b.bucket_start = f.target_time
                and (
                    f.actual_count is distinct from {actual}
                    or f.is_gap is distinct from b.is_gap
                )
        """
        changed += int(
            wh.scalar(
                f"select count(*) from {ML_SCHEMA}.{FORECASTS_TABLE} as f "
                f"where exists (select 1 {match})"
            )
        )
        wh.execute(
            f"""
            update {ML_SCHEMA}.{FORECASTS_TABLE} as f
            set actual_count = {actual}, is_gap = b.is_gap
            {match}
            """
        )
    return changed


def _backfill_actuals_by_rewrite(wh: Warehouse) -> int:
    """backfill_actuals where tables have no UPDATE (Spark's Parquet): the forecast rows whose
    bucket changed, with the bucket's actual and gap flag, upserted on the forecast key (a
    rewrite of ml.forecasts, docs/SPARK.md); the same rows change as by the UPDATE."""
    columns = [
        c for c in wh.columns(ML_SCHEMA, FORECASTS_TABLE) if c not in ("actual_count", "is_gap")
    ]
    actual = _actual(wh)
    frames = []
    for gran, table in _BUCKET_TABLES:
        if not wh.table_exists("forecasting", table):
            continue
        frames.append(
            wh.query_df(
                f"""
                select {", ".join(f"f.{c}" for c in columns)},
                    {actual} as actual_count, b.is_gap
                from {ML_SCHEMA}.{FORECASTS_TABLE} as f
                inner join forecasting.{table} as b
                    on (b.account = f.account or b.account_id = f.account)
                    and b.bucket_start = f.target_time
                where
                    f.granularity = '{gran}'
                    and (
                        f.actual_count is distinct from {actual}
                        or f.is_gap is distinct from b.is_gap
                    )
                """
            )
        )
    if not frames:
        return 0
    changed = pd.concat(frames, ignore_index=True).drop_duplicates(FORECAST_KEYS)
    if changed.empty:
        return 0
    changed["actual_count"] = pd.to_numeric(changed["actual_count"]).astype(float)
    changed["is_gap"] = changed["is_gap"].astype(bool)
    wh.write_df(changed, ML_SCHEMA, FORECASTS_TABLE, key_columns=FORECAST_KEYS)
    return len(changed)


def latest_chosen_model(wh: Warehouse, account: str, granularity: str) -> str | None:
    if not wh.table_exists(ML_SCHEMA, MODELS_TABLE):
        return None
    df = wh.query_df(
        f"select model_name from {ML_SCHEMA}.{MODELS_TABLE} where account = ? and granularity = ? "
        "and is_chosen order by trained_at desc limit 1",
        [account, granularity],
    )
    return None if df.empty else str(df["model_name"].iloc[0])
