"""One quality run: feature statistics and data checks under one run_id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pandas as pd

from python_ml.quality.checks import run_checks
from python_ml.quality.features import compute_feature_quality
from trendcast.warehouse import Warehouse


def run_quality(wh: Warehouse, run_id: str | None = None) -> dict:
    """Feature quality and data checks under one run_id, so the two tables of a run can be
    joined; returns the counts a flow reports."""
    run_at = pd.Timestamp(datetime.now(UTC))
    run_id = run_id or f"{run_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    features = compute_feature_quality(wh, run_id, run_at)
    checks = run_checks(wh, run_id, run_at)
    failed = checks[~checks["passed"]] if not checks.empty else checks
    return {
        "run_id": run_id,
        "features_checked": len(features),
        "mean_quality_score": round(float(features["quality_score"].mean()), 4)
        if not features.empty
        else None,
        "checks": len(checks),
        "checks_failed": len(failed),
        "critical": int((failed["severity"] == "critical").sum()) if not failed.empty else 0,
    }
