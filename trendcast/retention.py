"""Retention: delete what is past its horizon, family by family (docs/SECURITY.md, "Retention").

Why it is built this way:
- One policy file (config/retention.yml) holds every horizon; a deployment overrides keys with
  its own file (TRENDCAST_RETENTION_FILE), so the defaults stay reviewed in one place.
- A family (raw landing, feature marts, metric snapshots, and whatever other modules register)
  is purged in one transaction: a run killed halfway leaves each family either as before or
  fully purged. Inside it, deletes go in statements of at most `batch_size` rows, so no single
  statement holds millions of row locks or a huge delete list.
- Landing bookkeeping survives: a purged line's batch keeps its raw.ingestion_batches row with
  its counts, and `purged_records` says how many of its lines are gone, so
  lines still stored + purged_records = total_records, and processed + failed + duplicate =
  total_records, hold for every batch forever. A re-delivered file with the same bytes is still
  recognised (same batch id) and stays a no-op.
- Every family is dry-runnable: `dry_run` counts what would go and changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from trendcast.settings import PROJECT_DIR
from trendcast.sources import KNOWN_SOURCES
from trendcast.warehouse import Warehouse, WarehouseError, ident

POLICY_FILE = PROJECT_DIR / "config" / "retention.yml"
DEFAULT_BATCH_SIZE = 50_000

# family(wh, section of the policy, as_of, dry_run, batch_size) -> {table: rows deleted (or
# that would be)}; the runner wraps each call in one transaction
FamilyFn = Callable[[Warehouse, dict[str, Any], datetime, bool, int], dict[str, int]]
FAMILIES: dict[str, FamilyFn] = {}
# families whose function opens its own transaction (the runner must not wrap it in one)
OWN_TRANSACTION: set[str] = set()


def register_family(name: str, fn: FamilyFn | None = None, *, own_transaction: bool = False) -> Any:
    """Add a table family to retention (usable as a decorator). Its policy section is
    `<name>:` in the policy file ({} when absent); it runs after the built-in families."""

    def add(f: FamilyFn) -> FamilyFn:
        FAMILIES[name] = f
        if own_transaction:
            OWN_TRANSACTION.add(name)
        return f

    return add(fn) if fn is not None else add


@dataclass
class FamilyResult:
    family: str
    table: str
    rows: int
    dry_run: bool


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_policy(override: Path | str | None = None) -> dict[str, Any]:
    """The default policy with the deployment's file (argument or TRENDCAST_RETENTION_FILE)
    merged over it key by key."""
    policy = yaml.safe_load(POLICY_FILE.read_text()) or {}
    path = override or os.environ.get("TRENDCAST_RETENTION_FILE")
    if path:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"retention policy file {path} does not exist")
        policy = _merge(policy, yaml.safe_load(path.read_text()) or {})
    return policy


def _days(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WarehouseError(f"retention policy: {where} must be a whole number of days >= 0")
    return value


def _ts(value: datetime) -> str:
    """A timestamptz literal (both targets): only datetimes computed here are spliced in."""
    return f"timestamptz '{value.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}+00'"


def _table(name: str) -> tuple[str, str]:
    schema, _, table = name.partition(".")
    return ident(schema), ident(table)


def _chunks(sizes: list[tuple[str, int]], batch_size: int) -> list[list[str]]:
    """Group keys so each group's rows stay within batch_size (a key bigger than it goes alone)."""
    groups: list[list[str]] = []
    current: list[str] = []
    total = 0
    for key, n in sizes:
        if current and total + n > batch_size:
            groups.append(current)
            current, total = [], 0
        current.append(key)
        total += n
    if current:
        groups.append(current)
    return groups


def _in_list(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


# -- raw landing ------------------------------------------------------------------------------
def ensure_purge_columns(wh: Warehouse) -> None:
    """raw.ingestion_batches gains purged_records/purged_at (0/NULL until retention runs)."""
    wh.execute(
        "alter table raw.ingestion_batches add column if not exists purged_records bigint default 0"
    )
    wh.execute("alter table raw.ingestion_batches add column if not exists purged_at timestamptz")


@register_family("raw")
def purge_raw(
    wh: Warehouse, section: dict[str, Any], as_of: datetime, dry_run: bool, batch_size: int
) -> dict[str, int]:
    """Lines (and their split items) fetched before the horizon of their source."""
    if not wh.table_exists("raw", "api_responses"):
        return {}
    default = as_of - timedelta(days=_days(section.get("days", 30), "raw.days"))
    cases = []
    for source, days in (section.get("sources") or {}).items():
        if source not in KNOWN_SOURCES:
            raise WarehouseError(f"retention policy: raw.sources.{source} is not a known source")
        cutoff = as_of - timedelta(days=_days(days, f"raw.sources.{source}"))
        cases.append(f"when '{source}' then {_ts(cutoff)}")
    horizon = f"case source {' '.join(cases)} else {_ts(default)} end" if cases else _ts(default)
    expired = f"coalesce(fetched_at, loaded_at) < {horizon}"
    per_batch = wh.query(
        f"select batch_id, count(*) from raw.api_responses where {expired} group by 1 order by 1"
    )
    lines = sum(int(n) for _, n in per_batch)
    if dry_run:
        items = wh.scalar(
            "select count(*) from raw.response_items as i where exists (select 1 from "
            f"raw.api_responses as r where r.batch_id = i.batch_id and r.line_no = i.line_no "
            f"and {expired.replace('fetched_at', 'r.fetched_at').replace('loaded_at', 'r.loaded_at')}"
            ")"
        )
        return {"raw.api_responses": lines, "raw.response_items": int(items or 0)}
    ensure_purge_columns(wh)
    items = 0
    expired_r = expired.replace("fetched_at", "r.fetched_at").replace("loaded_at", "r.loaded_at")
    expired_r = expired_r.replace("case source", "case r.source")
    for group in _chunks([(b, int(n)) for b, n in per_batch], batch_size):
        marks = _in_list(group)
        before = wh.scalar(
            f"select count(*) from raw.response_items where batch_id in ({marks})", group
        )
        wh.execute(
            f"delete from raw.response_items as i where i.batch_id in ({marks}) and exists "
            "(select 1 from raw.api_responses as r where r.batch_id = i.batch_id "
            f"and r.line_no = i.line_no and {expired_r})",
            group,
        )
        after = wh.scalar(
            f"select count(*) from raw.response_items where batch_id in ({marks})", group
        )
        items += int(before) - int(after)
        wh.execute(
            "update raw.ingestion_batches set purged_records = coalesce(purged_records, 0) + "
            f"(select count(*) from raw.api_responses as r where r.batch_id = "
            f"raw.ingestion_batches.batch_id and {expired_r}), purged_at = {_ts(as_of)} "
            f"where batch_id in ({marks})",
            group,
        )
        wh.execute(
            f"delete from raw.api_responses where batch_id in ({marks}) and {expired}", group
        )
    return {"raw.api_responses": lines, "raw.response_items": items}


# -- tables dated by one column ---------------------------------------------------------------
@register_family("features")
def purge_dated_tables(
    wh: Warehouse, section: dict[str, Any], as_of: datetime, dry_run: bool, batch_size: int
) -> dict[str, int]:
    """Rows older than `days` in each listed table (absent tables are skipped)."""
    cutoff = _ts(as_of - timedelta(days=_days(section.get("days", 365), "features.days")))
    out: dict[str, int] = {}
    for name, column in (section.get("tables") or {}).items():
        schema, table = _table(name)
        if not wh.table_exists(schema, table):
            continue
        col = ident(column)
        where = f"{col} < {cutoff}"
        n = int(wh.scalar(f"select count(*) from {schema}.{table} where {where}") or 0)
        out[name] = n
        if not dry_run and n:
            _delete_in_batches(wh, f"{schema}.{table}", col, where, batch_size)
    return out


def _delete_in_batches(wh: Warehouse, table: str, order_col: str, where: str, size: int) -> None:
    """Delete matching rows oldest first, at most `size` per statement: each round deletes up
    to the `size`-th oldest matching value (ties go together)."""
    while True:
        bound = wh.scalar(
            f"select max({order_col}) from (select {order_col} from {table} where {where} "
            f"order by {order_col} limit {int(size)}) as t"
        )
        if bound is None:
            return
        wh.execute(f"delete from {table} where {where} and {order_col} <= ?", [bound])


# -- snapshot thinning ------------------------------------------------------------------------
@register_family("snapshots")
def thin_snapshots(
    wh: Warehouse, section: dict[str, Any], as_of: datetime, dry_run: bool, batch_size: int
) -> dict[str, int]:
    """Past hourly_after_days keep the first snapshot per key and hour, past daily_after_days
    the first per key and day."""
    hourly = as_of - timedelta(days=_days(section.get("hourly_after_days", 30), "hourly_after"))
    daily = as_of - timedelta(days=_days(section.get("daily_after_days", 90), "daily_after"))
    out: dict[str, int] = {}
    for name, spec in (section.get("tables") or {}).items():
        schema, table = _table(name)
        if not wh.table_exists(schema, table):
            continue
        key, col = ident(spec["key"]), ident(spec["time"])
        total = 0
        for grain, newer, older in (("hour", hourly, daily), ("day", daily, None)):
            window = f"{col} < {_ts(newer)}" + (f" and {col} >= {_ts(older)}" if older else "")
            keep = (
                f"select {key} as k, min({col}) as t from {schema}.{table} where {window} "
                f"group by {key}, date_trunc('{grain}', {col})"
            )
            doomed = (
                f"{window} and not exists (select 1 from ({keep}) as keep "
                f"where keep.k = {schema}.{table}.{key} and keep.t = {schema}.{table}.{col})"
            )
            n = int(wh.scalar(f"select count(*) from {schema}.{table} where {doomed}") or 0)
            total += n
            if not dry_run and n:
                wh.execute(f"delete from {schema}.{table} where {doomed}")
        out[name] = total
    return out


# -- families other modules own (one line each) ------------------------------------------------
def _domains(
    wh: Warehouse, section: dict[str, Any], as_of: datetime, dry_run: bool, batch_size: int
) -> dict[str, int]:
    """Old link mentions, then the domains no mention is left for (trendcast.domains)."""
    from trendcast.domains.cleanup import cleanup_old_data

    days = _days(section.get("days", 365), "domains.days")
    done = cleanup_old_data(wh, days, dry_run=dry_run, now=as_of)
    return {"domains.domain_mention": done["mentions"], "domains.domain": done["domains"]}


register_family("domains", _domains, own_transaction=True)


# -- the runner -------------------------------------------------------------------------------
def _record_run(wh: Warehouse, results: list[FamilyResult], started: datetime) -> None:
    wh.execute("create schema if not exists ops")
    text = "varchar" if wh.target == "duckdb" else "text"
    wh.execute(
        f"create table if not exists ops.retention_runs (started_at timestamptz not null, "
        f"family {text} not null, table_name {text} not null, rows_deleted bigint not null, "
        "dry_run boolean not null)"
    )
    for r in results:
        wh.execute(
            "insert into ops.retention_runs values (?, ?, ?, ?, ?)",
            [started, r.family, r.table, r.rows, r.dry_run],
        )


def run_retention(
    wh: Warehouse,
    policy: dict[str, Any] | None = None,
    *,
    dry_run: bool = False,
    as_of: datetime | None = None,
    families: list[str] | None = None,
) -> list[FamilyResult]:
    """Apply the policy: each family in one transaction; returns rows per table.

    `as_of` (default now) is the clock the horizons count back from.
    """
    policy = policy if policy is not None else load_policy()
    as_of = as_of or datetime.now(UTC)
    batch_size = int(policy.get("batch_size", DEFAULT_BATCH_SIZE))
    started = datetime.now(UTC)
    unknown = set(families or []) - set(FAMILIES)
    if unknown:
        raise WarehouseError(f"unknown retention families: {', '.join(sorted(unknown))}")
    results: list[FamilyResult] = []
    for name, fn in FAMILIES.items():
        if families and name not in families:
            continue
        section = policy.get(name) or {}
        if dry_run or name in OWN_TRANSACTION:
            counts = fn(wh, section, as_of, dry_run, batch_size)
        else:
            with wh.transaction():
                counts = fn(wh, section, as_of, False, batch_size)
        results += [FamilyResult(name, t, n, dry_run) for t, n in counts.items()]
    _record_run(wh, results, started)
    return results


def unreconciled_batches(wh: Warehouse) -> list[tuple]:
    """Batches whose stored lines plus purged lines differ from their total (should be none)."""
    has_purged = "purged_records" in wh.columns("raw", "ingestion_batches")
    purged = "coalesce(b.purged_records, 0)" if has_purged else "0"
    group = ", b.purged_records" if has_purged else ""
    return wh.query(
        f"select b.batch_id, b.total_records, count(r.line_no), {purged} "
        "from raw.ingestion_batches as b left join raw.api_responses as r "
        "on r.batch_id = b.batch_id group by b.batch_id, b.total_records, b.processed_records, "
        f"b.failed_records, b.duplicate_records{group} "
        f"having count(r.line_no) + {purged} <> b.total_records "
        "or b.processed_records + b.failed_records + b.duplicate_records <> b.total_records"
    )
