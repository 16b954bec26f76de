"""Retention of Mastodon metric snapshots (mastodon.post_metric_snapshots), per the seed's rule:
every snapshot for 7 days, one per post and hour (the hour's last) up to 30 days, one per post and
day (the day's last) after that.

A plain function, dry-run by default, so a scheduler (the lifecycle flows) can show what it would
delete before deleting. The snapshot mart is incremental and never re-reads old sightings, so
thinned rows stay thinned; a full refresh or `trendcast replay mastodon` rebuilds every snapshot
from the event log (raw landing), after which retention has to run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from trendcast.warehouse import Warehouse

SCHEMA = "mastodon"
TABLE = "post_metric_snapshots"
KEEP_ALL_DAYS = 7
KEEP_HOURLY_DAYS = 30


@dataclass(frozen=True)
class RetentionResult:
    """Rows before, rows to delete (or deleted) per tier, and whether anything was deleted."""

    dry_run: bool
    as_of: datetime
    rows: int
    delete_hourly_tier: int
    delete_daily_tier: int

    @property
    def deleted(self) -> int:
        return self.delete_hourly_tier + self.delete_daily_tier

    def as_dict(self) -> dict:
        return {**self.__dict__, "as_of": self.as_of.isoformat(), "deleted": self.deleted}


def _doomed_sql(as_of: datetime) -> str:
    """The snapshots retention removes, with their tier; literals are formatted here, not user input."""
    t = as_of.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return f"""
        select status_id, instance, fetched_at, tier
        from (
            select
                status_id,
                instance,
                fetched_at,
                case
                    when fetched_at >= cast('{t}' as timestamp) - interval '{KEEP_ALL_DAYS} days'
                        then 'all'
                    when fetched_at >= cast('{t}' as timestamp) - interval '{KEEP_HOURLY_DAYS} days'
                        then 'hourly'
                    else 'daily'
                end as tier,
                row_number() over (
                    partition by
                        status_id,
                        instance,
                        case
                            when fetched_at >= cast('{t}' as timestamp)
                                - interval '{KEEP_HOURLY_DAYS} days'
                                then date_trunc('hour', fetched_at)
                            else date_trunc('day', fetched_at)
                        end
                    order by fetched_at desc
                ) as keep_rank
            from {SCHEMA}.{TABLE}
            where fetched_at < cast('{t}' as timestamp) - interval '{KEEP_ALL_DAYS} days'
        ) as ranked
        where keep_rank > 1
    """


def apply_snapshot_retention(
    wh: Warehouse, *, dry_run: bool = True, as_of: datetime | None = None
) -> RetentionResult:
    """Thin mastodon.post_metric_snapshots to the retention rule as of `as_of` (default: now).

    dry_run=True (the default) only counts; dry_run=False deletes in one transaction."""
    as_of = as_of or datetime.now(UTC)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    if not wh.table_exists(SCHEMA, TABLE):
        return RetentionResult(dry_run, as_of, 0, 0, 0)
    rows = int(wh.scalar(f"select count(*) from {SCHEMA}.{TABLE}") or 0)
    doomed = _doomed_sql(as_of)
    counts = dict(wh.query(f"select tier, count(*) from ({doomed}) as d group by tier"))
    result = RetentionResult(
        dry_run, as_of, rows, int(counts.get("hourly", 0)), int(counts.get("daily", 0))
    )
    if not dry_run and result.deleted:
        with wh.transaction():
            wh.execute(
                f"delete from {SCHEMA}.{TABLE} as t using ({doomed}) as d "
                "where t.status_id = d.status_id and t.instance = d.instance "
                "and t.fetched_at = d.fetched_at"
            )
    return result
