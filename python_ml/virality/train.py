"""Train, save and register a persists_2d model."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pandas as pd

from python_ml import registry
from python_ml.virality import MODEL_NAME, TASK
from python_ml.virality.features import build_matrix, load_examples
from python_ml.virality.model import PersistsModel, train
from trendcast.settings import Settings
from trendcast.warehouse import Warehouse


def save_and_register(
    wh: Warehouse, settings: Settings, model: PersistsModel, purpose: str, metrics: dict[str, Any]
) -> str:
    """Write the artifact (content-addressed version) and its ml.model_metadata row."""
    data = model.to_json().encode()
    sha = hashlib.sha256(data).hexdigest()
    version = f"{model.info['train_end'].replace('-', '')}-{sha[:10]}"
    path = registry.artifact_path(settings, MODEL_NAME, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    registry.register(
        wh,
        registry.ModelRecord(
            model_name=MODEL_NAME,
            model_version=version,
            task=TASK,
            purpose=purpose,
            trained_at=registry.now_utc(),
            train_start=model.info.get("train_start"),
            train_end=model.info.get("train_end"),
            hyperparameters=model.params,
            features=model.features,
            metrics=metrics,
            artifact_path=str(path),
            artifact_sha256=sha,
        ),
    )
    return version


def train_production(
    wh: Warehouse, settings: Settings, train_end: date | None = None
) -> dict[str, Any]:
    """Train on every label whose window closed by train_end (default: the latest chart day)."""
    df = load_examples(wh, for_training=True)
    if df.empty:
        return {"status": "skipped", "reason": "no YouTube chart features in the warehouse"}
    end = train_end or max(df["as_of_date"])
    x = build_matrix(df)
    model = train(df, x, pd.Timestamp(end).date())
    metrics = {"validation_roc_auc": model.info["validation_roc_auc"]}
    version = save_and_register(wh, settings, model, "production", metrics)
    out = {"status": "ok", "model_version": version, **model.info, "grid": None}
    if "sample" in df.attrs:  # a bounded pull (Spark): how many rows of how many
        out["sample"] = df.attrs["sample"]
    return out
