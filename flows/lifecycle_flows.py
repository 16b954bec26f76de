"""Prefect flows for the data lifecycle: retention (daily) and erasure (on request).

Thin: the work is in trendcast.retention (table families, including those other core modules
own, registered there one line each; python_ml's here) and trendcast.erasure.
"""

from __future__ import annotations

import os
from datetime import datetime

from prefect import flow, task

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _mastodon_snapshots(wh, section: dict, as_of: datetime, dry_run: bool, batch_size: int) -> dict:
    """Mastodon post snapshots thinned by python_ml's rule (it lives above the core floor, so
    it is registered here rather than in trendcast.retention)."""
    from python_ml.mastodon.retention import apply_snapshot_retention

    result = apply_snapshot_retention(wh, dry_run=dry_run, as_of=as_of)
    return {"mastodon.post_metric_snapshots": result.deleted}


def register_families() -> None:
    """Register the retention families whose rules live in python_ml: trendcast.retention
    cannot import them (imports point down), so the flows floor adds them before a run."""
    from trendcast.retention import register_family

    register_family("mastodon_snapshots", _mastodon_snapshots, own_transaction=True)


DEFAULT_LOCK_TIMEOUT = 600.0  # as the hourly and daily flows (flows/live.py)


@task(retries=2, retry_delay_seconds=10)
def retention_task(target: str | None, dry_run: bool, as_of: str | None) -> list[dict]:
    """Apply the retention policies, or with dry_run only count what they would delete. The
    cutoffs are computed from `as_of` (default: now), so a run for a past day can be repeated."""
    from trendcast.retention import run_retention
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    register_families()
    clock = datetime.fromisoformat(as_of) if as_of else None
    with connect(Settings.from_env(target)) as wh:
        results = run_retention(wh, dry_run=dry_run, as_of=clock)
    return [r.__dict__ for r in results]


@flow(name="retention")
def retention(
    target: str | None = None,
    dry_run: bool = False,
    as_of: str | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> dict:
    """Delete what is past its horizon (config/retention.yml), one transaction per family.

    Holds the warehouse writer lock for the whole run, like `hourly` and `daily`: taken here,
    outside the retried task, so a busy warehouse is one wait and one clear WriterBusyError,
    not a wait per retry."""
    from trendcast.settings import Settings
    from trendcast.writer_lock import writer_lock

    with writer_lock(Settings.from_env(target), "retention", lock_timeout):
        rows = retention_task(target, dry_run, as_of)
    return {"dry_run": dry_run, "tables": rows, "rows": sum(r["rows"] for r in rows)}


def rebuild_selection(source: str) -> list[str]:
    """Every model that reads the source: its staging models and everything downstream."""
    return ["--select", f"path:models/staging/{source}+"]


@task
def erase_task(target: str | None, user: str) -> dict:
    from trendcast.erasure import Subject, erase
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    with connect(Settings.from_env(target)) as wh:
        return erase(wh, Subject.parse(user))


@task
def rebuild_task(target: str | None, source: str) -> dict:
    from flows.dbt import run_dbt
    from trendcast.settings import Settings

    # full refresh: incremental models would keep the rows built before the redaction
    run = run_dbt(["run", "--full-refresh", *rebuild_selection(source)], Settings.from_env(target))
    return {"models": len(run.results), "statuses": run.statuses}


@flow(name="erase")
def erase_user(
    user: str,
    target: str | None = None,
    rebuild: bool = True,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> dict:
    """Erase one person (`<source>:<id>`): redact raw, delete ml rows, tombstone, then rebuild
    every model that reads the source (under the writer lock, as every writer)."""
    from trendcast.settings import Settings
    from trendcast.writer_lock import writer_lock

    with writer_lock(Settings.from_env(target), "erase", lock_timeout):
        result = erase_task(target, user)
        if rebuild:
            result["rebuilt"] = rebuild_task(target, user.partition(":")[0])
    return result
