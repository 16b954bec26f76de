"""The `pipeline` Prefect flow: load -> dbt build -> features -> train -> score -> forecast ->
publish (dbt over the ml.* tables) -> report.

Runs with no Prefect server set up (Prefect starts an ephemeral API) and equally against a
configured server (PREFECT_API_URL). Tasks pass small values only; the data stays in the warehouse.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task

from flows.dbt import not_a_dbt_failure, run_dbt
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.warehouse import connect


@task(retries=2, retry_delay_seconds=5)
def load_task(paths: list[str], target: str) -> list[dict[str, Any]]:
    settings = Settings.from_env(target)
    with connect(settings) as wh:
        results = load_paths(wh, [Path(p) for p in paths])
    return [r.__dict__ | {"reconciles": r.reconciles} for r in results]


@task(retries=1, retry_delay_seconds=5, retry_condition_fn=not_a_dbt_failure)
def dbt_build_task(target: str, select: str | None = None, full_refresh: bool = False) -> dict:
    """`dbt build` as a task that retries only I/O failures (not_a_dbt_failure): a failing
    model or test would only fail again after rebuilding everything upstream of it."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    run = run_dbt(args, Settings.from_env(target))
    return {"nodes": len(run.results), "statuses": run.statuses}


PUBLISH_BEFORE = "report"


def stages() -> list[tuple[str, Callable[..., Any]]]:
    """The Python stages after the dbt build, in pipeline order.

    Imported by name here rather than looked up at run time: a stage whose module fails to
    import fails the run with its ImportError instead of being skipped without a word. (Imported
    inside the function so that `trendcast --help` does not load the ML stack.)
    """
    from flows.domain_flows import extract_domains
    from flows.forecast_flows import backfill_actuals, forecast
    from flows.mastodon_flows import mastodon_sentiment
    from flows.ml_flows import report, score, train
    from flows.trends_flows import features, trends_models

    return [
        ("extract_domains", extract_domains),
        ("features", features),
        ("trends_models", trends_models),
        ("train", train),
        ("score", score),
        ("forecast", forecast),
        ("backfill_actuals", backfill_actuals),
        ("mastodon_sentiment", mastodon_sentiment),
        ("report", report),
    ]


@task(retries=1, retry_delay_seconds=5, retry_condition_fn=not_a_dbt_failure)
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
        for name, fn in stages():
            if name == PUBLISH_BEFORE:
                summary["stages"]["publish"] = publish_task(target)
                lap("publish")
            summary["stages"][name] = fn(target=target)
            lap(name)
        if "publish" not in summary["stages"]:
            summary["stages"]["publish"] = publish_task(target)
            lap("publish")
    return summary
