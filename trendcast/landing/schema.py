"""The raw landing tables: one DDL for DuckDB and Postgres (JSON is `jsonb` on Postgres)."""

from __future__ import annotations

from trendcast.events import events_table_ddl
from trendcast.warehouse import Warehouse

STATUSES = ("pending", "processed", "failed", "duplicate")
# source -> (endpoint prefix, top-level response key whose array goes to raw.response_items)
SPLIT_ARRAYS = {"platform": ("events/", "events")}


def raw_schema_ddl(wh: Warehouse) -> list[str]:
    """The statements that create the raw schema on `wh`'s target (each idempotent)."""
    js = "json" if wh.target == "duckdb" else "jsonb"
    text = "varchar" if wh.target == "duckdb" else "text"
    stmts = [
        "create schema if not exists raw",
        f"""create table if not exists raw.ingestion_batches (
            batch_id {text} primary key,
            file_path {text} not null,
            file_sha256 {text} not null,
            source {text},
            fetch_window_start timestamptz,
            fetch_window_end timestamptz,
            total_records bigint not null,
            processed_records bigint not null,
            failed_records bigint not null,
            duplicate_records bigint not null,
            status {text} not null,
            created_at timestamptz not null,
            completed_at timestamptz
        )""",
        f"""create table if not exists raw.api_responses (
            batch_id {text} not null,
            line_no bigint not null,
            source {text},
            endpoint {text},
            params {js},
            fetched_at timestamptz,
            raw_json {js},
            processing_status {text} not null,
            error_message {text},
            loaded_at timestamptz not null,
            response_hash {text},
            call_key {text},
            raw_line {text},
            primary key (batch_id, line_no)
        )""",
        # one row per element of a split response array (SPLIT_ARRAYS); no primary key on
        # purpose: (batch_id, line_no, item_index) is unique by construction, and an index over
        # tens of millions of rows would dominate the load
        f"""create table if not exists raw.response_items (
            batch_id {text} not null,
            line_no bigint not null,
            item_index bigint not null,
            item_json {js}
        )""",
        # a deployment's own forecasting events (trendcast/events.py), beside the curated seed
        events_table_ddl(wh.target),
    ]
    if wh.target == "postgres":
        stmts += [
            "create index if not exists response_items_line_idx "
            "on raw.response_items (batch_id, line_no)",
            "create index if not exists api_responses_call_key_idx on raw.api_responses (call_key)",
            "create index if not exists api_responses_source_status_idx "
            "on raw.api_responses (source, processing_status)",
        ]
    return stmts


LANDING_LOCK = 7_240_120_190  # Postgres advisory lock key held while landing writes


def ensure_raw_schema(wh: Warehouse) -> None:
    """Create the raw schema and tables if they are missing (cheap when they exist).

    On Postgres `create ... if not exists` is not safe against a concurrent loader doing the
    same (a unique violation in the catalog): the DDL runs under the landing advisory lock.
    """
    if wh.target == "postgres":
        wh.execute("select pg_advisory_lock(?)", [LANDING_LOCK])
    try:
        for stmt in raw_schema_ddl(wh):
            wh.execute(stmt)
    finally:
        if wh.target == "postgres":
            wh.execute("select pg_advisory_unlock(?)", [LANDING_LOCK])
