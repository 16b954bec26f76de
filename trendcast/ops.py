"""Operational bookkeeping in the warehouse's `ops` schema: when each landed batch reached each
stage, how fresh each source is, and which response key paths each endpoint has shown.

Why in the warehouse: the latency mart (models/marts/ops) and `trendcast status` read the same
rows the flows write, on DuckDB and Postgres alike. Every write is a set-based statement or one
bulk upsert; nothing here runs per row.

- `ops.processing_latency`: one row per landed batch (a file), with the newest `fetched_at` in
  it, `available_at` (the wall-clock moment the data counts as fetched: the newest fetched_at
  when live; the arrival time when a replay plays old archives as if they arrived now),
  `arrived_at` (the file's modification time), then landed_at, built_at, features_at,
  scored_at and published_at. A stage stamps every batch that has not passed it yet, so a cycle
  that was killed halfway is caught up by the next one.
- `ops.source_freshness`: the results of `dbt source freshness`, one row per check and source table.
- `ops.schema_versions` / `ops.schema_changes`: per source and endpoint shape, a fingerprint of
  the key paths seen in a batch's responses, and every key path that appeared or vanished, with
  when it was first seen: an API change is noticed before it breaks a model.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from trendcast.sources import shape_of
from trendcast.warehouse import Warehouse

STAGES = ("built_at", "features_at", "scored_at", "published_at")
ITEM_SAMPLE = 2000  # split array items (platform events) read per batch for the fingerprint
MAX_PATHS = 2000  # key paths kept per fingerprint: a runaway response cannot bloat the table


def now_utc() -> datetime:
    return datetime.now(UTC)


def _ddl(wh: Warehouse) -> list[str]:
    text = "varchar" if wh.target == "duckdb" else "text"
    double = "double" if wh.target == "duckdb" else "double precision"
    return [
        "create schema if not exists ops",
        f"""create table if not exists ops.processing_latency (
            batch_id {text} primary key,
            source {text},
            file_path {text},
            newest_fetched_at timestamptz,
            arrived_at timestamptz,
            available_at timestamptz,
            landed_at timestamptz,
            built_at timestamptz,
            features_at timestamptz,
            scored_at timestamptz,
            published_at timestamptz,
            is_replay boolean not null
        )""",
        f"""create table if not exists ops.source_freshness (
            checked_at timestamptz not null,
            source_name {text} not null,
            table_name {text} not null,
            max_loaded_at timestamptz,
            snapshotted_at timestamptz,
            age_seconds {double},
            status {text} not null,
            primary key (checked_at, source_name, table_name)
        )""",
        f"""create table if not exists ops.schema_versions (
            source {text} not null,
            endpoint {text} not null,
            fingerprint {text} not null,
            key_paths {text} not null,
            first_seen_at timestamptz not null,
            last_seen_at timestamptz not null,
            first_batch_id {text} not null,
            primary key (source, endpoint, fingerprint)
        )""",
        f"""create table if not exists ops.schema_changes (
            source {text} not null,
            endpoint {text} not null,
            key_path {text} not null,
            change {text} not null,
            first_seen_at timestamptz not null,
            batch_id {text} not null,
            primary key (source, endpoint, key_path, change)
        )""",
    ]


def ensure_ops_schema(wh: Warehouse) -> None:
    for stmt in _ddl(wh):
        wh.execute(stmt)


# -- processing latency ----------------------------------------------------------------------
def register_batches(
    wh: Warehouse, batch_ids: Sequence[str], *, replay: bool = False, at: datetime | None = None
) -> int:
    """Start latency rows for landed batches that have none yet.

    Besides `batch_ids` (what this cycle landed), it takes any batch landed after the newest
    registered one: a cycle killed after landing but before registering leaves those behind.
    """
    ensure_ops_schema(wh)
    newest = wh.scalar("select max(landed_at) from ops.processing_latency")
    ids = list(batch_ids)
    params: list[Any] = []
    where = []
    if ids:
        where.append(f"b.batch_id in ({', '.join('?' for _ in ids)})")
        params += ids
    if newest is not None:
        where.append("coalesce(b.completed_at, b.created_at) > ?")
        params.append(newest)
    if not where:
        return 0
    rows = wh.query_df(
        "select b.batch_id, b.source, b.file_path, b.fetch_window_end as newest_fetched_at, "
        "coalesce(b.completed_at, b.created_at) as landed_at from raw.ingestion_batches as b "
        f"where ({' or '.join(where)}) and b.batch_id not in "
        "(select batch_id from ops.processing_latency)",
        params,
    )
    if rows.empty:
        return 0
    arrived = []
    for path in rows["file_path"]:
        p = Path(path)
        arrived.append(datetime.fromtimestamp(p.stat().st_mtime, UTC) if p.exists() else None)
    rows["arrived_at"] = pd.to_datetime(pd.Series(arrived, dtype="object"), utc=True)
    for col in ("newest_fetched_at", "landed_at"):
        rows[col] = pd.to_datetime(rows[col], utc=True)
    # replay: old archives played as if they arrived now, so their arrival is the fetch moment
    rows["available_at"] = (
        rows["arrived_at"].fillna(rows["landed_at"]) if replay else rows["newest_fetched_at"]
    )
    for col in STAGES:
        rows[col] = pd.Series([pd.NaT] * len(rows), dtype="datetime64[us, UTC]")
    rows["is_replay"] = replay
    cols = [
        "batch_id", "source", "file_path", "newest_fetched_at", "arrived_at", "available_at",
        "landed_at", *STAGES, "is_replay",
    ]  # fmt: skip
    return wh.write_df(rows[cols], "ops", "processing_latency", key_columns=["batch_id"])


def mark_stage(wh: Warehouse, stage: str, at: datetime | None = None) -> int:
    """Stamp `stage` on every registered batch that has not passed it (one statement)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}")
    ensure_ops_schema(wh)
    pending = wh.scalar(f"select count(*) from ops.processing_latency where {stage} is null")
    if pending:
        wh.execute(
            f"update ops.processing_latency set {stage} = ? where {stage} is null",
            [at or now_utc()],
        )
    return int(pending or 0)


def latency_summary(wh: Warehouse, sla_seconds: float) -> list[dict[str, Any]]:
    """Per source: published batches, p50/p95/max seconds from available_at to published_at,
    whether p95 meets the SLA, and batches still waiting for a stage."""
    if not wh.table_exists("ops", "processing_latency"):
        return []
    df = wh.query_df("select source, available_at, published_at from ops.processing_latency")
    if df.empty:
        return []
    df["available_at"] = pd.to_datetime(df["available_at"], utc=True)
    df["published_at"] = pd.to_datetime(df["published_at"], utc=True)
    out = []
    for source, g in df.groupby(df["source"].fillna("(none)")):
        done = g.dropna(subset=["published_at", "available_at"])
        lat = (done["published_at"] - done["available_at"]).dt.total_seconds()
        p95 = float(lat.quantile(0.95)) if len(lat) else None
        out.append(
            {
                "source": source,
                "published": len(done),
                "waiting": int(g["published_at"].isna().sum()),
                "p50_seconds": float(lat.quantile(0.5)) if len(lat) else None,
                "p95_seconds": p95,
                "max_seconds": float(lat.max()) if len(lat) else None,
                "sla_met": None if p95 is None else p95 <= sla_seconds,
            }
        )
    return out


# -- freshness -------------------------------------------------------------------------------
def store_freshness(wh: Warehouse, sources_json: dict[str, Any], at: datetime | None = None) -> int:
    """Keep the results of one `dbt source freshness` run (its target/sources.json)."""
    ensure_ops_schema(wh)
    checked = at or now_utc()
    rows = []
    for r in sources_json.get("results", []):
        unique_id = r.get("unique_id", "")  # source.<project>.<source>.<table>
        parts = unique_id.split(".")
        rows.append(
            {
                "checked_at": checked,
                "source_name": parts[-2] if len(parts) >= 2 else unique_id,
                "table_name": parts[-1],
                "max_loaded_at": _ts(r.get("max_loaded_at")),
                "snapshotted_at": _ts(r.get("snapshotted_at")),
                "age_seconds": r.get("max_loaded_at_time_ago_in_s"),
                "status": str(r.get("status", "unknown")),
            }
        )
    if not rows:
        return 0
    df = pd.DataFrame(rows)
    for col in ("checked_at", "max_loaded_at", "snapshotted_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    df["age_seconds"] = df["age_seconds"].astype("float64")
    return wh.write_df(
        df, "ops", "source_freshness", key_columns=["checked_at", "source_name", "table_name"]
    )


PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class FreshnessCheck:
    """One source table's freshness rule, as dbt's manifest states it (flows/live.py reads it)."""

    unique_id: str  # source.<project>.<source>.<table>
    relation: str  # schema.table, quoted where needed
    loaded_at_field: str  # a column or SQL expression, as dbt takes it
    warn_seconds: float | None
    error_seconds: float | None
    filter: str | None = None


def check_freshness(
    wh: Warehouse, checks: Sequence[FreshnessCheck], at: datetime | None = None
) -> dict[str, Any]:
    """What `dbt source freshness` computes, in one SQL statement over the checked tables, in
    the shape of its target/sources.json (store_freshness reads it).

    Same rule as dbt: max(loaded_at_field) over the table (where its filter holds), naive
    timestamps taken as UTC, age = the check time minus it, status `error` past error_after,
    else `warn` past warn_after, else `pass` (strictly greater, as dbt); a table with no row
    to take the max of is dbt's `runtime error`. Why not dbt itself: an invocation of its own
    costs seconds in every 15-minute cycle for a few max() queries."""
    checked = at or now_utc()
    results = []
    for c in checks:
        where = f" where {c.filter}" if c.filter else ""
        loaded = _ts(wh.scalar(f"select max({c.loaded_at_field}) from {c.relation}{where}"))
        result: dict[str, Any] = {
            "unique_id": c.unique_id,
            "max_loaded_at": loaded.isoformat() if loaded else None,
            "snapshotted_at": checked.isoformat(),
            "max_loaded_at_time_ago_in_s": None,
            "status": "runtime error",
        }
        if loaded is not None:
            age = (checked - loaded).total_seconds()
            status = "pass"
            if c.error_seconds is not None and age > c.error_seconds:
                status = "error"
            elif c.warn_seconds is not None and age > c.warn_seconds:
                status = "warn"
            result |= {"max_loaded_at_time_ago_in_s": age, "status": status}
        results.append(result)
    return {"results": results}


def _ts(value: Any) -> datetime | None:
    if value is None or (isinstance(value, str) and not value) or value != value:  # NaT
        return None
    ts = pd.Timestamp(value)
    return (ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")).to_pydatetime()


def source_staleness(wh: Warehouse) -> list[dict[str, Any]]:
    """Per trendcast source: the newest fetched_at and the last time a batch of it landed."""
    if not wh.table_exists("raw", "api_responses"):
        return []
    df = wh.query_df(
        "select r.source, max(r.fetched_at) as newest_fetched_at, "
        "max(r.loaded_at) as last_landed_at from raw.api_responses as r "
        "where r.processing_status = 'processed' group by r.source order by r.source"
    )
    return df.to_dict("records")


def latest_dbt_freshness(wh: Warehouse) -> list[dict[str, Any]]:
    """The rows of the newest dbt source-freshness check only (older checks are history);
    empty before the first check."""
    if not wh.table_exists("ops", "source_freshness"):
        return []
    return wh.query_df(
        "select source_name, table_name, status, age_seconds, checked_at "
        "from ops.source_freshness where checked_at = "
        "(select max(checked_at) from ops.source_freshness) order by 1, 2"
    ).to_dict("records")


# -- schema versions -------------------------------------------------------------------------
_ID_SEGMENT = re.compile(r"/[0-9]+(?=/|$)")


def endpoint_key(source: str, endpoint: str) -> str:
    """The endpoint a fingerprint belongs to: its recognised shape, else the endpoint with
    numeric path segments folded (one account's timeline is the same API as another's)."""
    return shape_of(source, endpoint) or _ID_SEGMENT.sub("/{id}", endpoint)


def key_paths(value: Any, prefix: str = "", out: set[str] | None = None) -> set[str]:
    """Every key path of a JSON value: `a.b`, arrays as `a[]` (their elements merged)."""
    out = set() if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            out.add(path)
            key_paths(v, path, out)
    elif isinstance(value, list):
        for item in value:
            key_paths(item, f"{prefix}[]", out)
    return out


def fingerprint(paths: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:16]


@dataclass
class SchemaChange:
    source: str
    endpoint: str
    key_path: str
    change: str  # added | vanished
    batch_id: str


def _as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def record_schema_versions(
    wh: Warehouse, batch_ids: Sequence[str], at: datetime | None = None
) -> list[SchemaChange]:
    """Fingerprint the responses of `batch_ids` per source and endpoint shape; record new
    fingerprints and the key paths that appeared or vanished against the endpoint's previous
    version. Returns the changes first seen now (each key path and change is recorded once)."""
    ensure_ops_schema(wh)
    ids = list(batch_ids)
    if not ids:
        return []
    seen_at = at or now_utc()
    marks = ", ".join("?" for _ in ids)
    rows = wh.query(
        "select batch_id, line_no, source, endpoint, raw_json, fetched_at from raw.api_responses "
        f"where batch_id in ({marks}) and processing_status = 'processed' "
        "order by batch_id, line_no",
        ids,
    )
    items: dict[tuple[str, int], list[Any]] = {}
    if wh.table_exists("raw", "response_items"):
        # split arrays (platform events) live in raw.response_items: sample them into the paths
        for batch_id, line_no, item in wh.query(
            "select batch_id, line_no, item_json from raw.response_items "
            f"where batch_id in ({marks}) order by batch_id, line_no, item_index limit ?",
            [*ids, ITEM_SAMPLE * len(ids)],
        ):
            items.setdefault((batch_id, line_no), []).append(_as_json(item))
    # (batch, source, endpoint) -> key paths, batches in landing order
    per_batch: dict[tuple[str, str, str], set[str]] = {}
    first_fetch: dict[str, Any] = {}
    for batch_id, line_no, source, endpoint, raw, fetched_at in rows:
        if batch_id not in first_fetch or fetched_at < first_fetch[batch_id]:
            first_fetch[batch_id] = fetched_at
        key = (batch_id, source, endpoint_key(source, endpoint))
        paths = per_batch.setdefault(key, set())
        body = _as_json(raw)
        key_paths(body, "", paths)
        for item in items.get((batch_id, line_no), []):
            key_paths(item, "events[]", paths)
    # compared in the order the data was fetched, not landed: files of one cycle land in name
    # order, and a newer response landing first would read as its older sibling's keys vanishing
    order = {b: i for i, b in enumerate(ids)}
    changes: list[SchemaChange] = []
    for (batch_id, source, endpoint), paths in sorted(
        per_batch.items(), key=lambda kv: (first_fetch[kv[0][0]], order[kv[0][0]])
    ):
        paths = set(sorted(paths)[:MAX_PATHS])
        fp = fingerprint(paths)
        known = wh.query(
            "select fingerprint, key_paths from ops.schema_versions "
            "where source = ? and endpoint = ? order by last_seen_at desc, first_seen_at desc",
            [source, endpoint],
        )
        if any(k[0] == fp for k in known):
            wh.execute(
                "update ops.schema_versions set last_seen_at = ? "
                "where source = ? and endpoint = ? and fingerprint = ?",
                [seen_at, source, endpoint, fp],
            )
            continue
        if known:
            previous = set(json.loads(known[0][1]))
            found = [SchemaChange(source, endpoint, p, "added", batch_id) for p in paths - previous]
            found += [
                SchemaChange(source, endpoint, p, "vanished", batch_id) for p in previous - paths
            ]
            changes += _record_changes(wh, found, seen_at)
        wh.write_df(
            pd.DataFrame(
                [
                    {
                        "source": source,
                        "endpoint": endpoint,
                        "fingerprint": fp,
                        "key_paths": json.dumps(sorted(paths)),
                        "first_seen_at": seen_at,
                        "last_seen_at": seen_at,
                        "first_batch_id": batch_id,
                    }
                ]
            ),
            "ops",
            "schema_versions",
            key_columns=["source", "endpoint", "fingerprint"],
        )
    return changes


def _record_changes(wh: Warehouse, found: list[SchemaChange], at: datetime) -> list[SchemaChange]:
    """Insert the changes not recorded before; a key path that flaps is reported once."""
    if not found:
        return []
    existing = {
        tuple(r)
        for r in wh.query(
            "select source, endpoint, key_path, change from ops.schema_changes "
            "where source = ? and endpoint = ?",
            [found[0].source, found[0].endpoint],
        )
    }
    new = [c for c in found if (c.source, c.endpoint, c.key_path, c.change) not in existing]
    if new:
        df = pd.DataFrame([c.__dict__ for c in new])
        df["first_seen_at"] = pd.Timestamp(at)
        wh.write_df(
            df[["source", "endpoint", "key_path", "change", "first_seen_at", "batch_id"]],
            "ops",
            "schema_changes",
            key_columns=["source", "endpoint", "key_path", "change"],
        )
    return new


def recent_schema_changes(wh: Warehouse, limit: int = 20) -> list[dict[str, Any]]:
    if not wh.table_exists("ops", "schema_changes"):
        return []
    return wh.query_df(
        "select source, endpoint, change, key_path, first_seen_at from ops.schema_changes "
        "order by first_seen_at desc, source, endpoint, key_path limit ?",
        [limit],
    ).to_dict("records")
