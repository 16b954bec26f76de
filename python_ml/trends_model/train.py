"""Train, evaluate and score hashtag / video virality per prediction window.

Time-ordered split: the last `test_fraction` of as_of times is the test period; training rows
must have as_of <= test_start - purge, purge >= the window, so no training label's window overlaps
the test period. Baselines on the same test rows: momentum_score, and a Mastodon-style trending
score (current - baseline) / baseline with exponential decay on the hashtag's age (half-life
`decay_half_life_hours`). Scores of the latest as_of go to ml.predictions (task
trends_<entity>_viral_<w>h), the model to the registry (ml.model_metadata + artifact).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from python_ml import registry
from python_ml.trends_model import DEFINITION, MODEL_NAME, WINDOWS, task_name
from trendcast.warehouse import Warehouse

ENTITIES = {
    "hashtag": ("hashtag_features", "hashtag_id"),
    "video": ("video_features", "video_id"),
}
EXCLUDED_GROUPS = {"key", "prediction_residual"}


@dataclass(frozen=True)
class TrainConfig:
    platform: str = "tiktok"
    test_fraction: float = 0.3
    purge_extra_hours: int = 0
    decay_half_life_hours: float = 72.0
    min_rows: int = 200
    seed: int = 7
    # One OpenMP thread: on a shared 2-core machine LightGBM's spinning worker threads made each
    # fit ~20x slower (15 s vs 0.8 s wall for 200 trees on 6k rows), and one thread makes the
    # histogram sums, hence the trees, independent of the machine's core count.
    num_threads: int = 1


def feature_columns(wh: Warehouse, model: str) -> list[str]:
    """Numeric features of the model's definitions; a deprecated feature is never trained on."""
    defs = wh.query_df(
        "select name, feature_group, data_type from seeds.feature_definitions "
        "where model_name = ? and deprecated_at is null",
        [model],
    )
    keep = ~defs["feature_group"].isin(EXCLUDED_GROUPS) & defs["data_type"].isin(
        ["double", "bigint", "integer", "boolean"]
    )
    return defs.loc[keep, "name"].tolist()


def _label_columns(window: int) -> tuple[str, str]:
    return f"label_{window}h", f"has_label_{window}h"


def load_entity_examples(
    wh: Warehouse, entity: str, platform: str, windows: Sequence[int] = WINDOWS
) -> tuple[pd.DataFrame, list[str]]:
    """Feature rows of one entity with the labels of every window, in one query.

    viral_labels is unique on (entity_type, entity_id, as_of_at, window_hours, definition_id), so
    pivoting the windows into columns gives exactly what one left join per window gave, while the
    feature table is read and converted once instead of once per window. Rows come ordered by
    (as_of_at, entity_id): LightGBM's bagging depends on row order, and a join's order is not
    guaranteed, so the order is fixed to make a fit reproducible.
    """
    model, key = ENTITIES[entity]
    feats = feature_columns(wh, model)
    cols = ", ".join(f"f.{c}" for c in feats)
    pivots, outs, params = [], [], []
    for w in windows:
        label, has_label = _label_columns(w)
        pivots.append(
            f"max(case when window_hours = ? and is_viral then 1 else 0 end) as {label}, "
            f"max(case when window_hours = ? and is_viral is not null then 1 else 0 end) "
            f"as {has_label}"
        )
        params += [w, w]
        outs.append(
            f"coalesce(l.{label}, 0) as {label}, coalesce(l.{has_label}, 0) = 1 as {has_label}"
        )
    df = wh.query_df(
        f"with labels as (select entity_id, as_of_at, {', '.join(pivots)} "
        "from trends.viral_labels where entity_type = ? and definition_id = ? "
        f"and window_hours in ({', '.join('?' for _ in windows)}) group by entity_id, as_of_at) "
        f"select f.{key} as entity_id, f.as_of_at, {cols}, {', '.join(outs)} "
        f"from trends.{model} as f left join labels as l "
        f"on l.entity_id = f.{key} and l.as_of_at = f.as_of_at where f.platform = ? "
        f"order by f.as_of_at, f.{key}",
        [*params, entity, DEFINITION, *windows, platform],
    )
    df["as_of_at"] = pd.to_datetime(df["as_of_at"], utc=True)
    for c in feats:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for w in windows:
        label, has_label = _label_columns(w)
        df[label] = df[label].astype("int64")
        df[has_label] = df[has_label].astype(bool)
    return df, feats


def examples_for_window(df: pd.DataFrame, window: int) -> pd.DataFrame:
    """Point `label` / `has_label` (what `split` and the fits read) at one window's columns.

    In place on purpose: the windows are trained one after the other, and a copy of the feature
    frame per window is what this module no longer wants to pay for.
    """
    label, has_label = _label_columns(window)
    df["label"] = df[label]
    df["has_label"] = df[has_label]
    return df


def load_examples(
    wh: Warehouse, entity: str, window: int, platform: str
) -> tuple[pd.DataFrame, list[str]]:
    """One window's examples (kept for callers that want a single task)."""
    df, feats = load_entity_examples(wh, entity, platform, (window,))
    return examples_for_window(df, window), feats


def trending_score(df: pd.DataFrame, half_life_hours: float) -> np.ndarray:
    """Mastodon-style: (current - baseline) / baseline, decayed by age."""
    if "reach_24h" in df and "baseline_daily_reach" in df:
        current, baseline = df["reach_24h"], df["baseline_daily_reach"]
        age = df["hours_since_first_seen"].fillna(0)
    else:  # videos: views gained in 24 h against the creator's average
        current, baseline = df["views_gained_24h"], df["creator_average_views"]
        age = df["video_age_hours"].fillna(0)
    score = (current.fillna(0) - baseline.fillna(0)) / np.maximum(baseline.fillna(0), 1.0)
    return (np.maximum(score, 0) * np.power(0.5, age / half_life_hours)).to_numpy()


def _metrics(y: np.ndarray, s: np.ndarray) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    s = np.nan_to_num(np.asarray(s, dtype=float), nan=-1e9)
    if len(np.unique(y)) < 2:
        return {"auc": None, "average_precision": None}
    return {
        "auc": round(float(roc_auc_score(y, s)), 4),
        "average_precision": round(float(average_precision_score(y, s)), 4),
    }


def split(df: pd.DataFrame, window: int, cfg: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Time-ordered train / test split with a purge (module docstring): training rows end
    `window` + purge_extra_hours before the test period, so no training label looks into it. Fewer
    than 4 labelled times give two empty frames: no honest split exists."""
    labelled = df[df["has_label"]]
    times = np.sort(labelled["as_of_at"].unique())
    if len(times) < 4:
        return labelled.iloc[:0], labelled.iloc[:0]
    test_start = pd.Timestamp(times[int(len(times) * (1 - cfg.test_fraction))])
    purge = pd.Timedelta(hours=window + cfg.purge_extra_hours)
    train = labelled[labelled["as_of_at"] <= test_start - purge]
    test = labelled[labelled["as_of_at"] >= test_start]
    return train, test


def train_one(
    wh: Warehouse,
    entity: str,
    window: int,
    cfg: TrainConfig,
    examples: tuple[pd.DataFrame, list[str]] | None = None,
) -> dict:
    """Evaluate on the held-out later period, refit on every labelled row, score the latest hour.

    `examples` is the entity's frame from `load_entity_examples` (loaded here when omitted).
    """
    import lightgbm as lgb

    if examples is None:
        df, feats = load_examples(wh, entity, window, cfg.platform)
    else:
        df, feats = examples_for_window(examples[0], window), examples[1]
    train, test = split(df, window, cfg)
    task = task_name(entity, window)
    summary: dict = {"task": task, "train_rows": len(train), "test_rows": len(test)}
    if len(train) < cfg.min_rows or len(test) == 0 or train["label"].nunique() < 2:
        summary["skipped"] = "not enough labelled rows or a single class"
        return summary
    params = {
        "n_estimators": 200,
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_child_samples": 20,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 0.8,
        "random_state": cfg.seed,
        "n_jobs": cfg.num_threads,
        "verbose": -1,
    }
    model = lgb.LGBMClassifier(**params)
    model.fit(train[feats], train["label"])
    y = test["label"].to_numpy()
    metrics = {
        "lightgbm": _metrics(y, model.predict_proba(test[feats])[:, 1]),
        "momentum_score": _metrics(y, test["momentum_score"].to_numpy()),
        "trending_score": _metrics(y, trending_score(test, cfg.decay_half_life_hours)),
        "base_rate": round(float(y.mean()), 4),
        "train_end": str(train["as_of_at"].max()),
        "test_start": str(test["as_of_at"].min()),
        "purge_hours": window + cfg.purge_extra_hours,
    }
    # final model on every labelled row, scoring the latest feature rows
    final = lgb.LGBMClassifier(**params).fit(
        df.loc[df["has_label"], feats], df.loc[df["has_label"], "label"]
    )
    latest = df[df["as_of_at"] == df["as_of_at"].max()]
    booster = final.booster_.model_to_string()
    sha = hashlib.sha256(booster.encode()).hexdigest()
    version = f"{task}-{sha[:12]}"
    path = registry.artifact_path(wh.settings, MODEL_NAME, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"booster": booster, "features": feats, "params": params}))
    artifact_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    registry.register(
        wh,
        registry.ModelRecord(
            model_name=MODEL_NAME,
            model_version=version,
            task=task,
            purpose="production",
            trained_at=registry.now_utc(),
            train_start=str(df["as_of_at"].min().date()),
            train_end=str(df["as_of_at"].max().date()),
            hyperparameters=params,
            features=feats,
            metrics=metrics,
            artifact_path=str(path),
            artifact_sha256=artifact_sha,
        ),
    )
    scored_at = pd.Timestamp(datetime.now(UTC))
    predictions = pd.DataFrame(
        {
            "task": task,
            "entity_type": entity,
            "entity_id": latest["entity_id"].astype(str).to_numpy(),
            "region": "global",
            "as_of": latest["as_of_at"].to_numpy(),
            "score": final.predict_proba(latest[feats])[:, 1].astype(float),
            "model_version": version,
            "scored_at": scored_at,
        }
    )
    wh.write_df(
        predictions,
        "ml",
        "predictions",
        key_columns=["task", "entity_id", "region", "as_of", "model_version"],
    )
    explained = write_explanations(wh, final, latest, feats, task, version, scored_at)
    summary.update(
        metrics=metrics, model_version=version, scored=len(predictions), explained=explained
    )
    return summary


def write_explanations(
    wh: Warehouse,
    model,
    latest: pd.DataFrame,
    feats: list[str],
    task: str,
    version: str,
    scored_at: pd.Timestamp,
    top_k: int = 5,
) -> int:
    """The top_k LightGBM contributions (log-odds) of each scored entity, with the feature values,
    so a reader sees why an entity scores high (ml.prediction_explanations, as for YouTube)."""
    if latest.empty:
        return 0
    contrib = np.asarray(model.predict(latest[feats], pred_contrib=True))[:, : len(feats)]
    values = latest[feats].to_numpy(dtype=float, na_value=np.nan)
    top = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :top_k]
    rows = np.arange(len(latest))[:, None]
    out = pd.DataFrame(
        {
            "task": task,
            "entity_id": np.repeat(latest["entity_id"].astype(str).to_numpy(), top.shape[1]),
            "region": "global",
            "as_of": np.repeat(latest["as_of_at"].to_numpy(), top.shape[1]),
            "model_version": version,
            "feature": np.asarray(feats, dtype=object)[top].ravel(),
            "feature_value": values[rows, top].ravel(),
            "contribution": contrib[rows, top].ravel().astype(float),
            "computed_at": scored_at,
        }
    )
    out["feature_value"] = out["feature_value"].astype(object).where(out["feature_value"].notna())
    return wh.write_df(
        out,
        "ml",
        "prediction_explanations",
        key_columns=["task", "entity_id", "region", "as_of", "model_version", "feature"],
    )


def train_all(wh: Warehouse, cfg: TrainConfig | None = None) -> list[dict]:
    """Every (entity, window) task; each entity's features are read once for all its windows."""
    cfg = cfg or TrainConfig()
    results = []
    for entity in ENTITIES:
        examples = load_entity_examples(wh, entity, cfg.platform, WINDOWS)
        results += [train_one(wh, entity, w, cfg, examples) for w in WINDOWS]
    return results
