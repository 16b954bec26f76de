"""Metrics for a scored, labelled set: ranking (ROC-AUC, PR-AUC), calibration (Brier) and the
operational ones a chart editor would use (precision of the top k of each chart day)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def precision_at_k_per_day(
    frame: pd.DataFrame,
    score_col: str,
    k: int,
    group_cols: tuple[str, ...] = ("region_code", "as_of_date"),
) -> float | None:
    """Mean over chart days (region x date) of the share of persisting videos among the k
    highest-scored first appearances of that day."""
    if frame.empty:
        return None
    top = (
        frame.sort_values(score_col, ascending=False, kind="mergesort")
        .groupby(list(group_cols), sort=False)
        .head(k)
    )
    per_day = top.groupby(list(group_cols))["persists_2d"].mean()
    return float(per_day.mean()) if len(per_day) else None


def binary_metrics(
    y: np.ndarray, score: np.ndarray, frame: pd.DataFrame | None = None, probability: bool = False
) -> dict[str, float | None]:
    """ROC-AUC, PR-AUC, precision@k; Brier and log-loss only for calibrated probabilities."""
    y = np.asarray(y, dtype=int)
    score = np.nan_to_num(np.asarray(score, dtype=float), nan=-1e12)
    out: dict[str, float | None] = {"n": len(y), "positives": int(y.sum())}
    if len(np.unique(y)) < 2:
        out.update(roc_auc=None, pr_auc=None)
    else:
        out["roc_auc"] = round(float(roc_auc_score(y, score)), 4)
        out["pr_auc"] = round(float(average_precision_score(y, score)), 4)
    if probability:
        p = np.clip(score, 0.0, 1.0)
        out["brier"] = round(float(brier_score_loss(y, p)), 5)
    if frame is not None:
        f = frame.assign(_score=score, persists_2d=y)
        for k in (5, 10):
            v = precision_at_k_per_day(f, "_score", k)
            out[f"precision_at_{k}_per_day"] = None if v is None else round(v, 4)
        n_top = max(1, round(len(y) * 0.05))
        order = np.argsort(-score, kind="mergesort")[:n_top]
        out["precision_at_top_5pct"] = round(float(y[order].mean()), 4)
    return out
