"""The model registry: ml.model_metadata rows plus artifacts on disk (sha256-checked).

Artifacts live under Settings.artifact_dir (TRENDCAST_ARTIFACT_DIR, default ./artifacts, git-ignored):
<artifact_dir>/<model_name>/<model_version>.json
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from trendcast.settings import Settings
from trendcast.warehouse import Warehouse

SCHEMA = "ml"
TABLE = "model_metadata"


@dataclass
class ModelRecord:
    model_name: str
    model_version: str
    task: str
    purpose: str
    trained_at: datetime
    train_start: str | None
    train_end: str | None
    hyperparameters: dict[str, Any]
    features: list[str]
    metrics: dict[str, Any]
    artifact_path: str
    artifact_sha256: str


def artifact_path(settings: Settings, model_name: str, model_version: str) -> Path:
    return Path(settings.artifact_dir) / model_name / f"{model_version}.json"


def register(wh: Warehouse, rec: ModelRecord) -> None:
    """Upsert one model's metadata (idempotent on model_name, model_version)."""
    row = {
        "model_name": rec.model_name,
        "model_version": rec.model_version,
        "task": rec.task,
        "purpose": rec.purpose,
        "trained_at": pd.Timestamp(rec.trained_at).tz_convert("UTC")
        if pd.Timestamp(rec.trained_at).tzinfo
        else pd.Timestamp(rec.trained_at, tz="UTC"),
        "train_start": rec.train_start,
        "train_end": rec.train_end,
        "hyperparameters": json.dumps(rec.hyperparameters, sort_keys=True, default=str),
        "features": json.dumps(rec.features),
        "metrics": json.dumps(rec.metrics, sort_keys=True, default=str),
        "artifact_path": rec.artifact_path,
        "artifact_sha256": rec.artifact_sha256,
    }
    df = pd.DataFrame([row])
    df["train_start"] = pd.to_datetime(df["train_start"]).dt.date
    df["train_end"] = pd.to_datetime(df["train_end"]).dt.date
    wh.write_df(df, SCHEMA, TABLE, key_columns=["model_name", "model_version"])


def latest(wh: Warehouse, model_name: str, purpose: str | None = None) -> dict[str, Any] | None:
    """The most recently trained model of that name (optionally of one purpose)."""
    if not wh.table_exists(SCHEMA, TABLE):
        return None
    sql = f"select * from {SCHEMA}.{TABLE} where model_name = ?"
    params: list[Any] = [model_name]
    if purpose:
        sql += " and purpose = ?"
        params.append(purpose)
    df = wh.query_df(sql + " order by trained_at desc, model_version desc limit 1", params)
    return None if df.empty else df.iloc[0].to_dict()


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
