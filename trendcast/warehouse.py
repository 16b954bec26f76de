"""The one way Python reaches the warehouse: DuckDB (embedded default), Postgres or Spark.

All open from the same settings dbt uses. Bulk paths only: DuckDB ingests Arrow, Postgres gets COPY,
Spark reads and writes Arrow (trendcast/spark_warehouse.py, a `Warehouse` on the process's
SparkSession). DuckDB allows one writer per file, so a locked file becomes a clear
`WarehouseLockedError`.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pyarrow as pa

from trendcast.settings import Settings

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


class WarehouseError(RuntimeError):
    """A warehouse problem with a message a user can act on."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the DuckDB file (dbt, a scoring run, a SQL client)."""


def ident(name: str) -> str:
    """Validate a lower-case, unquoted identifier (portable to DuckDB, Postgres and Spark)."""
    if not _IDENT.match(name):
        raise WarehouseError(f"invalid identifier {name!r}: use lower-case letters, digits and _")
    return name


# Names that differ by target; every other Arrow type maps to the same SQL name on both.
_TARGET_TYPES = {
    "duckdb": {"double": "double", "text": "varchar"},
    "postgres": {"double": "double precision", "text": "text"},
}


def sql_type(dtype: pa.DataType, target: str) -> str:
    """The column type a Python-written table gets for an Arrow type, on `target`."""
    names = _TARGET_TYPES[target]
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        return "bigint"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return names["double"]
    if pa.types.is_timestamp(dtype):
        return "timestamptz" if dtype.tz else "timestamp"
    if pa.types.is_date(dtype):
        return "date"
    return names["text"]


class Warehouse:
    """A thin connection wrapper: query to pandas, execute, and idempotent bulk upserts."""

    def __init__(self, settings: Settings, conn: Any) -> None:
        self.settings = settings
        self.target = settings.target
        self.conn = conn

    # -- reading -----------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.target == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        if self.target == "duckdb":
            self.conn.execute(sql, params or [])
        else:
            with self.conn.cursor() as cur:
                cur.execute(self._sql(sql), params or None)

    def query_df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        if self.target == "duckdb":
            return self.conn.execute(sql, params or []).df()
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), params or None)
            if cur.description is None:
                return pd.DataFrame()
            cols = [d.name for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=cols)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        if self.target == "duckdb":
            return self.conn.execute(sql, params or []).fetchall()
        with self.conn.cursor() as cur:
            cur.execute(self._sql(sql), params or None)
            return cur.fetchall() if cur.description is not None else []

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.scalar(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            )
        )

    def columns(self, schema: str, table: str) -> list[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        )
        return [r[0] for r in rows]

    def training_df(
        self,
        sql: str,
        params: Sequence[Any] | None,
        key_columns: Sequence[str],
        max_rows: int | None = None,
    ) -> pd.DataFrame:
        """Rows to train on, in the query's order. On DuckDB and Postgres every row (the process
        reads them locally anyway); on Spark, where they cross to the driver, at most
        TRENDCAST_SPARK_MAX_TRAIN_ROWS, sampled by the hash of `key_columns` beyond it."""
        return self.query_df(sql, params)

    def series_df(
        self,
        sql: str,
        params: Sequence[Any] | None,
        time_column: str,
        max_rows: int | None = None,
    ) -> pd.DataFrame:
        """A time series to fit on, in `time_column` order. On DuckDB and Postgres every row; on
        Spark at most TRENDCAST_SPARK_MAX_TRAIN_ROWS, the latest ones beyond it (a contiguous
        tail: lags and rolling windows need consecutive buckets, which a sample would break)."""
        return self.query_df(sql, params)

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a batch lands whole or not at all."""
        if self.target == "duckdb":
            self.conn.execute("begin transaction")
            try:
                yield
            except BaseException:
                self.conn.execute("rollback")
                raise
            self.conn.execute("commit")
        else:
            with self.conn.transaction():
                yield

    # -- deleting by key (the domain extraction's replaced mentions) ----------------------------
    def delete_keys(
        self,
        schema: str,
        table: str,
        column: str,
        keys_sql: str,
        params: Sequence[Any] | None = None,
    ) -> None:
        """Delete the rows whose `column` is among the values the query `keys_sql` selects (one
        column). A method rather than a DELETE statement because Spark's Parquet tables have none:
        SparkWarehouse rewrites the table without those rows."""
        self.execute(
            f"delete from {ident(schema)}.{ident(table)} where {ident(column)} in ({keys_sql})",
            params,
        )

    # -- writing -----------------------------------------------------------------------------
    def write_df(
        self,
        df: pd.DataFrame | pa.Table,
        schema: str,
        table: str,
        key_columns: Sequence[str] | None = None,
    ) -> int:
        """Idempotent bulk upsert: create if missing, delete rows with the same keys, insert.

        Columns the table lacks are added (schema evolution for Python-written tables); columns the
        frame lacks are left NULL.
        """
        arrow = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
        schema, table = ident(schema), ident(table)
        names = [ident(c) for c in arrow.column_names]
        with self.transaction():
            self.execute(f"create schema if not exists {schema}")
            if not self.table_exists(schema, table):
                cols = ", ".join(
                    f"{n} {sql_type(arrow.schema.field(n).type, self.target)}" for n in names
                )
                self.execute(f"create table {schema}.{table} ({cols})")
            else:
                existing = set(self.columns(schema, table))
                for n in names:
                    if n not in existing:
                        kind = sql_type(arrow.schema.field(n).type, self.target)
                        self.execute(f"alter table {schema}.{table} add column {n} {kind}")
            if arrow.num_rows == 0:
                return 0
            keys = [ident(k) for k in key_columns or []]
            if self.target == "duckdb":
                self.conn.register("_tc_incoming", arrow)
                try:
                    if keys:
                        match = " and ".join(f"t.{k} is not distinct from i.{k}" for k in keys)
                        self.conn.execute(
                            f"delete from {schema}.{table} as t where exists "
                            f"(select 1 from _tc_incoming as i where {match})"
                        )
                    col_list = ", ".join(names)
                    self.conn.execute(
                        f"insert into {schema}.{table} ({col_list}) "
                        f"select {col_list} from _tc_incoming"
                    )
                finally:
                    self.conn.unregister("_tc_incoming")
            else:
                self._pg_upsert(arrow, schema, table, names, keys)
        return arrow.num_rows

    def _pg_upsert(
        self, arrow: pa.Table, schema: str, table: str, names: list[str], keys: list[str]
    ) -> None:
        col_list = ", ".join(names)
        with self.conn.cursor() as cur:
            cur.execute(
                f"create temp table _tc_incoming on commit drop as "
                f"select {col_list} from {schema}.{table} with no data"
            )
            copy_arrow_to_postgres(cur, arrow, "_tc_incoming", names)
            if keys:
                match = " and ".join(f"t.{k} is not distinct from i.{k}" for k in keys)
                cur.execute(
                    f"delete from {schema}.{table} as t using _tc_incoming as i where {match}"
                )
            cur.execute(
                f"insert into {schema}.{table} ({col_list}) select {col_list} from _tc_incoming"
            )
            cur.execute("drop table _tc_incoming")


def copy_arrow_to_postgres(cur: Any, arrow: pa.Table, table: str, names: list[str]) -> None:
    """Stream an Arrow table through `COPY ... FROM STDIN (FORMAT csv)` in chunks."""
    import pyarrow.csv as pacsv

    col_list = ", ".join(names)
    sql = f"copy {table} ({col_list}) from stdin with (format csv, header false, null '')"
    # An empty string and NULL must stay apart: arrow writes NULL as nothing and "" as "".
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with cur.copy(sql) as copy:
        for batch in arrow.to_batches(max_chunksize=50_000):
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf, write_options=options)
            copy.write(buf.getvalue())


def _connect_duckdb(settings: Settings, read_only: bool) -> Any:
    import duckdb

    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(str(settings.duckdb_path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseLockedError(
                f"the DuckDB file {settings.duckdb_path} is in use by another process "
                "(dbt, a scoring run or a SQL client). DuckDB allows one writer per file: "
                "close the other process and run again."
            ) from exc
        raise
    conn.execute("set timezone = 'UTC'")
    # same cap as profiles.yml (DuckDB's default when unset)
    limit = os.environ.get("TRENDCAST_DUCKDB_MEMORY_LIMIT")
    if limit:
        conn.execute(f"set memory_limit = '{limit}'")
    return conn


def _connect_postgres(settings: Settings) -> Any:
    import psycopg

    try:
        return psycopg.connect(
            host=settings.pg_host,
            port=settings.pg_port,
            user=settings.pg_user,
            password=settings.pg_password or None,
            dbname=settings.pg_dbname,
            # work_mem: the same session memory dbt's models get (macro session_settings)
            options=f"-c timezone=UTC -c work_mem={os.environ.get('TRENDCAST_PG_WORK_MEM', '256MB')}",
            connect_timeout=5,
            autocommit=True,
        )
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise WarehouseError(
            f"cannot reach Postgres at {settings.describe()}: {first}. "
            "Set TRENDCAST_PG_HOST/PORT/USER/PASSWORD/DBNAME or use --target duckdb."
        ) from exc


@contextmanager
def connect(
    settings: Settings | None = None,
    *,
    target: str | None = None,
    read_only: bool = False,
    spark_ready: bool = False,
) -> Iterator[Warehouse]:
    """Open the configured warehouse; the connection is closed on exit.

    On the spark target only a caller that says it runs there (`spark_ready=True`: a stage whose
    queries and writes are tested on Spark, docs/SPARK.md) gets a `SparkWarehouse`; every other
    command stops with a clear error rather than failing on the first statement Spark lacks.
    """
    settings = settings or Settings.from_env(target)
    if settings.target == "spark":
        if not spark_ready:
            raise WarehouseError(
                "this command does not run on the spark target yet: Spark builds the warehouse "
                "(trendcast load, trendcast build) and runs the YouTube virality model's train "
                "and score, the post-count forecaster (forecast, backtest posts, the actuals "
                "backfill) and the domain extraction and enrichment; the other Python stages "
                "read DuckDB or Postgres "
                "(docs/SPARK.md says what runs where)"
            )
        # the process's SparkSession, shared with the landing and dbt-spark: left open on exit
        from trendcast.spark_warehouse import connect_spark

        yield connect_spark(settings)
        return
    if settings.target == "duckdb":
        conn = _connect_duckdb(settings, read_only)
    else:
        conn = _connect_postgres(settings)
    try:
        yield Warehouse(settings, conn)
    finally:
        conn.close()
