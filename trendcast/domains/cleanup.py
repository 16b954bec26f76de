"""Retention for the domain harvester: old mentions go first, then the domains no mention is left
for. The retention mechanism calls `cleanup_old_data`; `dry_run` reports what would go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from trendcast.domains.store import SCHEMA
from trendcast.warehouse import Warehouse

MART_SCHEMA = "domains"


def cleanup_old_data(
    wh: Warehouse, days_to_keep: int, dry_run: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """Delete mentions of comments written more than `days_to_keep` days ago (from the
    extractor's table, so a rebuild does not bring them back, and from the marts), then the
    domains left without any mention. Returns the counts (would-be counts when dry_run)."""
    if days_to_keep < 0:
        raise ValueError(f"days_to_keep must be >= 0, got {days_to_keep}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days_to_keep)
    if not wh.table_exists(MART_SCHEMA, "domain_mention"):
        return {"cutoff": cutoff.isoformat(), "mentions": 0, "domains": 0, "dry_run": dry_run}
    old = (
        f"select comment_key from {MART_SCHEMA}.domain_mention "
        "where coalesce(posted_at, discovered_at) < ?"
    )
    n_mentions = wh.scalar(f"select count(*) from ({old}) as o", [cutoff])
    orphans = (
        f"select domain_name from {MART_SCHEMA}.domain as d where not exists (select 1 from "
        f"{MART_SCHEMA}.domain_mention as m where m.domain_name = d.domain_name "
        "and coalesce(m.posted_at, m.discovered_at) >= ?)"
    )
    n_domains = wh.scalar(f"select count(*) from ({orphans}) as o", [cutoff])
    if not dry_run:
        with wh.transaction():
            if wh.table_exists(SCHEMA, "mentions"):
                wh.execute(f"delete from {SCHEMA}.mentions where comment_key in ({old})", [cutoff])
            if wh.table_exists(SCHEMA, "enrichment"):
                wh.execute(
                    f"delete from {SCHEMA}.enrichment where domain_name in ({orphans})", [cutoff]
                )
            wh.execute(
                f"delete from {MART_SCHEMA}.domain where domain_name in ({orphans})", [cutoff]
            )
            wh.execute(
                f"delete from {MART_SCHEMA}.domain_mention "
                "where coalesce(posted_at, discovered_at) < ?",
                [cutoff],
            )
    return {
        "cutoff": cutoff.isoformat(),
        "mentions": int(n_mentions or 0),
        "domains": int(n_domains or 0),
        "dry_run": dry_run,
    }
