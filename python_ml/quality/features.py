"""ml.feature_quality: one row per run, feature model, platform and feature.

Why Python and per run: drift needs a baseline distribution (quantile bins) and a run identity
(when was the feature store last looked at, and how did it look). A dbt model would recompute the
history every build; these rows are an audit log keyed by run_id.

Windows, per model and platform, relative to its latest as_of_at: the current window is the last
`current_hours`, the baseline the `baseline_days` before it. Numeric features come from
seeds/feature_definitions (group != key). quality_score in [0, 1]:
    1 - 0.5 * null_fraction - 0.3 * min(psi / 0.25, 1) - 0.2 * min(10 * outlier_fraction, 1)
(PSI 0.25 is the usual "significant shift"; 10 % outliers costs the whole outlier share).
Next to PSI (symmetric) each row carries kl_divergence, KL(current || baseline) over the same
quantile bins: the one-sided "how surprising is today's distribution under the baseline" that the
feature-store design asks for, and null_count next to null_pct so a reader sees how many rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trendcast.warehouse import Warehouse

SCHEMA = "ml"
TABLE = "feature_quality"
NUMERIC = {"double", "bigint", "integer"}
MODELS = ("hashtag_features", "video_features")


@dataclass(frozen=True)
class QualityConfig:
    current_hours: int = 24
    baseline_days: int = 7
    bins: int = 10
    fence_iqr: float = 3.0


def _binned(
    baseline: np.ndarray, current: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray] | float | None:
    """Shares of `baseline` and `current` in quantile bins of `baseline` (smoothed by 1e-4 so
    an empty bin costs a finite amount); None without enough baseline, or the divergence itself
    (0 or 1) when the baseline is a single value."""
    baseline = baseline[~np.isnan(baseline)]
    current = current[~np.isnan(current)]
    if len(baseline) < bins or len(current) == 0:
        return None
    edges = np.unique(np.quantile(baseline, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return 0.0 if np.all(current == edges[0]) else 1.0
    edges[0], edges[-1] = -np.inf, np.inf
    eps = 1e-4
    b = np.histogram(baseline, edges)[0] / len(baseline) + eps
    c = np.histogram(current, edges)[0] / len(current) + eps
    return b, c


def psi(baseline: np.ndarray, current: np.ndarray, bins: int = 10) -> float | None:
    """Population stability index of `current` against quantile bins of `baseline`."""
    shares = _binned(baseline, current, bins)
    if not isinstance(shares, tuple):
        return shares
    b, c = shares
    return float(np.sum((c - b) * np.log(c / b)))


def kl_divergence(baseline: np.ndarray, current: np.ndarray, bins: int = 10) -> float | None:
    """KL(current || baseline) in nats over quantile bins of `baseline`."""
    shares = _binned(baseline, current, bins)
    if not isinstance(shares, tuple):
        return shares
    b, c = shares
    b, c = b / b.sum(), c / c.sum()
    return float(np.sum(c * np.log(c / b)))


def quality_score(null_fraction: float, psi_value: float | None, outlier_fraction: float) -> float:
    """The 0-1 score of the module docstring: nulls weigh most, then drift, then outliers."""
    drift = min((psi_value or 0.0) / 0.25, 1.0)
    score = 1 - 0.5 * null_fraction - 0.3 * drift - 0.2 * min(10 * outlier_fraction, 1.0)
    return float(np.clip(score, 0.0, 1.0))


def feature_stats(
    definition: dict, current: pd.Series, baseline: pd.Series, cfg: QualityConfig
) -> dict:
    """One feature's current window against its baseline. Outliers are values outside the
    feature's defined range or the baseline's IQR fences; the fences need at least `bins` baseline
    values, below which quartiles are noise."""
    cur = pd.to_numeric(current, errors="coerce").astype("float64").to_numpy()
    base = pd.to_numeric(baseline, errors="coerce").astype("float64").to_numpy()
    n = len(cur)
    valid = cur[~np.isnan(cur)]
    null_fraction = float(np.isnan(cur).mean()) if n else 1.0
    out_of_range = np.zeros(len(valid), dtype=bool)
    if pd.notna(definition.get("valid_min")):
        out_of_range |= valid < float(definition["valid_min"])
    if pd.notna(definition.get("valid_max")):
        out_of_range |= valid > float(definition["valid_max"])
    fenced = np.zeros(len(valid), dtype=bool)
    base_valid = base[~np.isnan(base)]
    if len(base_valid) >= cfg.bins:
        q1, q3 = np.quantile(base_valid, [0.25, 0.75])
        iqr = q3 - q1
        if iqr > 0:
            fenced = (valid < q1 - cfg.fence_iqr * iqr) | (valid > q3 + cfg.fence_iqr * iqr)
    outliers = int((out_of_range | fenced).sum())
    drift = psi(base, cur, cfg.bins)
    return {
        "row_count": n,
        "null_count": int(np.isnan(cur).sum()),
        "null_pct": 100.0 * null_fraction,
        "mean": float(valid.mean()) if len(valid) else None,
        "std": float(valid.std(ddof=1)) if len(valid) > 1 else None,
        "min": float(valid.min()) if len(valid) else None,
        "max": float(valid.max()) if len(valid) else None,
        "outlier_count": outliers,
        "out_of_range_count": int(out_of_range.sum()),
        "psi": drift,
        "kl_divergence": kl_divergence(base, cur, cfg.bins),
        "drift_status": None
        if drift is None
        else ("stable" if drift < 0.1 else "moderate" if drift < 0.25 else "significant"),
        "quality_score": quality_score(
            null_fraction, drift, outliers / len(valid) if len(valid) else 0.0
        ),
    }


def compute_feature_quality(
    wh: Warehouse, run_id: str, run_at: pd.Timestamp, cfg: QualityConfig | None = None
) -> pd.DataFrame:
    """Store one row per feature model, platform and numeric feature for this run (windows
    relative to each platform's latest as_of_at, so a platform whose data stopped is still
    compared with its own recent past)."""
    cfg = cfg or QualityConfig()
    definitions = wh.query_df("select * from seeds.feature_definitions")
    rows = []
    for model in MODELS:
        if not wh.table_exists("trends", model):
            continue
        defs = definitions[
            (definitions["model_name"] == model)
            & (definitions["feature_group"] != "key")
            & (definitions["data_type"].isin(NUMERIC))
        ]
        cols = ", ".join(defs["name"])
        latest = wh.query_df(
            f"select platform, max(as_of_at) as latest_at from trends.{model} group by 1"
        )
        for platform, latest_at in latest.itertuples(index=False):
            latest_at = pd.Timestamp(latest_at)
            current_from = latest_at - pd.Timedelta(hours=cfg.current_hours)
            baseline_from = current_from - pd.Timedelta(days=cfg.baseline_days)
            frame = wh.query_df(
                f"select as_of_at, {cols} from trends.{model} where platform = ? and as_of_at > ?",
                [platform, baseline_from.to_pydatetime()],
            )
            frame["as_of_at"] = pd.to_datetime(frame["as_of_at"], utc=True)
            is_current = frame["as_of_at"] > current_from
            for d in defs.to_dict("records"):
                stats = feature_stats(
                    d, frame.loc[is_current, d["name"]], frame.loc[~is_current, d["name"]], cfg
                )
                rows.append(
                    {
                        "run_id": run_id,
                        "run_at": run_at,
                        "model_name": model,
                        "platform": platform,
                        "feature_name": d["name"],
                        "feature_group": d["feature_group"],
                        "window_start_at": current_from,
                        "window_end_at": latest_at,
                        "baseline_start_at": baseline_from,
                        **stats,
                    }
                )
    result = pd.DataFrame(rows)
    if not result.empty:
        for col in ("mean", "std", "min", "max", "psi", "kl_divergence"):
            result[col] = result[col].astype("float64")
        wh.write_df(
            result, SCHEMA, TABLE, key_columns=["run_id", "model_name", "platform", "feature_name"]
        )
    return result
