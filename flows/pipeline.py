"""The `pipeline` Prefect flow: load -> dbt build -> features -> train -> score -> forecast ->
publish (dbt over the ml.* tables) -> report.

Runs with no Prefect server set up (Prefect starts an ephemeral API) and equally against a
configured server (PREFECT_API_URL). Tasks pass small values only; the data stays in the warehouse.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task

from flows.dbt import run_dbt
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.warehouse import connect


@task(retries=2, retry_delay_seconds=5)
def load_task(paths: list[str], target: str) -> list[dict[str, Any]]:
    settings = Settings.from_env(target)
    with connect(settings) as wh:
        results = load_paths(wh, [Path(p) for p in paths])
    return [r.__dict__ | {"reconciles": r.reconciles} for r in results]


@task(retries=1, retry_delay_seconds=5)
def dbt_build_task(target: str, select: str | None = None, full_refresh: bool = False) -> dict:
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    run = run_dbt(args, Settings.from_env(target))
    return {"nodes": len(run.results), "statuses": run.statuses}


# (module, flow name) in pipeline order; a stage whose module is not installed is skipped.
STAGES: list[tuple[str, str]] = [
    ("flows.domain_flows", "extract_domains"),
    ("flows.trends_flows", "features"),
    ("flows.trends_flows", "trends_models"),
    ("flows.ml_flows", "train"),
    ("flows.ml_flows", "score"),
    ("flows.forecast_flows", "forecast"),
    ("flows.forecast_flows", "backfill_actuals"),
    ("flows.mastodon_flows", "mastodon_sentiment"),
    ("flows.ml_flows", "report"),
]
PUBLISH_BEFORE = "report"


def _stages() -> list[tuple[str, Any]]:
    import importlib

    found = []
    for module, name in STAGES:
        try:
            fn = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if fn is not None:
            found.append((name, fn))
    return found


@task(retries=1, retry_delay_seconds=5)
def publish_task(target: str) -> dict:
    """Rebuild what reads the ml.* tables the Python stages just wrote, and test those tables."""
    run = run_dbt(["build", "--selector", "ml_outputs"], Settings.from_env(target))
    return {"nodes": len(run.results)}


@flow(name="pipeline", log_prints=True)
def pipeline(
    paths: list[str],
    target: str = "duckdb",
    full_refresh: bool = False,
    skip_ml: bool = False,
) -> dict[str, Any]:
    """Land the archives under `paths`, build the warehouse, then train, score and report."""
    summary: dict[str, Any] = {"target": target, "seconds": {}}
    clock = time.perf_counter()

    def lap(name: str) -> None:  # wall time per stage, for the run summary
        nonlocal clock
        summary["seconds"][name] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    summary["batches"] = load_task(paths, target)
    lap("load")
    summary["dbt"] = dbt_build_task(target, full_refresh=full_refresh)
    lap("dbt")
    summary["stages"] = {}
    if not skip_ml:
        for name, fn in _stages():
            if name == PUBLISH_BEFORE:
                summary["stages"]["publish"] = publish_task(target)
                lap("publish")
            summary["stages"][name] = fn(target=target)
            lap(name)
        if "publish" not in summary["stages"]:
            summary["stages"]["publish"] = publish_task(target)
            lap("publish")
    return summary


@task(retries=1, retry_delay_seconds=5)
def dbt_hourly_task(target: str) -> dict:
    from flows.dbt import hourly_build

    run = hourly_build(Settings.from_env(target))
    return {"nodes": len(run.results), "statuses": run.statuses}


@flow(name="hourly", log_prints=True)
def hourly(paths: list[str], target: str = "duckdb") -> dict[str, Any]:
    """The hourly refresh: land new archives (files landed before are no-ops), rebuild what they
    change (selectors.yml `hourly`) and test the incremental primary keys. The full `pipeline`
    (all tests, features, training, forecasts) runs daily."""
    return {
        "target": target,
        "batches": load_task(paths, target),
        "dbt": dbt_hourly_task(target),
    }
