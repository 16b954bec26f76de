"""Held-out evaluation: train through `train_end`, score every labelled first appearance from
`test_start` on, compare with the baselines on exactly the same rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from python_ml import registry
from python_ml.virality import LABEL_WINDOW_DAYS, MODEL_NAME, TASK
from python_ml.virality.baselines import BASELINES
from python_ml.virality.features import build_matrix, load_examples
from python_ml.virality.metrics import binary_metrics
from python_ml.virality.model import train, training_rows
from python_ml.virality.score import predictions_frame, write_predictions
from python_ml.virality.train import save_and_register
from trendcast.settings import Settings
from trendcast.warehouse import Warehouse


class EvaluationError(ValueError):
    """The requested periods cannot give an honest evaluation."""


def lead_time_summary(test: pd.DataFrame, scores: np.ndarray) -> dict[str, Any]:
    """For persisting videos in the top 5% of scores: days from the prediction (first appearance)
    to the video's last chart day in that region, i.e. how long before the end of its run it was
    flagged."""
    if "last_seen_date" not in test or test.empty:
        return {}
    cut = np.quantile(scores, 0.95)
    hit = test[(scores >= cut) & (test["persists_2d"] == 1)]
    if hit.empty:
        return {"n": 0}
    days = (pd.to_datetime(hit["last_seen_date"]) - pd.to_datetime(hit["as_of_date"])).dt.days
    return {
        "n": len(days),
        "median_days": float(days.median()),
        "mean_days": round(float(days.mean()), 2),
    }


def evaluate(
    wh: Warehouse,
    settings: Settings,
    train_end: date,
    test_start: date,
    test_end: date | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """Train through `train_end` and measure on the labelled chart entries from `test_start`
    on, refusing a test period that overlaps the training labels' windows: a leak would make any
    model look good."""
    if test_start <= train_end - timedelta(days=LABEL_WINDOW_DAYS):
        raise EvaluationError(
            f"test_start {test_start} overlaps the training examples (windows closing by "
            f"{train_end}): choose test_start > train_end - {LABEL_WINDOW_DAYS} days"
        )
    df = load_examples(wh)
    if df.empty:
        raise EvaluationError("no YouTube chart features in the warehouse: load data and build")
    x = build_matrix(df)
    model = train(df, x, train_end)
    test = df["persists_2d"].notna() & (df["as_of_date"] >= test_start)
    if test_end is not None:
        test &= df["as_of_date"] <= test_end
    if not test.any():
        raise EvaluationError(f"no labelled examples from {test_start}")
    overlap = training_rows(df, train_end) & test
    assert not overlap.any(), "a test row was used for training"
    d, xt = df.loc[test], x.loc[test]
    y = d["persists_2d"].astype(int).to_numpy()
    scores = model.predict(xt)
    result: dict[str, Any] = {
        "task": TASK,
        "train_end": str(train_end),
        "test_start": str(test_start),
        "test_end": str(test_end or max(d["as_of_date"])),
        "n_train": int(training_rows(df, train_end).sum()),
        "n_test": len(d),
        "base_rate": round(float(y.mean()), 4),
        "regions": sorted(d["region_code"].unique().tolist()),
        "model": binary_metrics(y, scores, d, probability=True),
        "baselines": {name: binary_metrics(y, fn(xt), d) for name, fn in BASELINES.items()},
        "lead_time": lead_time_summary(d, scores),
        "validation": {
            k: model.info[k]
            for k in (
                "train_start",
                "validation_start",
                "validation_end",
                "n_validation",
                "validation_roc_auc",
            )
        },
        "hyperparameters": {
            k: model.params[k]
            for k in (
                "num_leaves",
                "num_boost_round",
                "half_life_days",
                "learning_rate",
                "min_child_samples",
            )
        },
    }
    rank = result["baselines"]["rank_only"]["roc_auc"]
    if result["model"]["roc_auc"] is not None and rank is not None:
        result["roc_auc_gain_over_rank_only"] = round(result["model"]["roc_auc"] - rank, 4)
    result["per_region"] = {
        r: {
            "n": int((d["region_code"] == r).sum()),
            "model_roc_auc": binary_metrics(y[m], scores[m])["roc_auc"],
            "rank_only_roc_auc": binary_metrics(y[m], -xt.loc[m, "chart_rank"].to_numpy())[
                "roc_auc"
            ],
        }
        for r in result["regions"]
        for m in [(d["region_code"] == r).to_numpy()]
    }
    if write:
        version = save_and_register(wh, settings, model, "evaluation", result)
        result["model_version"] = version
        scored_at = pd.Timestamp(registry.now_utc())
        result["predictions_written"] = write_predictions(
            wh, predictions_frame(d, scores, version, scored_at)
        )
    result["model_name"] = MODEL_NAME
    return result
