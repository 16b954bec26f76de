"""Landing on the Spark target: archive files into Parquet tables that Spark itself writes.

The same rules as the DuckDB/Postgres loader (`loader.py`), with Spark's means:
- Validation is the same code: `prepare_file` reads and checks each file on a private DuckDB
  (JSON, required keys, types, known source, plausible fetched_at, line length, NUL escapes),
  so a line is `failed` on Spark for exactly the reasons it is failed elsewhere.
- Bulk: the validated lines of all the files of a load go to Spark as Arrow (`createDataFrame`
  on the Arrow table, no row loop), and one INSERT ... SELECT per raw table writes them,
  partitioned by batch_id: a handful of Spark jobs per load, not per file.
- Duplicates: a call already landed (same call_key, processed in an earlier batch) or repeated
  within the file is `duplicate`, with the same messages.
- Idempotent: a batch is one file (its sha256); one found in raw.ingestion_batches is a no-op.
- Atomicity differs: Parquet tables have no transactions. The batch row in raw.ingestion_batches
  is written last and is the commit mark: staging on Spark reads only the lines of batches that
  have it (macros/cross_db/landing.sql), and the new batches' partitions are written by a
  dynamic partition overwrite, which replaces what a killed earlier attempt left in them. So a
  killed load leaves files nobody reads, and running it again gives the state of one clean load.
Not on Spark yet (docs/SPARK.md): the erasure tombstones applied at landing, the legacy-layout
migration, and `trendcast status` (the counts are in raw.ingestion_batches).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from trendcast.archive import discover
from trendcast.landing.loader import BatchResult
from trendcast.landing.validate import PreparedFile, prepare_file

RAW_DDL = [
    "create database if not exists raw",
    """create table if not exists raw.ingestion_batches (
        batch_id string,
        file_path string,
        file_sha256 string,
        source string,
        fetch_window_start timestamp,
        fetch_window_end timestamp,
        total_records bigint,
        processed_records bigint,
        failed_records bigint,
        duplicate_records bigint,
        status string,
        created_at timestamp,
        completed_at timestamp
    ) using parquet""",
    # JSON documents are stored as their text (Spark has no JSON type; the models parse it with
    # from_json / get_json_object). Partitioned by batch: a batch is written, dropped (after a
    # killed load) and read by staging's new-batch filter as one directory.
    """create table if not exists raw.api_responses (
        line_no bigint,
        source string,
        endpoint string,
        params string,
        fetched_at timestamp,
        raw_json string,
        processing_status string,
        error_message string,
        loaded_at timestamp,
        response_hash string,
        call_key string,
        raw_line string,
        batch_id string
    ) using parquet partitioned by (batch_id)""",
    """create table if not exists raw.response_items (
        line_no bigint,
        item_index bigint,
        item_json string,
        batch_id string
    ) using parquet partitioned by (batch_id)""",
    # a deployment's own exogenous events (trendcast/events.py): created empty with the raw
    # schema, as on the other targets, so the forecasting lineage's source always exists
    """create table if not exists raw.exogenous_events (
        event_id string,
        description string,
        category string,
        event_start timestamp,
        event_end timestamp,
        intensity double,
        source string,
        created_at timestamp
    ) using parquet""",
]


def ensure_spark_raw_schema(spark: Any) -> None:
    for stmt in RAW_DDL:
        spark.sql(stmt)


def landed_batch_ids(spark: Any) -> frozenset[str]:
    ensure_spark_raw_schema(spark)
    return frozenset(
        r[0] for r in spark.sql("select batch_id from raw.ingestion_batches").collect()
    )


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _arrow(chunks: list[pa.Table]) -> pa.Table:
    table = pa.concat_tables(chunks)
    # plain strings: Spark's Arrow reader maps large_string too, but one type keeps schemas equal
    return table.cast(
        pa.schema(
            [
                pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) else f.type)
                for f in table.schema
            ]
        )
    )


def _with_batch(chunks: list[pa.Table], batch_id: str, file_order: int) -> list[pa.Table]:
    out = []
    for chunk in chunks:
        n = chunk.num_rows
        chunk = chunk.append_column("batch_id", pa.array([batch_id] * n, pa.string()))
        out.append(chunk.append_column("file_order", pa.array([file_order] * n, pa.int64())))
    return out


def land_prepared_spark(spark: Any, prepared: list[PreparedFile]) -> list[BatchResult]:
    """Write prepared files, one batch each, in a few Spark jobs for all of them.

    A file whose batch row exists is a no-op. The others are written together: one dynamic
    partition overwrite per raw table (which also replaces whatever a killed earlier attempt
    left in those batches' partitions), then their batch rows, last. Duplicates follow the file
    order: a call first seen in an earlier file of the same load is "already landed by an
    earlier batch" in the later ones, as when the files are landed one after the other.
    """
    ensure_spark_raw_schema(spark)
    ids = {p.sha256[:20]: p for p in prepared}
    results: dict[str, BatchResult] = {}
    if ids:
        listed = ", ".join(_literal(b) for b in ids)
        for row in spark.sql(
            "select batch_id, total_records, processed_records, failed_records, "
            f"duplicate_records, source from raw.ingestion_batches where batch_id in ({listed})"
        ).collect():
            p = ids[row[0]]
            results[row[0]] = BatchResult(
                str(p.path), row[0], p.sha256, row[5] or "", *row[1:5], True
            )
    new = [p for b, p in ids.items() if b not in results]
    new = [p if p.chunks else prepare_file(p.path) for p in new]  # skipped early, batch row gone
    new = [p for p in new if p.chunks]
    if new:
        _write_batches(spark, new)
        listed = ", ".join(_literal(p.sha256[:20]) for p in new)
        for row in spark.sql(
            "select batch_id, total_records, processed_records, failed_records, "
            f"duplicate_records, source from raw.ingestion_batches where batch_id in ({listed})"
        ).collect():
            p = ids[row[0]]
            results[row[0]] = BatchResult(
                str(p.path), row[0], p.sha256, row[5] or "", *row[1:5], False
            )
    return [results[p.sha256[:20]] for p in prepared if p.sha256[:20] in results]


def _write_batches(spark: Any, new: list[PreparedFile]) -> None:
    lines, items = [], []
    for order, p in enumerate(new):
        lines += _with_batch(p.chunks, p.sha256[:20], order)
        items += _with_batch(p.items, p.sha256[:20], order)
    started = spark.sql("select current_timestamp()").collect()[0][0]
    spark.createDataFrame(_arrow(lines)).createOrReplaceTempView("_tc_staged")
    # calls landed by earlier loads, collected first: the overwrite below may not read its own
    # table (a handful of keys per file at most, usually none)
    already = spark.sql(
        "select distinct a.call_key from raw.api_responses as a "
        "where a.processing_status = 'processed' "
        "and a.call_key in (select s.call_key from _tc_staged as s)"
    ).toArrow()
    spark.createDataFrame(already, "call_key string").createOrReplaceTempView("_tc_already")
    previous_mode = spark.conf.get("spark.sql.sources.partitionOverwriteMode")
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    try:
        spark.sql(
            f"""
            insert overwrite table raw.api_responses partition (batch_id)
            with ranked as (
                select
                    s.*,
                    a.call_key is not null as seen_before,
                    first_value(s.file_order) over (
                        partition by s.call_key order by s.file_order, s.line_no
                    ) as first_file_order,
                    first_value(s.line_no) over (
                        partition by s.call_key order by s.file_order, s.line_no
                    ) as first_line_no
                from _tc_staged as s
                left join _tc_already as a on s.call_key = a.call_key
            )
            select
                line_no,
                source,
                endpoint,
                params,
                fetched_at,
                raw_json,
                case
                    when error_message is not null then 'failed'
                    when seen_before or first_file_order < file_order or line_no <> first_line_no
                        then 'duplicate'
                    else 'processed'
                end,
                case
                    when error_message is not null then error_message
                    when seen_before or first_file_order < file_order
                        then 'duplicate: this API call was already landed by an earlier batch'
                    when line_no <> first_line_no
                        then 'duplicate: repeats line ' || cast(first_line_no as string)
                            || ' of this file'
                end,
                timestamp'{started.isoformat(sep=" ")}',
                response_hash,
                call_key,
                raw_line,
                batch_id
            from ranked
            """
        )
        if items:
            spark.createDataFrame(_arrow(items)).createOrReplaceTempView("_tc_items")
            spark.sql(
                """
                insert overwrite table raw.response_items partition (batch_id)
                select i.line_no, i.item_index, i.item_json, i.batch_id
                from _tc_items as i
                inner join raw.api_responses as a
                    on
                        a.batch_id = i.batch_id
                        and a.line_no = i.line_no
                        and a.processing_status = 'processed'
                """
            )
    finally:
        spark.conf.set("spark.sql.sources.partitionOverwriteMode", previous_mode)
    files = spark.createDataFrame(
        [(p.sha256[:20], str(p.path), p.sha256) for p in new],
        "batch_id string, file_path string, file_sha256 string",
    )
    files.createOrReplaceTempView("_tc_files")
    # the commit marks, written last (see the module docstring)
    spark.sql(
        f"""
        insert into raw.ingestion_batches
        select
            f.batch_id,
            f.file_path,
            f.file_sha256,
            c.sources,
            c.window_start,
            c.window_end,
            c.total,
            c.processed,
            c.failed,
            c.duplicate,
            case when c.failed = 0 then 'completed' else 'completed_with_errors' end,
            timestamp'{started.isoformat(sep=" ")}',
            current_timestamp()
        from _tc_files as f
        inner join (
            select
                batch_id,
                count(*) as total,
                count_if(processing_status = 'processed') as processed,
                count_if(processing_status = 'failed') as failed,
                count_if(processing_status = 'duplicate') as duplicate,
                min(fetched_at) as window_start,
                max(fetched_at) as window_end,
                array_join(array_sort(collect_set(source)), ',') as sources
            from raw.api_responses
            where batch_id in (select batch_id from _tc_files)
            group by batch_id
        ) as c on f.batch_id = c.batch_id
        """
    )
    for view in ("_tc_staged", "_tc_already", "_tc_items", "_tc_files"):
        spark.catalog.dropTempView(view)


def load_paths_spark(spark: Any, paths: Iterable[str | Path]) -> list[BatchResult]:
    """Land every archive under `paths` on Spark, one batch per file, in a stable order."""
    files = discover(list(paths))
    landed = landed_batch_ids(spark)
    return land_prepared_spark(spark, [prepare_file(f, landed=landed) for f in files])
