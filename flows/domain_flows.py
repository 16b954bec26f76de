"""Prefect flows of the domain harvester: `extract_domains` (a pipeline stage, between the dbt
build and the publish step that rebuilds the domain marts) and `enrich_domains` (off by default)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task

from trendcast.settings import Settings
from trendcast.warehouse import connect


@task(retries=1, retry_delay_seconds=5)
def extract_task(target: str) -> dict[str, Any]:
    """Extract domain mentions from comments; skipped (with the reason) until the domain
    marts are built, so the flow can run before the first build."""
    from trendcast.domains.store import extract_mentions

    # spark_ready: tests/python/test_spark_domains.py runs extract_mentions on Spark
    with connect(Settings.from_env(target), spark_ready=True) as wh:
        if not wh.table_exists("domains", "comment"):
            return {"skipped": "domains.comment is not built"}
        return extract_mentions(wh)


@flow(name="extract_domains", log_prints=True)
def extract_domains(target: str = "duckdb") -> dict[str, Any]:
    """Find domain mentions in comments not scanned yet (the publish step builds the marts)."""
    return extract_task(target)


@task(retries=0)
def enrich_task(target: str, limit: int, allow_loopback: bool) -> dict[str, Any]:
    """Enrich the domains due for a check. No retries: a failed check is stored as a result
    with its error, so a retry would only contact the same hosts again at once; what is left
    unchecked is due on the next run."""
    from trendcast.domains.enrich import EnrichConfig, enrich_pending

    config = EnrichConfig.from_env(allow_loopback=allow_loopback)
    # spark_ready: tests/python/test_spark_domains.py runs enrich_pending on Spark
    with connect(Settings.from_env(target), spark_ready=True) as wh:
        return enrich_pending(wh, config, limit=limit)


@flow(name="enrich_domains", log_prints=True)
def enrich_domains(
    target: str = "duckdb", limit: int = 100, allow_loopback: bool = False
) -> dict[str, Any]:
    """HTTP, DNS and WHOIS checks of the domains due (TTL), bounded concurrency."""
    return enrich_task(target, limit, allow_loopback)
