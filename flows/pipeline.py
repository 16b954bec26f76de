"""The `pipeline` Prefect flow: load -> dbt build -> train -> score -> forecast -> report.

Runs with no Prefect server set up (Prefect starts an ephemeral API) and equally against a
configured server (PREFECT_API_URL). Tasks pass small values only; the data stays in the warehouse.
"""

from __future__ import annotations

import os
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
    statuses: dict[str, int] = {}
    for r in run.results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {"nodes": len(run.results), "statuses": statuses}


def _optional_stages() -> list[tuple[str, Any]]:
    """Later stages (training, scoring, forecasting, report) plug in when their modules exist."""
    stages = []
    try:
        from flows import ml_flows

        for name in ("train", "score", "report"):
            fn = getattr(ml_flows, name, None) or getattr(ml_flows, f"{name}_flow", None)
            if fn is not None:
                stages.append((name, fn))
    except ImportError:
        pass
    try:
        from flows import forecast_flows

        for name in ("forecast", "backfill_actuals"):
            fn = getattr(forecast_flows, name, None) or getattr(
                forecast_flows, f"{name}_flow", None
            )
            if fn is not None:
                stages.append((name, fn))
    except ImportError:
        pass
    return stages


@flow(name="pipeline", log_prints=True)
def pipeline(
    paths: list[str],
    target: str = "duckdb",
    full_refresh: bool = False,
    skip_ml: bool = False,
) -> dict[str, Any]:
    """Land the archives under `paths`, build the warehouse, then train, score and report."""
    summary: dict[str, Any] = {"target": target}
    summary["batches"] = load_task(paths, target)
    summary["dbt"] = dbt_build_task(target, full_refresh=full_refresh)
    summary["stages"] = {}
    if not skip_ml:
        for name, fn in _optional_stages():
            summary["stages"][name] = fn(target=target)
    return summary
