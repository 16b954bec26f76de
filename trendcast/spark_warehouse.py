"""The `Warehouse` of the spark target: the Python stages read marts and write `ml.*` on Spark.

`trendcast.warehouse.connect()` returns a `SparkWarehouse` for `--target spark`. It runs on the
process's SparkSession (`trendcast.spark.spark_session()`: the landing's, which dbt-spark's
session method reuses too), so a stage after `trendcast build` in one process adds no session.

- **Reading**: `spark.sql(...).toArrow()`, then pandas. `?` parameters are Spark's own
  positional parameter markers (`spark.sql(sql, args=[...])`, PySpark 3.5 and later): values are
  bound as typed literals by Spark, never formatted into the SQL text.
- **Driver bound**: `training_df()` pulls at most `TRENDCAST_SPARK_MAX_TRAIN_ROWS` rows (default
  500,000) to the driver for training; beyond it, a deterministic sample (the rows with the
  smallest `xxhash64` of the key), with the sample size logged and kept on the frame
  (`df.attrs["sample"]`).
- **Writing**: `write_df()` has the upsert semantics of the DuckDB and Postgres paths (stored rows
  with an incoming key are replaced, others kept; no key: append; new columns added). Parquet
  has no DELETE, so, as the dbt macros do on Spark, a write is a rewrite: the kept stored rows
  plus the incoming ones are written as a new version folder of the table, then the table's
  location is switched to it in one catalog update (`alter table ... set location`).
- **Atomicity**: a reader sees the table before or after a `write_df`, never a half-written
  one (the version it reads is complete before the switch). There are no transactions:
  `transaction()` groups nothing, so a stage that writes two tables and fails between them
  leaves the first written (every write is an idempotent upsert, so a rerun completes it).
  The two newest versions of a table are kept, so a reader that resolved the table just before
  a switch still finds its files; older versions are deleted.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.settings import Settings, SettingsError
from trendcast.warehouse import Warehouse, WarehouseError, ident

log = logging.getLogger(__name__)

MAX_TRAIN_ROWS_ENV = "TRENDCAST_SPARK_MAX_TRAIN_ROWS"
DEFAULT_MAX_TRAIN_ROWS = 500_000
# where Python-written tables keep their versions, under spark.sql.warehouse.dir
TABLES_DIR = "python_tables"
KEEP_VERSIONS = 2


def max_train_rows() -> int:
    """The bound on rows pulled to the driver for training (TRENDCAST_SPARK_MAX_TRAIN_ROWS)."""
    raw = os.environ.get(MAX_TRAIN_ROWS_ENV, "")
    if raw == "":
        return DEFAULT_MAX_TRAIN_ROWS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise SettingsError(f"{MAX_TRAIN_ROWS_ENV} must be a positive whole number, got {raw!r}")
    return value


def spark_type(dtype: pa.DataType) -> str:
    """The Spark column type a Python-written table gets for an Arrow type."""
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        return "bigint"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "double"
    if pa.types.is_timestamp(dtype):
        return "timestamp" if dtype.tz else "timestamp_ntz"
    if pa.types.is_date(dtype):
        return "date"
    return "string"


def _arrow_for_spark(arrow: pa.Table) -> pa.Table:
    """The frame with one Arrow type per Spark column type (bigint, double, string, UTC, ...)."""
    columns, fields = [], []
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        kind = spark_type(column.type)
        target = {
            "boolean": pa.bool_(),
            "bigint": pa.int64(),
            "double": pa.float64(),
            "timestamp": pa.timestamp("us", tz="UTC"),
            "timestamp_ntz": pa.timestamp("us"),
            "date": pa.date32(),
            "string": pa.string(),
        }[kind]
        if column.type != target:
            if kind == "string" and not (
                pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
            ):
                column = pa.array(
                    [None if v is None else str(v) for v in column.to_pylist()], pa.string()
                )
            else:
                column = column.cast(target)
        columns.append(column)
        fields.append(pa.field(name, target))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _param(value: Any) -> Any:
    """A Python value Spark binds as a literal (numpy scalars to Python, pandas to datetime)."""
    if value is None or isinstance(value, str | bool | int | float | Decimal):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime | date):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    raise WarehouseError(f"cannot bind a {type(value).__name__} as a Spark SQL parameter")


class SparkWarehouse(Warehouse):
    """`Warehouse` on a SparkSession; see the module docstring for what differs."""

    def __init__(self, settings: Settings, session: Any) -> None:
        super().__init__(settings, session)
        self.spark = session

    # -- reading -----------------------------------------------------------------------------
    def frame(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The Spark DataFrame of `sql`, its `?` markers bound to `params` by Spark."""
        if params:
            return self.spark.sql(sql, args=[_param(v) for v in params])
        return self.spark.sql(sql)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        # spark.sql runs commands (DDL, inserts) at once; a query would stay lazy, so collect
        self.frame(sql, params).collect()

    def query_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self.frame(sql, params).toArrow()

    def query_df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.query_arrow(sql, params).to_pandas()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        table = self.query_arrow(sql, params)
        columns = [c.to_pylist() for c in table.columns]
        return list(zip(*columns, strict=True)) if columns else []

    def table_exists(self, schema: str, table: str) -> bool:
        if not self.spark.catalog.databaseExists(ident(schema)):
            return False
        return bool(self.spark.catalog.tableExists(f"{schema}.{ident(table)}"))

    def columns(self, schema: str, table: str) -> list[str]:
        if not self.table_exists(schema, table):
            return []
        return [c.name for c in self.spark.catalog.listColumns(f"{schema}.{ident(table)}")]

    def training_df(
        self,
        sql: str,
        params: Sequence[Any] | None,
        key_columns: Sequence[str],
        max_rows: int | None = None,
    ) -> pd.DataFrame:
        """The rows of `sql` in its order, at most `max_rows` (TRENDCAST_SPARK_MAX_TRAIN_ROWS).

        Beyond the bound, the rows with the smallest xxhash64 of `key_columns` (ties broken by
        the key): the same rows on every run over the same data, spread over the whole range
        rather than the first or last days. The sample size is logged and kept in
        `df.attrs["sample"]`.
        """
        from pyspark.sql import functions as F

        bound = max_rows or max_train_rows()
        keys = [ident(k) for k in key_columns]
        frame = self.frame(sql, params)
        total = frame.count()
        if total <= bound:
            df = frame.toArrow().to_pandas()
            df.attrs["sample"] = {"rows": len(df), "of": total, "bound": bound}
            return df
        # the query's order is kept through a position taken before the sample's own sort
        # (a non-deterministic column, so the optimizer cannot drop the query's sort)
        picked = (
            frame.withColumn("_tc_pos", F.monotonically_increasing_id())
            .withColumn("_tc_hash", F.xxhash64(*[F.col(k) for k in keys]))
            .orderBy("_tc_hash", *keys)
            .limit(bound)
        )
        arrow = picked.toArrow()
        arrow = arrow.take(pc.sort_indices(arrow, [("_tc_pos", "ascending")]))
        df = arrow.drop_columns(["_tc_pos", "_tc_hash"]).to_pandas()
        log.warning(
            "pulled a sample of %d of %d rows to the driver (%s=%d; the rows with the smallest "
            "hash of %s)",
            len(df),
            total,
            MAX_TRAIN_ROWS_ENV,
            bound,
            ", ".join(keys),
        )
        df.attrs["sample"] = {"rows": len(df), "of": total, "bound": bound}
        return df

    # -- the bound for a time series (the post-count forecaster) ------------------------------
    def series_df(
        self,
        sql: str,
        params: Sequence[Any] | None,
        time_column: str,
        max_rows: int | None = None,
    ) -> pd.DataFrame:
        """The rows of `sql` in `time_column` order, at most `max_rows`
        (TRENDCAST_SPARK_MAX_TRAIN_ROWS): beyond the bound, the latest ones.

        A series is not sampled by hash as `training_df` samples examples: the forecaster's lags
        and rolling windows need consecutive buckets, and it fits on a trailing window, so the
        tail is what it would use. The size is logged and kept in `df.attrs["sample"]`.
        """
        from pyspark.sql import functions as F

        bound = max_rows or max_train_rows()
        column = ident(time_column)
        frame = self.frame(sql, params)
        total = frame.count()
        if total > bound:
            frame = frame.orderBy(F.col(column).desc()).limit(bound)
        arrow = frame.toArrow()
        arrow = arrow.take(pc.sort_indices(arrow, [(column, "ascending")]))
        df = arrow.to_pandas()
        if total > bound:
            log.warning(
                "pulled the latest %d of %d rows of a series to the driver (%s=%d)",
                len(df),
                total,
                MAX_TRAIN_ROWS_ENV,
                bound,
            )
        df.attrs["sample"] = {"rows": len(df), "of": total, "bound": bound}
        return df

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Groups nothing: Parquet tables have no transactions (each `write_df` is atomic on its
        own, by a location switch; the module docstring says what that covers)."""
        yield

    # -- writing -----------------------------------------------------------------------------
    def write_df(
        self,
        df: pd.DataFrame | pa.Table,
        schema: str,
        table: str,
        key_columns: Sequence[str] | None = None,
    ) -> int:
        """The DuckDB/Postgres upsert by rewrite: stored rows whose key comes again are replaced,
        the others kept; without keys the rows are appended; missing columns are added.

        The new content is written as a new version folder, then the table's location is switched
        to it: one catalog update, so a reader sees the old rows or the new ones.
        """
        from pyspark.sql import functions as F

        arrow = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
        schema, table = ident(schema), ident(table)
        for name in arrow.column_names:
            ident(name)
        keys = [ident(k) for k in key_columns or []]
        arrow = _arrow_for_spark(arrow)
        full = f"{schema}.{table}"
        self.spark.sql(f"create database if not exists {schema}")
        exists = self.table_exists(schema, table)
        if exists:
            stored = set(self.columns(schema, table))
            added = [n for n in arrow.column_names if n not in stored]
            if added:
                cols = ", ".join(f"{n} {spark_type(arrow.schema.field(n).type)}" for n in added)
                self.spark.sql(f"alter table {full} add columns ({cols})")
            if arrow.num_rows == 0:
                return 0
            table_schema = self.spark.table(full).schema
            incoming = self._incoming(arrow)
            aligned = incoming.select(
                *[
                    (F.col(f.name) if f.name in arrow.column_names else F.lit(None))
                    .cast(f.dataType)
                    .alias(f.name)
                    for f in table_schema.fields
                ]
            )
            current = self.spark.table(full)
            if keys:
                match = reduce(
                    lambda a, b: a & b,
                    [F.col(f"_s.{k}").eqNullSafe(F.col(f"_i.{k}")) for k in keys],
                )
                current = current.alias("_s").join(
                    aligned.select(*keys).distinct().alias("_i"), match, "left_anti"
                )
            content = current.unionByName(aligned)
        else:
            content = self._incoming(arrow)
        columns = None
        if not exists:
            columns = ", ".join(
                f"{n} {spark_type(arrow.schema.field(n).type)}" for n in arrow.column_names
            )
        self._publish(schema, table, content, columns)
        return arrow.num_rows

    def _publish(self, schema: str, table: str, content: Any, columns: str | None = None) -> None:
        """Write `content` (a Spark DataFrame) as a new version folder of schema.table and switch
        the table to it: one catalog update (`columns`: the DDL to create a table that does not
        exist yet). The two newest versions are kept."""
        full = f"{schema}.{table}"
        location = self._new_version(schema, table)
        content.write.mode("errorifexists").parquet(location)
        if columns is None:
            self.spark.sql(f"alter table {full} set location '{_quote(location)}'")
        else:
            self.spark.sql(
                f"create table {full} ({columns}) using parquet location '{_quote(location)}'"
            )
        self.spark.catalog.refreshTable(full)
        self._drop_old_versions(schema, table)

    # -- deleting by key (the domain extraction's replaced mentions) ----------------------------
    def delete_keys(
        self,
        schema: str,
        table: str,
        column: str,
        keys_sql: str,
        params: Sequence[Any] | None = None,
    ) -> None:
        """`Warehouse.delete_keys` by rewrite, as `write_df` writes: the rows whose `column` is
        not among the keys (an anti-join, so NULLs are kept as a DELETE keeps them) become a new
        version of the table, then the table is switched to it. A table that does not exist has
        nothing to delete."""
        schema, table, column = ident(schema), ident(table), ident(column)
        if not self.table_exists(schema, table):
            return
        full = f"{schema}.{table}"
        kept = self.frame(
            f"select t.* from {full} as t where not exists (select 1 from ({keys_sql}) "
            f"as _tc_keys(_tc_key) where _tc_keys._tc_key = t.{column})",
            params,
        )
        self._publish(schema, table, kept)

    def _incoming(self, arrow: pa.Table) -> Any:
        """The Arrow rows as a Spark DataFrame with an explicit schema (no inference)."""
        from pyspark.sql.types import StructType, _parse_datatype_string

        fields = ", ".join(
            f"{n}: {spark_type(arrow.schema.field(n).type)}" for n in arrow.column_names
        )
        schema = _parse_datatype_string(f"struct<{fields}>")
        assert isinstance(schema, StructType)
        return self.spark.createDataFrame(arrow, schema=schema)

    # -- versions of Python-written tables ---------------------------------------------------
    def _table_root(self, schema: str, table: str) -> str:
        base = self.spark.conf.get("spark.sql.warehouse.dir").rstrip("/")
        return f"{base}/{TABLES_DIR}/{schema}/{table}"

    def _new_version(self, schema: str, table: str) -> str:
        # sortable by age: the nanosecond clock, then a random suffix
        return f"{self._table_root(schema, table)}/v{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"

    def _fs(self, path: str) -> tuple[Any, Any]:
        jvm = self.spark._jvm
        hpath = jvm.org.apache.hadoop.fs.Path(path)
        return hpath.getFileSystem(self.spark._jsc.hadoopConfiguration()), hpath

    def versions(self, schema: str, table: str) -> list[str]:
        """The version folders of a Python-written table, oldest first."""
        fs, root = self._fs(self._table_root(schema, table))
        if not fs.exists(root):
            return []
        names = [s.getPath().getName() for s in fs.listStatus(root) if s.isDirectory()]
        return sorted(n for n in names if n.startswith("v"))

    def _drop_old_versions(self, schema: str, table: str) -> None:
        root = self._table_root(schema, table)
        for name in self.versions(schema, table)[:-KEEP_VERSIONS]:
            fs, path = self._fs(f"{root}/{name}")
            fs.delete(path, True)


def _quote(text: str) -> str:
    """A path inside a single-quoted Spark SQL string literal."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def connect_spark(settings: Settings) -> SparkWarehouse:
    """The process's SparkSession (created with spark_conf() on first use) as a Warehouse."""
    from trendcast.spark import spark_session

    return SparkWarehouse(settings, spark_session())
