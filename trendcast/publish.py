"""Publish what readers use to a copy that never blocks the pipeline.

DuckDB lets one process hold a file for writing, and a reader that opens the working file
(`warehouse/trendcast.duckdb`) stops the next `trendcast load`/`build`. So people, the dashboard
and BI tools open a published copy instead: a complete DuckDB file written beside the final
path and moved over it with one `rename`. A reader that holds the old file open keeps reading
the old inode until it reconnects; a reader that opens the path sees either the previous or the
new file, never a half-written one. docs/DASHBOARD.md explains the choice over Parquet files
with a views database (measured with `trendcast publish --compare`, docs/BENCHMARKS.md).

A publish starts from the previous copy when there is one: each table's fingerprint (row count,
the sum of its rows' hashes, its columns) is compared with the one recorded in the copy
(`landing.published_tables`), and only the tables that differ are written again; the others keep
the blocks they have. A copy with over half its blocks free (tables replaced many times) is
written afresh, as is every copy with `full=True`.

The hourly cycle knows what it wrote: the relations its dbt invocations built, and the schemas
Python writes (`ops`, `ml`, plus the latency mart's `ops_marts`). It passes them as `changed`,
and the other tables of the last copy are kept without reading them, which is what made a
publish cost seconds per cycle (two scans of every published table). That is only right while
the hourly cycle is the warehouse's only writer: each cycle records the warehouse file's
identity when it ends (`record_cycle_end`), and the next one trusts its own list only when the
file is still that one (`unchanged_since_cycle`); after the daily flow, a retention, an erasure
or a `trendcast run`, or after a cycle killed before its end, the publish compares every table
as before. Each kept table is still re-read once a day (`verified_at` in the manifest,
`TRENDCAST_PUBLISH_VERIFY_SECONDS`), a few of the longest-unverified per publish, so an altered
copy is repaired without one cycle paying for every table.

On Postgres nothing is copied: readers log in as members of the read-only group role
`trendcast_reader` (the dashboard as `trendcast_dashboard`), which `publish` keeps granted on the
published schemas (tables created since the last build included).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import WarehouseError, WarehouseLockedError, connect, ident

# Readers get every table of every schema except the layers below the marts: the marts, the
# Python-written ml.* tables (model registry, predictions) and any mart area added later. The raw
# layer is replaced by a compact digest (HEALTH_QUERIES); staging and intermediate are plumbing.
# `private` (the marts of names and free text only the pipeline reads) and `security` (erasure
# tombstones name the erased) are what the Postgres reader role cannot read either.
NOT_PUBLISHED = (
    "raw", "staging", "intermediate", "private", "security", "main", "public", "information_schema",
)  # fmt: skip
# A group role holds the grants (no login); people and tools log in as its members. The role and
# the mart schemas it may read are those of macros/security/roles_and_grants.sql (reader_schemas), which
# re-applies them on every Postgres build; publishing adds the landing digest and the member the
# dashboard logs in as.
READER_ROLE = "trendcast_reader"
READER_SCHEMAS = ("core", "analytics", "trends", "forecasting", "ml_marts")
# The member the dashboard logs in as (TRENDCAST_READER_USER picks another member).
DASHBOARD_ROLE = "trendcast_dashboard"
# Files any DuckDB from 1.0 on can open (BI drivers bundle older DuckDB releases than ours).
STORAGE_VERSION = "v1.0.0"
# Raw tables hold every API body; readers get counts and the failed lines' reasons instead, in
# schema `landing`: tables in the published DuckDB file, views on Postgres (same names, same SQL).
HEALTH_QUERIES = {
    "ingestion_batches": "select * from {raw}.ingestion_batches",
    "records_by_status": (
        "select source, processing_status, count(*) as records, "
        "min(fetched_at) as first_fetched_at, max(fetched_at) as last_fetched_at, "
        "max(loaded_at) as last_loaded_at "
        "from {raw}.api_responses group by source, processing_status"
    ),
    "failed_lines": (
        "select batch_id, line_no, source, endpoint, fetched_at, loaded_at, error_message, "
        "left(raw_line, 300) as raw_line_head "
        "from {raw}.api_responses where processing_status = 'failed'"
    ),
}
HEALTH_SCHEMA = "landing"
# What the copy holds, per table: rows, fingerprint and when it was last written (readers see it;
# the next publish reads it to skip the tables that did not change).
MANIFEST_TABLE = "published_tables"
# A reused copy with a larger share of free blocks than this is written afresh.
MAX_FREE_SHARE = 0.5
# A publish told what changed still re-reads a kept table verified longer ago than this
# (TRENDCAST_PUBLISH_VERIFY_SECONDS), at most this share of the tables per publish: at a cycle
# every 15 minutes every table is verified within a day, and no cycle pays for all of them.
VERIFY_SECONDS = 86400.0
VERIFY_SHARE = 1 / 16
# On Postgres readers cannot read schema ml (model internals, security macros); the Data health
# page still needs who trained what and the latest data-quality results: views in `landing`.
REGISTRY_VIEWS = {
    "model_registry": (
        ("model_metadata", "forecast_models"),
        "select model_name, model_version, task, purpose, cast(trained_at as varchar) as trained_at "
        "from ml.model_metadata union all "
        "select model_name, model_version, account || ' ' || granularity, "
        "case when is_chosen then 'chosen' else 'candidate' end, cast(trained_at as varchar) "
        "from ml.forecast_models",
    ),
    "data_quality_checks": (("data_quality_checks",), "select * from ml.data_quality_checks"),
}


@dataclass(frozen=True)
class PublishResult:
    """What a publish wrote: small, so a Prefect task can return it."""

    target: str
    location: str
    tables: int
    rows: int
    bytes: int
    seconds: float
    storage_version: str = ""
    reader_role: str = ""
    skipped: list[str] = field(default_factory=list)
    # tables written by this publish and tables kept unchanged from the previous copy
    copied: int = 0
    reused: int = 0
    # tables whose fingerprint was computed (compared); the rest were kept unread (`changed`)
    checked: int = 0

    @property
    def path(self) -> str:
        """Where readers connect: the published file (DuckDB) or the database (Postgres)."""
        return self.location

    def line(self) -> str:
        """One line for a summary."""
        if self.target == "duckdb":
            return (
                f"{self.tables} tables, {self.rows:,} rows, {self.bytes / 1e6:.1f} MB "
                f"(storage {self.storage_version}) -> {self.location}"
            )
        return f"role {self.reader_role} granted on {self.tables} tables in {self.location}"


def published_path(settings: Settings | None = None) -> Path:
    """TRENDCAST_PUBLISHED_PATH, default warehouse/published/trendcast.duckdb (project-relative)."""
    raw = os.environ.get("TRENDCAST_PUBLISHED_PATH") or "warehouse/published/trendcast.duckdb"
    path = Path(raw)
    if not path.is_absolute():
        base = settings.project_dir if settings is not None else PROJECT_DIR
        path = base / path
    return path


def publish(
    settings: Settings,
    path: Path | None = None,
    *,
    full: bool = False,
    changed: Collection[str] | None = None,
) -> PublishResult:
    """Publish the reader copy for the configured target (DuckDB file or Postgres grants).
    `full` writes every table afresh instead of keeping the unchanged ones of the last copy.
    `changed` (`schema.table` or `schema.*` names) says which tables can differ from the last
    copy; the other tables of that copy are kept unread (module docstring). None: compare
    every table."""
    if settings.target == "postgres":
        return _grant_reader(settings)
    return _publish_duckdb(settings, path or published_path(settings), full=full, changed=changed)


def _identity(settings: Settings) -> list[Any]:
    """The working file as the OS sees it (inode, size, modification time to the nanosecond;
    the same for its WAL): any write changes it, reading does not."""
    out: list[Any] = []
    for p in (
        settings.duckdb_path,
        settings.duckdb_path.with_name(settings.duckdb_path.name + ".wal"),
    ):
        try:
            st = p.stat()
        except FileNotFoundError:
            out.append(None)
            continue
        out.append([st.st_ino, st.st_size, st.st_mtime_ns])
    return out


def _cycle_state(settings: Settings) -> Path:
    return settings.duckdb_path.with_name(settings.duckdb_path.name + ".last-cycle")


def unchanged_since_cycle(settings: Settings) -> bool:
    """Whether nothing wrote the warehouse since the last hourly cycle ended (the file is the
    one `record_cycle_end` saw). Forgets that record: a cycle that does not reach its end
    leaves none, and the cycle after it compares every table."""
    if settings.target != "duckdb":
        return False
    state = _cycle_state(settings)
    try:
        seen = json.loads(state.read_text())
    except (OSError, ValueError):
        return False
    finally:
        state.unlink(missing_ok=True)
    return seen == _identity(settings)


def record_cycle_end(settings: Settings) -> None:
    """Note the warehouse file as the hourly cycle leaves it (after its last write)."""
    if settings.target == "duckdb" and settings.duckdb_path.exists():
        _cycle_state(settings).write_text(json.dumps(_identity(settings)))


def _quote_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _source_tables(con: Any) -> list[tuple[str, str]]:
    marks = ", ".join("?" for _ in NOT_PUBLISHED)
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'src' and table_type = 'BASE TABLE' "
        f"and table_schema not in ({marks}) and table_schema not like 'pg\\_%' escape '\\' "
        "order by 1, 2",
        list(NOT_PUBLISHED),
    ).fetchall()


def _publish_duckdb(
    settings: Settings, path: Path, full: bool = False, changed: Collection[str] | None = None
) -> PublishResult:
    """Copy in a child process, then rename. The child matters: a process that has run dbt
    in-process (the pipeline, the scheduled flows) keeps dbt-duckdb's handle on the working file,
    and DuckDB refuses a second attach of one file within a process."""
    source = settings.duckdb_path
    if not source.exists():
        raise WarehouseError(f"no warehouse at {source}: run `trendcast run` or `trendcast load`")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    _release_dbt_duckdb()
    previous = [] if full or not path.exists() else [str(path)]
    hint = [] if changed is None else ["--changed", json.dumps(sorted(changed))]
    verify = os.environ.get("TRENDCAST_PUBLISH_VERIFY_SECONDS") or str(VERIFY_SECONDS)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trendcast.publish",
            str(source),
            str(tmp),
            *previous,
            *hint,
            "--verify-seconds",
            verify,
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        last = lines[-1] if lines else f"exit code {proc.returncode}"
        if "lock" in last.lower():
            raise WarehouseLockedError(
                f"{source} is held by another process; publish after it finishes ({last})"
            )
        raise WarehouseError(f"publishing {source} failed: {last}")
    copied = json.loads(proc.stdout.strip().splitlines()[-1])
    os.replace(tmp, path)
    return PublishResult(
        target="duckdb",
        location=str(path),
        tables=int(copied["tables"]),
        rows=int(copied["rows"]),
        bytes=path.stat().st_size,
        seconds=round(time.perf_counter() - started, 3),
        storage_version=copied["storage_version"] or STORAGE_VERSION,
        copied=int(copied["copied"]),
        reused=int(copied["reused"]),
        checked=int(copied["checked"]),
    )


def _release_dbt_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps for the life of a process that ran dbt
    in-process: it holds the working file's lock, so the copying child could not attach it.
    The next dbt invocation opens a new one."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:
        return
    with manager._LOCK:
        env, manager._ENV = manager._ENV, None
    if env is not None:
        with contextlib.suppress(Exception):  # already closed: nothing holds the file any more
            env.close()
    import gc

    gc.collect()


def _fingerprint(con: Any, db: str, schema: str, table: str) -> tuple[int, str]:
    """Rows and a digest of a table: its columns and types, and the sum of its rows' hashes
    (order-free; a repeated row counts each time). One scan, far cheaper than writing it."""
    columns = con.execute(
        "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) "
        "from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ?",
        [db, schema, table],
    ).fetchone()[0]
    rows, digest = con.execute(
        f"select count(*), coalesce(sum(hash(trendcast_row)), 0)::varchar "
        f"from {db}.{ident(schema)}.{ident(table)} as trendcast_row"
    ).fetchone()
    return int(rows), f"{digest}|{columns}"


def _reusable(con: Any, previous: Path, tmp: Path) -> dict[tuple[str, str], tuple]:
    """Attach a byte copy of the previous reader copy as `pub` and return what its manifest
    says of each table; an empty dict (and a fresh `pub`) when it cannot be reused: no
    manifest, unreadable, or mostly free blocks."""
    import shutil

    try:
        shutil.copyfile(previous, tmp)
        con.execute(f"attach '{_quote_path(tmp)}' as pub")
        free, total = con.execute(
            "select free_blocks, total_blocks from pragma_database_size() "
            "where database_name = 'pub'"
        ).fetchone()
        kept = _manifest_rows(con)
        if total and free / total > MAX_FREE_SHARE:
            raise ValueError("mostly free blocks")
    except Exception:  # no manifest, a torn or foreign file: write a fresh copy
        with contextlib.suppress(Exception):
            con.execute("detach pub")
        tmp.unlink(missing_ok=True)
        return {}
    return {(s, t): (rows, fp, at, verified) for s, t, rows, fp, at, verified in kept}


def _manifest_rows(con: Any) -> list[tuple]:
    """The previous copy's manifest; a copy from before `verified_at` counts as never verified."""
    table = f"pub.{HEALTH_SCHEMA}.{MANIFEST_TABLE}"
    try:
        return con.execute(
            "select table_schema, table_name, row_count, fingerprint, copied_at, verified_at "
            f"from {table}"
        ).fetchall()
    except Exception:  # an older manifest, or none (the caller handles that)
        rows = con.execute(
            f"select table_schema, table_name, row_count, fingerprint, copied_at from {table}"
        ).fetchall()
        return [(*r, None) for r in rows]


def _may_differ(schema: str, table: str, changed: Collection[str]) -> bool:
    return f"{schema}.{table}" in changed or f"{schema}.*" in changed


def _to_verify(
    kept: dict[tuple[str, str], tuple],
    changed: Collection[str],
    verify_seconds: float,
    now: float,
) -> set[tuple[str, str]]:
    """The kept tables outside `changed` a publish re-reads anyway: those verified longer ago
    than `verify_seconds` (never, for an older manifest), the longest-unverified first, at most
    VERIFY_SHARE of the copy's tables (at least one)."""
    stale = [
        (old[3].timestamp() if old[3] is not None else 0.0, key)
        for key, old in kept.items()
        if not _may_differ(*key, changed)
        and (old[3] is None or now - old[3].timestamp() > verify_seconds)
    ]
    budget = max(1, math.ceil(len(kept) * VERIFY_SHARE))
    return {key for _, key in sorted(stale)[:budget]}


def _copy(
    source: Path,
    tmp: Path,
    previous: Path | None = None,
    changed: Collection[str] | None = None,
    verify_seconds: float = VERIFY_SECONDS,
) -> dict[str, Any]:
    """Write every published table of `source` into `tmp` (run in the child): a fresh file, or
    a copy of `previous` in which only the tables whose fingerprint changed are written. With
    `changed`, a table of `previous` outside it is kept without reading either side, unless it
    is due for verification (_to_verify)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{_quote_path(source)}' as src (read_only)")
        kept = _reusable(con, previous, tmp) if previous is not None else {}
        if not kept:
            con.execute(f"attach '{_quote_path(tmp)}' as pub (storage_version '{STORAGE_VERSION}')")
        tables = _source_tables(con)
        wanted = set(tables)
        # tables the previous copy has that the warehouse no longer publishes
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'pub' and table_schema <> ?",
            [HEALTH_SCHEMA],
        ).fetchall():
            if (schema, table) not in wanted:
                con.execute(f"drop table pub.{ident(schema)}.{ident(table)}")
        manifest = []
        now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
        verify = (
            set() if changed is None else _to_verify(kept, changed, verify_seconds, time.time())
        )
        copied = reused = checked = 0
        for schema in sorted({s for s, _ in tables}):
            con.execute(f"create schema if not exists pub.{ident(schema)}")
        for schema, table in tables:
            old = kept.get((schema, table))
            if (
                old is not None
                and changed is not None
                and not _may_differ(schema, table, changed)
                and (schema, table) not in verify
            ):
                manifest.append((schema, table, *old))
                reused += 1
                continue
            rows, fp = _fingerprint(con, "src", schema, table)
            checked += 1
            # the copied file's own table must still match what its manifest says
            if (
                old is not None
                and old[:2] == (rows, fp)
                and _fingerprint(con, "pub", schema, table) == (rows, fp)
            ):
                manifest.append((schema, table, rows, fp, old[2], now))
                reused += 1
                continue
            con.execute(
                f"create or replace table pub.{ident(schema)}.{ident(table)} as "
                f"from src.{ident(schema)}.{ident(table)}"
            )
            manifest.append((schema, table, rows, fp, now, now))
            copied += 1
        health = _publish_health(con)
        con.execute(
            f"create or replace table pub.{HEALTH_SCHEMA}.{MANIFEST_TABLE} ("
            "table_schema varchar, table_name varchar, row_count bigint, fingerprint varchar, "
            "copied_at timestamptz, verified_at timestamptz)"
        )
        if manifest:
            con.executemany(
                f"insert into pub.{HEALTH_SCHEMA}.{MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?)",
                manifest,
            )
        rows = sum(r[2] for r in manifest) + sum(
            con.execute(f"select count(*) from pub.{s}.{t}").fetchone()[0] for s, t in health
        )
        storage = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'pub'"
        ).fetchone()[0]
        con.execute("detach pub")  # checkpoints: the file is complete and has no WAL
        con.execute("detach src")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    return {
        "tables": len(tables) + len(health) + 1,
        "rows": int(rows),
        "storage_version": storage,
        "copied": copied,
        "reused": reused,
        "checked": checked,
    }


def _publish_health(con: Any) -> list[tuple[str, str]]:
    """The landing digest (batches, records by status, failed lines) for the Data health page."""
    have = {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'src' and table_schema = 'raw'"
        ).fetchall()
    }
    con.execute(f"create schema if not exists pub.{HEALTH_SCHEMA}")
    if not {"ingestion_batches", "api_responses"} <= have:
        return []
    written = []
    for name, sql in HEALTH_QUERIES.items():
        con.execute(
            f"create or replace table pub.{HEALTH_SCHEMA}.{name} as {sql.format(raw='src.raw')}"
        )
        written.append((HEALTH_SCHEMA, name))
    return written


def publish_parquet(settings: Settings, out_dir: Path) -> PublishResult:
    """The alternative design, kept for measurement: one Parquet file per table in a fresh
    versioned folder plus a small DuckDB file of views over them (`trendcast publish --compare`).
    """
    import duckdb

    stamp = time.strftime("%Y%m%dT%H%M%S")
    data_dir = out_dir / f"v{stamp}-{os.getpid()}"
    data_dir.mkdir(parents=True, exist_ok=True)
    views = out_dir / "views.duckdb"
    tmp = views.with_name(f".{views.name}.tmp")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"attach '{_quote_path(settings.duckdb_path)}' as src (read_only)")
        tables = _source_tables(con)
        rows = 0
        for schema, table in tables:
            file = data_dir / f"{schema}.{table}.parquet"
            con.execute(
                f"copy (from src.{ident(schema)}.{ident(table)}) to '{_quote_path(file)}' "
                "(format parquet, compression zstd)"
            )
            con.execute(f"create schema if not exists {ident(schema)}")
            con.execute(
                f"create view {ident(schema)}.{ident(table)} as "
                f"from read_parquet('{_quote_path(file)}')"
            )
            rows += con.execute(f"select count(*) from src.{schema}.{table}").fetchone()[0]
        con.execute("detach src")
    finally:
        con.close()
    os.replace(tmp, views)
    size = views.stat().st_size + sum(f.stat().st_size for f in data_dir.iterdir())
    return PublishResult(
        target="duckdb",
        location=str(views),
        tables=len(tables),
        rows=int(rows),
        bytes=size,
        seconds=round(time.perf_counter() - started, 3),
    )


# -- Postgres -------------------------------------------------------------------------------


def ensure_reader_role(wh: Any, role: str = READER_ROLE, member: str = DASHBOARD_ROLE) -> None:
    """Create the read-only group role and the dashboard's login member once (idempotent).

    The group role is normally created by the build (security_setup); creating it here too lets
    a publish run first. The member gets the all-rows scope where row scopes exist
    (trendcast.security), and no password: the server's authentication rules decide who may log
    in as it. Both are read-only by default (`default_transaction_read_only`), on top of holding
    SELECT grants only.
    """
    from trendcast import security

    ident(role)
    ident(member)
    if not security.role_exists(wh, role):
        try:
            wh.execute(f"create role {role} nologin")
        except Exception as exc:  # another build created it meanwhile (roles are server-wide)
            if not security.role_exists(wh, role):
                raise WarehouseError(f"cannot create role {role}: {exc}") from exc
    if wh.table_exists("security", "reader_scopes"):
        security.add_tenant(wh, member, [security.Scope(security.ALL, security.ALL)])
    elif not security.role_exists(wh, member):
        wh.execute(f"create role {member} login in role {role}")
    for name in (role, member):
        wh.execute(f"alter role {name} set default_transaction_read_only = on")


def _grant_reader(settings: Settings, role: str = READER_ROLE) -> PublishResult:
    started = time.perf_counter()
    with connect(settings) as wh:
        ensure_reader_role(wh, role)
        wh.execute(f"grant connect on database {ident(settings.pg_dbname)} to {role}")
        present = {
            s
            for (s,) in wh.query(
                "select schema_name from information_schema.schemata where schema_name = any(?)",
                [list(READER_SCHEMAS)],
            )
        }
        tables = 0
        for schema in sorted(present):
            wh.execute(f"grant usage on schema {schema} to {role}")
            wh.execute(f"grant select on all tables in schema {schema} to {role}")
            wh.execute(
                f"alter default privileges in schema {schema} grant select on tables to {role}"
            )
            tables += wh.scalar(
                "select count(*) from information_schema.tables where table_schema = ?", [schema]
            )
        # the landing digest, as views: the role reads counts and reasons, never raw API bodies
        if wh.table_exists("raw", "ingestion_batches") and wh.table_exists("raw", "api_responses"):
            wh.execute(f"create schema if not exists {HEALTH_SCHEMA}")
            for name, sql in HEALTH_QUERIES.items():
                wh.execute(
                    f"create or replace view {HEALTH_SCHEMA}.{name} as {sql.format(raw='raw')}"
                )
            # the registry and data-quality results without the ml schema's model internals
            for name, (needed, sql) in REGISTRY_VIEWS.items():
                if all(wh.table_exists("ml", t) for t in needed):
                    wh.execute(f"create or replace view {HEALTH_SCHEMA}.{name} as {sql}")
                    tables += 1
            wh.execute(f"grant usage on schema {HEALTH_SCHEMA} to {role}")
            wh.execute(f"grant select on all tables in schema {HEALTH_SCHEMA} to {role}")
            tables += len(HEALTH_QUERIES)
    return PublishResult(
        target="postgres",
        location=settings.describe(),
        tables=int(tables),
        rows=0,
        bytes=0,
        seconds=round(time.perf_counter() - started, 3),
        reader_role=role,
    )


if __name__ == "__main__":
    # the child of _publish_duckdb:
    # python -m trendcast.publish SOURCE TMP [PREVIOUS] [--changed JSON] [--verify-seconds S]
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("tmp", type=Path)
    parser.add_argument("previous", type=Path, nargs="?")
    parser.add_argument("--changed", type=json.loads)
    parser.add_argument("--verify-seconds", type=float, default=VERIFY_SECONDS)
    a = parser.parse_args()
    print(json.dumps(_copy(a.source, a.tmp, a.previous, a.changed, a.verify_seconds)))
