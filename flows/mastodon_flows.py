"""Mastodon flows: sentiment of new post versions, and replay of every Mastodon table from the
event log (raw landing)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task

from flows.dbt import run_dbt
from trendcast.settings import Settings
from trendcast.warehouse import connect

# every Mastodon model and the seed they read; the trends area's readers of the Mastodon tags are
# not rebuilt by a replay (the next build refreshes them)
MASTODON_MODELS = [
    "path:models/staging/mastodon",
    "path:models/intermediate/mastodon",
    "path:models/marts/mastodon",
    "mastodon_engagement_weights",
]
# what reads ml.mastodon_post_sentiments
SENTIMENT_CHILDREN = "stg_ml__mastodon_post_sentiments+"


@task(retries=1, retry_delay_seconds=5)
def analyze_sentiment_task(target: str) -> dict[str, int]:
    """Score the sentiment of Mastodon post versions; zero versions until the Mastodon marts
    exist, so the flow runs on a warehouse without Mastodon data."""
    from python_ml.mastodon.sentiment import analyze_post_versions

    with connect(Settings.from_env(target)) as wh:
        if not wh.table_exists("mastodon", "post_versions"):
            return {"versions": 0}
        return analyze_post_versions(wh).as_dict()


@task(retries=1, retry_delay_seconds=5)
def redact_raw_task(target: str) -> int:
    """Redact the raw lines of deleted Mastodon statuses; returns how many lines changed (0
    before anything was landed)."""
    from trendcast.redaction import redact_deleted_mastodon_raw

    with connect(Settings.from_env(target)) as wh:
        if not wh.table_exists("raw", "api_responses"):
            return 0
        return redact_deleted_mastodon_raw(wh)


@flow(name="mastodon_sentiment", log_prints=True)
def mastodon_sentiment(target: str = "duckdb") -> dict[str, Any]:
    """After a build: with TRENDCAST_MASTODON_REDACT_DELETED=true, remove deleted posts' text from
    raw landing too (the models already dropped it); then analyse the post versions not analysed
    yet and rebuild the marts that read the results."""
    from trendcast.redaction import redaction_enabled

    redacted = redact_raw_task(target) if redaction_enabled() else 0
    counts = analyze_sentiment_task(target)
    if counts.get("versions"):
        run_dbt(["build", "--select", SENTIMENT_CHILDREN], Settings.from_env(target))
    return {**counts, "raw_lines_redacted": redacted}


@flow(name="mastodon_replay", log_prints=True)
def mastodon_replay(
    target: str = "duckdb", start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """Rebuild every Mastodon table from the raw lines fetched in [start, end) (all when None):
    a full refresh of the Mastodon models, then sentiment (unchanged inputs are not re-analysed)."""
    args = ["build", "--full-refresh", "--select", *MASTODON_MODELS]
    replay_vars = {}
    if start:
        replay_vars["mastodon_replay_from"] = start
    if end:
        replay_vars["mastodon_replay_to"] = end
    if replay_vars:
        import json

        args += ["--vars", json.dumps(replay_vars)]
    run = run_dbt(args, Settings.from_env(target))
    sentiment = mastodon_sentiment(target)
    return {"nodes": len(run.results), "statuses": run.statuses, "sentiment": sentiment}
