"""Write prepared archive files into the raw tables, one file per batch and transaction."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from trendcast.archive import discover
from trendcast.erasure import apply_tombstones
from trendcast.landing.migrations import split_legacy_responses
from trendcast.landing.schema import LANDING_LOCK, ensure_raw_schema
from trendcast.landing.validate import STAGED_COLUMNS, PreparedFile, ProgressFn, prepare_file
from trendcast.warehouse import Warehouse, copy_arrow_to_postgres

LOAD_WORKERS = 2  # files read and validated at once (see load_paths)


@dataclass
class BatchResult:
    """What landing one file did: the counts reconcile (processed + failed + duplicate = total)."""

    path: str
    batch_id: str
    sha256: str
    sources: str
    total: int = 0
    processed: int = 0
    failed: int = 0
    duplicate: int = 0
    skipped: bool = False

    @property
    def reconciles(self) -> bool:
        return self.processed + self.failed + self.duplicate == self.total


def checkpoint(stage: str) -> None:
    """A point inside a batch's transaction ("chunk", "insert", "batch") where a killed process
    must leave nothing behind. Does nothing; the atomicity tests replace it to kill the process
    there (tests/python/test_landing.py)."""


def _final_insert_sql(wh: Warehouse, staged: str) -> str:
    js = "json" if wh.target == "duckdb" else "jsonb"
    return f"""
    insert into raw.api_responses (
        batch_id, line_no, source, endpoint, params, fetched_at, raw_json,
        processing_status, error_message, loaded_at, response_hash, call_key, raw_line
    )
    with already as (
        select distinct call_key
        from raw.api_responses
        where processing_status = 'processed'
            and call_key in (select s.call_key from {staged} as s)
    ),
    ranked as (
        select
            s.*,
            a.call_key is not null as seen_before,
            first_value(s.line_no) over (partition by s.call_key order by s.line_no)
                as first_line_no
        from {staged} as s
        left join already as a on s.call_key = a.call_key
    )
    select
        ?,
        line_no,
        source,
        endpoint,
        cast(params as {js}),
        fetched_at,
        cast(raw_json as {js}),
        case
            when error_message is not null then 'failed'
            when seen_before or line_no <> first_line_no then 'duplicate'
            else 'processed'
        end,
        case
            when error_message is not null then error_message
            when seen_before then 'duplicate: this API call was already landed by an earlier batch'
            when line_no <> first_line_no
                then 'duplicate: repeats line ' || cast(first_line_no as {
        "varchar" if wh.target == "duckdb" else "text"
    }) || ' of this file'
        end,
        ?,
        response_hash,
        call_key,
        raw_line
    from ranked
    """


def landed_batch_ids(wh: Warehouse) -> frozenset[str]:
    """Batch ids already in the warehouse (a file is identified by its sha256)."""
    ensure_raw_schema(wh)
    return frozenset(r[0] for r in wh.query("select batch_id from raw.ingestion_batches"))


def load_file(wh: Warehouse, path: Path, progress: ProgressFn | None = None) -> BatchResult:
    """Land one archive file as one batch (see module docstring)."""
    return land_prepared(wh, prepare_file(path, progress, landed_batch_ids(wh)))


def land_prepared(wh: Warehouse, prepared: PreparedFile) -> BatchResult:
    """Write a prepared file as one batch in one transaction (a no-op if it was landed before)."""
    ensure_raw_schema(wh)
    path, sha = prepared.path, prepared.sha256
    batch_id = sha[:20]
    existing = wh.query(
        "select total_records, processed_records, failed_records, duplicate_records, source "
        "from raw.ingestion_batches where batch_id = ?",
        [batch_id],
    )
    if existing:
        total, processed, failed, duplicate, sources = existing[0]
        return BatchResult(
            str(path), batch_id, sha, sources or "", total, processed, failed, duplicate, True
        )

    started = wh.scalar("select now()")
    duck = wh.target == "duckdb"
    text = "varchar" if duck else "text"
    js = "json" if duck else "text"
    if duck:
        wh.execute("drop table if exists _tc_staged")
    wh.execute("begin transaction" if duck else "begin")
    try:
        if not duck:
            # Postgres takes concurrent loaders: landing transactions run one at a time, so two
            # loads of the same file land it once (the second then finds the batch) and two
            # files sharing an API call mark it duplicate in one of them, as a serial run does.
            # DuckDB needs none: a second process cannot open the file for writing at all.
            wh.execute("select pg_advisory_xact_lock(?)", [LANDING_LOCK])
            if wh.scalar(
                "select count(*) from raw.ingestion_batches where batch_id = ?", [batch_id]
            ):
                wh.execute("rollback")
                return land_prepared(wh, prepared)
        _stage_chunks(
            wh,
            "_tc_staged",
            f"line_no bigint, source {text}, endpoint {text}, params {text}, "
            f"fetched_at timestamptz, raw_json {js}, response_hash {text}, call_key {text}, "
            f"error_message {text}, raw_line {text}",
            STAGED_COLUMNS,
            prepared.chunks,
        )
        wh.execute(_final_insert_sql(wh, "_tc_staged"), [batch_id, started])
        _land_items(wh, prepared.items, batch_id)
        # people erased before stay erased when an old archive comes back (docs/SECURITY.md)
        apply_tombstones(wh, batch_id)
        checkpoint("insert")
        counts = wh.query(
            "select count(*), "
            "count(*) filter (where processing_status = 'processed'), "
            "count(*) filter (where processing_status = 'failed'), "
            "count(*) filter (where processing_status = 'duplicate'), "
            "min(fetched_at), max(fetched_at), "
            "string_agg(distinct source, ',' order by source) "
            "from raw.api_responses where batch_id = ?",
            [batch_id],
        )[0]
        total, processed, failed, duplicate, wstart, wend, sources = counts
        status = "completed" if failed == 0 else "completed_with_errors"
        wh.execute(
            "insert into raw.ingestion_batches (batch_id, file_path, file_sha256, source, "
            "fetch_window_start, fetch_window_end, total_records, processed_records, "
            "failed_records, duplicate_records, status, created_at, completed_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [
                batch_id,
                str(path),
                sha,
                sources,
                wstart,
                wend,
                total,
                processed,
                failed,
                duplicate,
                status,
                started,
            ],
        )
        checkpoint("batch")
        wh.execute("commit")
    except BaseException:
        wh.execute("rollback")
        raise
    finally:
        if duck:
            wh.execute("drop table if exists _tc_staged")
            wh.execute("drop table if exists _tc_items")
    return BatchResult(
        str(path), batch_id, sha, sources or "", total, processed, failed, duplicate, False
    )


def _stage_chunks(
    wh: Warehouse, table: str, columns_ddl: str, names: list[str], chunks: list[pa.Table]
) -> None:
    """Copy Arrow chunks into a new temp table (inside the caller's transaction): DuckDB reads
    the Arrow table directly, Postgres gets it with COPY (dropped at commit)."""
    duck = wh.target == "duckdb"
    wh.execute(f"create temp table {table} ({columns_ddl})" + ("" if duck else " on commit drop"))
    for chunk in chunks:
        if duck:
            wh.conn.register("_tc_chunk", chunk)
            wh.execute(f"insert into {table} select * from _tc_chunk")
            wh.conn.unregister("_tc_chunk")
        else:
            with wh.conn.cursor() as cur:
                copy_arrow_to_postgres(cur, chunk, table, names)
        checkpoint("chunk")


def _land_items(wh: Warehouse, items: list[pa.Table], batch_id: str) -> None:
    """Split response arrays of the batch's processed lines into raw.response_items (inside the
    batch's transaction). Items of failed or duplicate lines are not kept: their raw_json is
    not kept either."""
    if not items:
        return
    duck = wh.target == "duckdb"
    text = "varchar" if duck else "text"
    if duck:
        wh.execute("drop table if exists _tc_items")
    _stage_chunks(
        wh,
        "_tc_items",
        f"line_no bigint, item_index bigint, item_json {text}",
        ["line_no", "item_index", "item_json"],
        items,
    )
    js = "json" if duck else "jsonb"
    wh.execute(
        "insert into raw.response_items (batch_id, line_no, item_index, item_json) "
        f"select a.batch_id, i.line_no, i.item_index, cast(i.item_json as {js}) "
        "from _tc_items as i inner join raw.api_responses as a "
        "on a.batch_id = ? and a.line_no = i.line_no and a.processing_status = 'processed'",
        [batch_id],
    )


def load_paths(
    wh: Warehouse,
    paths: list[str | Path],
    on_file: Callable[[Path, int], ProgressFn | None] | None = None,
    workers: int | None = None,
) -> list[BatchResult]:
    """Land every archive under `paths`, one batch per file, in a stable order.

    Files are prepared (read + validated) by `workers` threads, at most `workers + 1` files
    ahead of the one being landed, so memory stays bounded by a few files. Files landed before
    are not read again. `on_file(path, size)` may return a progress callback for that file.
    """
    files = discover(paths)
    split_legacy_responses(wh)
    landed = landed_batch_ids(wh)
    workers = workers or max(1, min(LOAD_WORKERS, os.cpu_count() or 1))
    results: list[BatchResult] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tc-load") as pool:
        pending: deque[Future[PreparedFile]] = deque()
        queue = iter(files)

        def submit_next() -> None:
            path = next(queue, None)
            if path is not None:
                progress = on_file(path, path.stat().st_size) if on_file else None
                pending.append(pool.submit(prepare_file, path, progress, landed))

        for _ in range(workers + 1):
            submit_next()
        while pending:
            prepared = pending.popleft().result()
            submit_next()
            results.append(land_prepared(wh, prepared))
    if any(not r.skipped for r in results):
        refresh_statistics(wh)
    return results


def refresh_statistics(wh: Warehouse) -> None:
    """ANALYZE the raw tables after a bulk load (Postgres; DuckDB keeps its statistics itself).

    Without it Postgres still believes raw.api_responses holds a handful of rows and plans
    nested loops: measured, an hourly dbt run spent 142 s anti-joining ~800 new polls against
    the parsed event table one row at a time.
    """
    if wh.target == "postgres":
        wh.execute("analyze raw.api_responses")
        wh.execute("analyze raw.response_items")
        wh.execute("analyze raw.ingestion_batches")


def status_counts(wh: Warehouse) -> list[dict[str, Any]]:
    """Batches and records by status, per source (what `trendcast status` prints)."""
    if not wh.table_exists("raw", "api_responses"):
        return []
    df = wh.query_df(
        "select coalesce(r.source, '(unparsed)') as source, "
        "count(distinct r.batch_id) as batches, count(*) as records, "
        "count(*) filter (where r.processing_status = 'processed') as processed, "
        "count(*) filter (where r.processing_status = 'failed') as failed, "
        "count(*) filter (where r.processing_status = 'duplicate') as duplicate, "
        "count(*) filter (where r.processing_status = 'pending') as pending, "
        "min(r.fetched_at) as first_fetched_at, max(r.fetched_at) as last_fetched_at "
        "from raw.api_responses as r group by 1 order by 1"
    )
    return df.to_dict("records")
