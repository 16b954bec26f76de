"""Land archive files into `raw.api_responses`, one row per line, whole batches or nothing.

Why it is built this way:
- Bulk only. Lines are read in large chunks into Arrow and validated by DuckDB in one set-based
  statement per chunk (JSON validity, required keys, types, known source, plausible fetched_at:
  `sql/validate_lines.sql`). On Postgres the validated rows go in with `COPY`, never row by row.
- Nothing is dropped. A bad line is stored as `failed` with the reason and its original text; an API
  call that was already landed (same source, endpoint, params, fetched_at and response) is stored
  as `duplicate`. processed + failed + duplicate = total, for every batch.
- Idempotent. A batch is one file, identified by its sha256: loading it again is a no-op.
- Atomic. The batch row and all its lines are written in one transaction.
- Big arrays split out. A first-party event poll carries ~1,000 events in one response (~250 KB
  of JSON). Its `events` array is stored one element per row in `raw.response_items`
  (batch_id, line_no, item_index, item_json) and removed from the response kept in
  `raw.api_responses.raw_json`. Nothing is lost: the exact response is the stored one with
  `events` set to the items in item_index order (docs/EVENTS.md has the SQL). Why: parsing a
  vector of 2,048 whole polls at once held ~1.4M parsed events per DuckDB thread (over 4 GB
  at 10M events/day, measured), and the ~25k poll rows of a day sit in one DuckDB row group,
  so their parse ran on one core. One row per event streams and parallelises.

Modules: `schema` (the raw tables), `validate` (reading and validating a file, no warehouse),
`loader` (writing batches), `migrations` (bringing a warehouse landed by an earlier layout up to
date).
"""

from trendcast.landing.loader import (
    LOAD_WORKERS,
    BatchResult,
    land_prepared,
    landed_batch_ids,
    load_file,
    load_paths,
    refresh_statistics,
    status_counts,
)
from trendcast.landing.migrations import split_legacy_responses
from trendcast.landing.schema import SPLIT_ARRAYS, STATUSES, ensure_raw_schema
from trendcast.landing.validate import (
    CHUNK_BYTES,
    PreparedFile,
    ProgressFn,
    file_sha256,
    iter_line_chunks,
    prepare_file,
)

__all__ = [
    "CHUNK_BYTES",
    "LOAD_WORKERS",
    "SPLIT_ARRAYS",
    "STATUSES",
    "BatchResult",
    "PreparedFile",
    "ProgressFn",
    "ensure_raw_schema",
    "file_sha256",
    "iter_line_chunks",
    "land_prepared",
    "landed_batch_ids",
    "load_file",
    "load_paths",
    "prepare_file",
    "refresh_statistics",
    "split_legacy_responses",
    "status_counts",
]
