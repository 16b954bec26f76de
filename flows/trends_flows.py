"""Prefect flow for the trend feature store's Python steps.

`features(target=...)` runs after `dbt build`: it fits the semantic themes (ml.hashtag_themes),
rebuilds the feature marts that join them (and ml.predictions residuals), then records a quality
run (ml.feature_quality, ml.data_quality_checks). Returns a small JSON-able summary.
"""

from __future__ import annotations

import os

from prefect import flow, task

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

FEATURE_SELECT = [
    "viral_labels",  # read only by the feature marts; not in the hourly selector (selectors.yml)
    "hashtag_features+",
    "video_features+",
    "--exclude",
    "path:models/marts/trends/youtube",
]


def _settings(target: str | None):
    from trendcast.settings import Settings

    return Settings.from_env(target)


@task(retries=2, retry_delay_seconds=5)
def themes_task(target: str | None) -> dict:
    from python_ml.semantic.themes import compute_hashtag_themes
    from trendcast.warehouse import connect

    with connect(_settings(target)) as wh:
        return compute_hashtag_themes(wh)


@task(retries=1, retry_delay_seconds=5)
def rebuild_features_task(target: str | None) -> dict:
    from flows.dbt import run_dbt

    run = run_dbt(["build", "--select", *FEATURE_SELECT], _settings(target))
    return {"nodes": len(run.results), "failures": len(run.failures)}


@task(retries=2, retry_delay_seconds=5)
def quality_task(target: str | None) -> dict:
    from python_ml.quality.run import run_quality
    from trendcast.warehouse import connect

    with connect(_settings(target)) as wh:
        return run_quality(wh)


@flow(name="trends-features")
def features(target: str | None = None) -> dict:
    """Themes -> feature marts -> quality; one step after another (one DuckDB writer at a time)."""
    themes = themes_task(target)
    rebuilt = rebuild_features_task(target)
    quality = quality_task(target)
    return {"themes": themes, "features_rebuilt": rebuilt, "quality": quality}


@task(retries=1, retry_delay_seconds=5)
def train_trends_task(target: str | None) -> list[dict]:
    from python_ml.trends_model.train import train_all
    from trendcast.warehouse import connect

    with connect(_settings(target)) as wh:
        return train_all(wh)


@flow(name="trends-models")
def trends_models(target: str | None = None) -> dict:
    """LightGBM hashtag/video virality per window: train, evaluate, score the latest hour."""
    results = train_trends_task(target)
    return {
        r["task"]: {
            "skipped": r.get("skipped"),
            "auc": (r.get("metrics") or {}).get("lightgbm", {}).get("auc"),
            "momentum_auc": (r.get("metrics") or {}).get("momentum_score", {}).get("auc"),
            "scored": r.get("scored", 0),
        }
        for r in results
    }
