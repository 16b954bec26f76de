"""Write predictions and explanations to ml.predictions / ml.prediction_explanations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from python_ml import registry
from python_ml.virality import ENTITY_TYPE, LABEL_WINDOW_DAYS, MODEL_NAME, TASK
from python_ml.virality.features import build_matrix, load_examples
from python_ml.virality.model import PersistsModel
from trendcast.settings import Settings
from trendcast.warehouse import Warehouse

PREDICTION_KEYS = ["task", "entity_id", "region", "as_of", "model_version"]
EXPLANATION_KEYS = [*PREDICTION_KEYS, "feature"]


def as_of_timestamps(days: pd.Series) -> pd.api.extensions.ExtensionArray:
    return pd.to_datetime(days).dt.tz_localize("UTC").array


def predictions_frame(
    df: pd.DataFrame, scores: np.ndarray, model_version: str, scored_at: pd.Timestamp
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task": TASK,
            "entity_type": ENTITY_TYPE,
            "entity_id": df["video_id"].astype(str).to_numpy(),
            "region": df["region_code"].astype(str).to_numpy(),
            # ml.predictions.as_of is a UTC timestamp for every task (hourly tasks need the
            # hour); a chart day is its midnight UTC.
            "as_of": as_of_timestamps(df["as_of_date"]),
            "score": np.asarray(scores, dtype=float),
            "model_version": model_version,
            "scored_at": scored_at,
        }
    )


def write_predictions(wh: Warehouse, frame: pd.DataFrame) -> int:
    """Idempotent on (task, entity_id, region, as_of, model_version)."""
    return wh.write_df(frame, "ml", "predictions", key_columns=PREDICTION_KEYS)


def write_explanations(
    wh: Warehouse,
    model: PersistsModel,
    df: pd.DataFrame,
    x: pd.DataFrame,
    scores: np.ndarray,
    model_version: str,
    scored_at: pd.Timestamp,
    top_k: int = 10,
) -> int:
    """LightGBM pred_contrib per feature for the top_k predictions of each chart day."""
    if df.empty:
        return 0
    order = (
        df.assign(_s=scores)
        .sort_values("_s", ascending=False, kind="mergesort")
        .groupby(["region_code", "as_of_date"], sort=False)
        .head(top_k)
        .index
    )
    contrib = model.contributions(x.loc[order])
    feats = model.features
    rows = []
    for i, idx in enumerate(order):
        for j, feat in enumerate(feats):
            value = x.at[idx, feat]
            rows.append(
                (
                    df.at[idx, "video_id"],
                    df.at[idx, "region_code"],
                    pd.Timestamp(df.at[idx, "as_of_date"]).tz_localize("UTC"),
                    feat,
                    None if pd.isna(value) else float(value),
                    float(contrib[i, j]),
                )
            )
    out = pd.DataFrame(
        rows, columns=["entity_id", "region", "as_of", "feature", "feature_value", "contribution"]
    )
    out.insert(0, "task", TASK)
    out["model_version"] = model_version
    out["computed_at"] = scored_at
    return wh.write_df(out, "ml", "prediction_explanations", key_columns=EXPLANATION_KEYS)


def load_registered(settings: Settings, record: dict[str, Any]) -> PersistsModel:
    return PersistsModel.load(record["artifact_path"], expected_sha256=record["artifact_sha256"])


def score(
    wh: Warehouse, settings: Settings, since: date | None = None, top_k: int = 10
) -> dict[str, Any]:
    """Score, with the latest production model, every first appearance it did not train on
    (as_of_date after the last training example) or every one from `since` on."""
    record = registry.latest(wh, MODEL_NAME, purpose="production")
    if record is None:
        return {"status": "skipped", "reason": "no trained model: run `trendcast train` first"}
    model = load_registered(settings, record)
    train_end = pd.Timestamp(record["train_end"]).date()
    start = since or (train_end - timedelta(days=LABEL_WINDOW_DAYS - 1))
    df = load_examples(wh, as_of_from=start)
    if df.empty:
        return {"status": "ok", "model_version": record["model_version"], "scored": 0}
    x = build_matrix(df)
    scores = model.predict(x)
    scored_at = pd.Timestamp(registry.now_utc())
    n = write_predictions(wh, predictions_frame(df, scores, record["model_version"], scored_at))
    n_exp = write_explanations(wh, model, df, x, scores, record["model_version"], scored_at, top_k)
    return {
        "status": "ok",
        "model_version": record["model_version"],
        "scored": n,
        "explained": n_exp,
        "as_of_from": str(start),
        "as_of_to": str(max(df["as_of_date"])),
    }
