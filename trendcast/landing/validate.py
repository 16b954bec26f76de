"""Read and validate one archive file, touching no warehouse (see `prepare_file`).

The validation itself is SQL (`sql/validate_lines.sql`, linted by sqlfluff like the dbt models),
run by a private in-memory DuckDB over Arrow chunks of lines.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa

from trendcast.archive import open_binary
from trendcast.landing.schema import SPLIT_ARRAYS
from trendcast.sources import KNOWN_SOURCES

CHUNK_BYTES = 16 * 1024 * 1024  # a chunk and its parsed copies must fit PREPARE_MEMORY_LIMIT
MAX_LINE_BYTES = 16 * 1024 * 1024  # default longest line parsed (see max_line_bytes)
PREPARE_MEMORY_LIMIT = "1GB"  # per worker's private DuckDB (validation of one chunk)
EARLIEST_FETCH = "2005-01-01 00:00:00+00"  # before any of the supported APIs existed
SQL_DIR = Path(__file__).with_name("sql")

ProgressFn = Callable[[int], None]

# the columns of a validated line, as `loader` stages them
STAGED_COLUMNS = [
    "line_no",
    "source",
    "endpoint",
    "params",
    "fetched_at",
    "raw_json",
    "response_hash",
    "call_key",
    "error_message",
    "raw_line",
]

_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
_PLACEHOLDER = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")  # sqlfluff's `colon` param style


def file_sha256(path: Path) -> str:
    """The file's sha256: a batch's identity, so the same file is landed once."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# -- reading lines --------------------------------------------------------------------------
def max_line_bytes() -> int:
    """The longest line landing parses (TRENDCAST_MAX_LINE_BYTES, default MAX_LINE_BYTES).

    The validator parses a chunk with a 1 GB memory cap: one 60 MB line ran it out of memory
    and failed the whole file. A longer line is stored as failed with the reason instead.
    """
    value = os.environ.get("TRENDCAST_MAX_LINE_BYTES", "")
    if not value:
        return MAX_LINE_BYTES
    if not value.isdigit() or int(value) < 1024:
        raise ValueError(
            f"TRENDCAST_MAX_LINE_BYTES must be a number of bytes >= 1024, got {value!r}"
        )
    return int(value)


def _without_nul_escapes(text: str) -> str | None:
    """The line with each JSON escape \\u0000 turned into \\ufffd, or None if it has none.

    `\\u0000` is legal JSON but Postgres' jsonb refuses it (one such line failed a whole file
    with "unsupported Unicode escape sequence"). On both targets the parsed value (raw_json,
    params) gets U+FFFD for the NUL character and raw_line keeps the exact line.
    """
    if "\\u0000" not in text:
        return None
    # an escape is a backslash preceded by an even number of backslashes
    new = _NUL_ESCAPE.sub(lambda m: m.group(1) + "\\ufffd", text)
    return new if new != text else None


def iter_line_chunks(
    path: Path,
    chunk_bytes: int = CHUNK_BYTES,
    progress: ProgressFn | None = None,
    max_bytes: int | None = None,
) -> Iterator[pa.Table]:
    """Yield Arrow tables (line_no, line, original_line, decode_error) of about `chunk_bytes`.

    `original_line` is set only where `line` (what is parsed) differs from the exact line.
    """
    limit = max_bytes or max_line_bytes()
    line_nos: list[int] = []
    lines: list[str] = []
    originals: list[str | None] = []
    errors: list[str | None] = []
    size = 0
    with open_binary(path) as fh:
        for no, raw in enumerate(fh, start=1):
            raw = raw.rstrip(b"\r\n")
            original = None
            if len(raw) > limit:
                # not parsed, not stored: the exact line is line `no` of the batch's file
                digest = hashlib.sha256(raw).hexdigest()[:16]
                text = raw[:1024].decode("utf-8", errors="replace")
                err = (
                    f"line too long: {len(raw):,} bytes, over the maximum of {limit:,} "
                    f"(TRENDCAST_MAX_LINE_BYTES); first 1 KB kept, sha256 {digest}..."
                )
                line_nos.append(no)
                lines.append(text)
                originals.append(None)
                errors.append(err)
                size += 1025
                continue
            try:
                text, err = raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                text, err = raw.decode("utf-8", errors="replace"), f"invalid UTF-8: {exc.reason}"
            if "\x00" in text:
                text, err = text.replace("\x00", "\ufffd"), err or "line contains NUL bytes"
            elif err is None:
                cleaned = _without_nul_escapes(text)
                if cleaned is not None:
                    text, original = cleaned, text
            line_nos.append(no)
            lines.append(text)
            originals.append(original)
            errors.append(err)
            size += len(raw) + 1
            if size >= chunk_bytes:
                yield _lines_table(line_nos, lines, originals, errors)
                if progress:
                    progress(size)
                line_nos, lines, originals, errors, size = [], [], [], [], 0
    if line_nos:
        yield _lines_table(line_nos, lines, originals, errors)
        if progress:
            progress(size)


def _lines_table(
    line_nos: list[int], lines: list[str], originals: list[str | None], errors: list[str | None]
) -> pa.Table:
    return pa.table(
        {
            "line_no": pa.array(line_nos, pa.int64()),
            "line": pa.array(lines, pa.large_string()),
            "original_line": pa.array(originals, pa.large_string()),
            "decode_error": pa.array(errors, pa.string()),
        }
    )


# -- validation (DuckDB SQL over one chunk of lines) -------------------------------------------
def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@cache
def validation_macros_sql() -> str:
    """The DuckDB macros `validate_lines.sql` uses (create them once per connection)."""
    return (SQL_DIR / "validation_macros.sql").read_text()


def validate_sql(lines_rel: str) -> str:
    """The statement that validates the chunk of lines in relation `lines_rel`."""
    ((split_source, (split_prefix, split_key)),) = SPLIT_ARRAYS.items()  # one entry today
    values = {
        "lines_table": lines_rel,
        "split_path": _literal(f"$.response.{split_key}"),
        "known_sources": ", ".join(_literal(s) for s in KNOWN_SOURCES),
        "known_sources_text": _literal(", ".join(KNOWN_SOURCES)),
        "earliest_fetch": _literal(EARLIEST_FETCH),
        "split_source": _literal(split_source),
        "split_prefix": _literal(split_prefix),
        "split_null_patch": _literal(f'{{"{split_key}": null}}'),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _validate_lines_template())


@cache
def _validate_lines_template() -> str:
    return (SQL_DIR / "validate_lines.sql").read_text()


@dataclass
class PreparedFile:
    """An archive file read, decoded and validated, not yet landed (see `prepare_file`)."""

    path: Path
    sha256: str
    chunks: list[pa.Table]
    items: list[pa.Table] = field(default_factory=list)  # (line_no, item_index, item_json)


def prepare_file(
    path: Path, progress: ProgressFn | None = None, landed: frozenset[str] = frozenset()
) -> PreparedFile:
    """Read and validate one archive file on a private in-memory DuckDB connection.

    Touches no warehouse, so several files can be prepared at once in threads (DuckDB and zlib
    release the GIL) while the main thread lands the previous one: landing stays one file, one
    transaction, in order. A file whose batch id is in `landed` is not read at all: landing it
    again is a no-op (`land_prepared` checks the warehouse itself).
    """
    import duckdb

    sha = file_sha256(path)
    if sha[:20] in landed:
        return PreparedFile(path, sha, [])
    # one thread and a small cap per file: LOAD_WORKERS files are prepared at once on the
    # machine's cores, and one 16 MB chunk with its parsed copies needs a few hundred MB
    con = duckdb.connect(config={"threads": 1, "memory_limit": PREPARE_MEMORY_LIMIT})
    try:
        con.execute("set timezone = 'UTC'")
        con.execute(validation_macros_sql())
        chunks, items = [], []
        staged_list = ", ".join(STAGED_COLUMNS)
        validate = validate_sql("_tc_lines")
        for chunk in iter_line_chunks(path, progress=progress):
            con.register("_tc_lines", chunk)
            con.execute(f"create or replace temp table _tc_checked as {validate}")
            con.unregister("_tc_lines")
            chunks.append(con.sql(f"select {staged_list} from _tc_checked").to_arrow_table())
            split = con.sql(
                "select line_no, generate_subscripts(items, 1) as item_index, "
                "cast(unnest(items) as varchar) as item_json "
                "from _tc_checked where items is not null"
            ).to_arrow_table()
            if split.num_rows:
                items.append(split)
    finally:
        con.close()
    return PreparedFile(path, sha, chunks, items)
