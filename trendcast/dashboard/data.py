"""What the dashboard shows, as plain queries over the published warehouse (no Streamlit here).

Every number on a page comes from one function below, so the browser tests can compare the page
with the same SQL run directly. Readers never open the working DuckDB file: on DuckDB they open
the published copy read-only, and reopen it for every page render so a publish (an atomic rename)
is picked up on the next click; on Postgres they connect as the read-only role.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from trendcast.publish import DASHBOARD_ROLE, published_path
from trendcast.settings import Settings

# Data arriving later than this after the API call, or a source silent for longer, is "late".
DEFAULT_SLA_HOURS = 24.0


class NotPublishedError(RuntimeError):
    """Nothing to read yet: the published copy does not exist."""


@dataclass(frozen=True)
class Filters:
    """The sidebar filters. `None` means "all"."""

    start: date | None = None
    end: date | None = None
    region: str | None = None
    platform: str | None = None

    def date_bounds(self) -> tuple[str, str]:
        """Inclusive start, exclusive end as ISO dates (a wide range when unset)."""
        start = self.start or date(1970, 1, 1)
        end = (self.end or date(9999, 12, 30)) + timedelta(days=1)
        return start.isoformat(), end.isoformat()


class Reader:
    """A read-only connection to what readers may see."""

    def __init__(self, target: str, conn: Any) -> None:
        self.target = target
        self.conn = conn

    def df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        if self.target == "duckdb":
            return self.conn.execute(sql, list(params or [])).df()
        with self.conn.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), list(params or []) or None)
            cols = [d.name for d in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=cols)
        # Postgres numeric arrives as Decimal: the same float columns DuckDB gives
        for col in frame.columns:
            first = frame[col].dropna()
            if len(first) and isinstance(first.iloc[0], Decimal):
                frame[col] = frame[col].astype(float)
        return frame

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        frame = self.df(sql, params)
        if frame.empty:
            return None
        value = frame.iat[0, 0]
        return None if pd.isna(value) else value

    def has(self, schema: str, table: str) -> bool:
        return bool(
            self.scalar(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            )
        )

    def tables_like(self, pattern: str) -> list[tuple[str, str]]:
        frame = self.df(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema || '.' || table_name like ? order by 1, 2",
            [pattern],
        )
        return list(frame.itertuples(index=False, name=None))


def reader_settings() -> tuple[Settings, Path]:
    settings = Settings.from_env()
    return settings, published_path(settings)


@contextmanager
def open_reader(settings: Settings | None = None, path: Path | None = None) -> Iterator[Reader]:
    """Open the published DuckDB file read-only, or Postgres as the reader role."""
    if settings is None:
        settings, default_path = reader_settings()
        path = path or default_path
    if settings.target == "duckdb":
        import duckdb

        path = path or published_path(settings)
        if not path.exists():
            raise NotPublishedError(
                f"no published warehouse at {path}: run `trendcast run` or `trendcast publish`"
            )
        conn = duckdb.connect(str(path), read_only=True)
    else:
        import psycopg

        conn = psycopg.connect(
            host=settings.pg_host,
            port=settings.pg_port,
            user=os.environ.get("TRENDCAST_READER_USER", DASHBOARD_ROLE),
            password=os.environ.get("TRENDCAST_READER_PASSWORD") or None,
            dbname=settings.pg_dbname,
            options="-c timezone=UTC -c default_transaction_read_only=on",
            connect_timeout=5,
            autocommit=True,
        )
    try:
        yield Reader(settings.target, conn)
    finally:
        conn.close()


# -- the rows a page reads -------------------------------------------------------------------


# The sidebar filter a mart answers, and the mart column it filters.
FILTER_COLUMNS = {"region": "region_code", "platform": "platform"}


@dataclass(frozen=True)
class Scope:
    """The rows of one mart that the sidebar selects: the date range on `time_column` and, when
    the mart has one, the region or platform filter (`filter_by`). Pages read a mart's rows and
    its headline count through the same scope, so the number above a table always counts the
    table's rows."""

    schema: str
    table: str
    time_column: str
    time_type: str = "timestamp"
    filter_by: str | None = None
    # rows without a value (a hashtag has no region) pass every choice of the filter
    keep_unfiltered: bool = False

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def where(self, f: Filters) -> tuple[str, list[Any]]:
        """The SQL condition selecting the scope's rows, with its parameters."""
        lo, hi = f.date_bounds()
        column, kind = self.time_column, self.time_type
        sql = f"{column} >= cast(? as {kind}) and {column} < cast(? as {kind})"
        params: list[Any] = [lo, hi]
        if self.filter_by is not None:
            value = getattr(f, self.filter_by)
            filtered = FILTER_COLUMNS[self.filter_by]
            unfiltered = f" or {filtered} is null" if self.keep_unfiltered else ""
            sql += f" and (cast(? as varchar) is null or {filtered} = ?{unfiltered})"
            params += [value, value]
        return sql, params


def scoped_frame(r: Reader, f: Filters, scope: Scope, sql: str, *extra: Any) -> pd.DataFrame:
    """`sql` with {table} and {where} filled in from the scope (then `extra` parameters, in that
    order); an empty frame while the mart is not built yet."""
    if not r.has(scope.schema, scope.table):
        return pd.DataFrame()
    where, params = scope.where(f)
    return r.df(sql.format(table=scope.name, where=where), [*params, *extra])


def scoped_count(r: Reader, f: Filters, scope: Scope, aggregate: str = "count(*)") -> int:
    """`aggregate` over the scope's rows; 0 while the mart is not built yet."""
    frame = scoped_frame(r, f, scope, f"select {aggregate} from {{table}} where {{where}}")
    if frame.empty or pd.isna(frame.iat[0, 0]):
        return 0
    return int(frame.iat[0, 0])


# -- filter choices ---------------------------------------------------------------------------


def date_extent(r: Reader) -> tuple[date | None, date | None]:
    """First and last day with predictions, forecasts or backtests: the default range."""
    parts = []
    if r.has("ml_marts", "trending_predictions"):
        parts.append(
            "select min(as_of_date) as lo, max(as_of_date) as hi from ml_marts.trending_predictions"
        )
    if r.has("ml_marts", "trend_virality_predictions"):
        parts.append(
            "select cast(min(as_of_at) as date), cast(max(as_of_at) as date) "
            "from ml_marts.trend_virality_predictions"
        )
    if r.has("ml_marts", "account_post_forecasts"):
        parts.append(
            "select cast(min(target_time) as date), cast(max(target_time) as date) "
            "from ml_marts.account_post_forecasts"
        )
    if r.has("forecasting", "forecast_accuracy"):
        parts.append(
            "select min(forecast_date), max(forecast_date) from forecasting.forecast_accuracy"
        )
    if not parts:
        return None, None
    frame = r.df(f"select min(lo), max(hi) from ({' union all '.join(parts)}) as e")
    lo, hi = frame.iat[0, 0], frame.iat[0, 1]
    as_date = lambda v: None if pd.isna(v) else pd.Timestamp(v).date()  # noqa: E731
    return as_date(lo), as_date(hi)


def regions(r: Reader) -> list[str]:
    if not r.has("ml_marts", "trending_predictions"):
        return []
    frame = r.df(
        "select distinct region_code from ml_marts.trending_predictions "
        "where region_code is not null order by 1"
    )
    return frame["region_code"].tolist()


PLATFORMS = ["youtube", "tiktok", "mastodon", "x", "platform"]


# -- Trending now -----------------------------------------------------------------------------


YOUTUBE_PREDICTIONS = Scope("ml_marts", "trending_predictions", "as_of_date", "date", "region")
TIKTOK_PREDICTIONS = Scope(
    "ml_marts", "trend_virality_predictions", "as_of_at", filter_by="region", keep_unfiltered=True
)


def youtube_predictions(r: Reader, f: Filters, limit: int = 10) -> pd.DataFrame:
    """The day's top predicted chart entries per country (latest day in the range)."""
    if f.platform not in (None, "youtube"):
        return pd.DataFrame()
    return scoped_frame(
        r,
        f,
        YOUTUBE_PREDICTIONS,
        "with scoped as (select * from {table} where {where}), "
        "latest as (select region_code, max(as_of_date) as as_of_date from scoped group by 1) "
        "select s.region_code, s.as_of_date, s.score_rank_in_day, s.score, s.video_id, "
        "s.chart_rank, s.view_count, s.video_age_hours, s.persists_2d "
        "from scoped s join latest l on s.region_code = l.region_code "
        "and s.as_of_date = l.as_of_date where s.score_rank_in_day <= ? "
        "order by s.region_code, s.score_rank_in_day, s.video_id",
        limit,
    )


def youtube_scored_count(r: Reader, f: Filters) -> int:
    """Chart entries scored in the range (and region): the page's headline number."""
    if f.platform not in (None, "youtube"):
        return 0
    return scoped_count(r, f, YOUTUBE_PREDICTIONS)


def tiktok_predictions(r: Reader, f: Filters, limit: int = 10) -> pd.DataFrame:
    """The top TikTok hashtags and videos of each virality task, with their reasons."""
    if f.platform not in (None, "tiktok"):
        return pd.DataFrame()
    return scoped_frame(
        r,
        f,
        TIKTOK_PREDICTIONS,
        "select task, entity_type, entity_name, region_code, as_of_at, score_rank, score, "
        "top_feature_1, top_value_1, top_contribution_1, top_feature_2, top_value_2, "
        "top_feature_3, top_value_3 "
        "from {table} where {where} "
        "and score_rank <= ? order by task, score_rank, entity_id",
        limit,
    )


def tiktok_scored_count(r: Reader, f: Filters) -> int:
    if f.platform not in (None, "tiktok"):
        return 0
    return scoped_count(r, f, TIKTOK_PREDICTIONS)


# -- Forecasts --------------------------------------------------------------------------------


def forecast_accounts(r: Reader) -> list[str]:
    if not r.has("ml_marts", "account_post_forecasts"):
        return []
    return r.df("select distinct account from ml_marts.account_post_forecasts order by 1")[
        "account"
    ].tolist()


def forecast_buckets(r: Reader, f: Filters, account: str, granularity: str) -> pd.DataFrame:
    return scoped_frame(
        r,
        f,
        Scope("ml_marts", "account_post_forecasts", "target_time"),
        "select target_time, model_name, predicted_count, predicted_mean, lower_bound_95, "
        "upper_bound_95, actual_count, is_gap, is_within_interval "
        "from {table} where {where} and account = ? and granularity = ? "
        "order by target_time",
        account,
        granularity,
    )


HISTORY = {
    "hourly": ("fct_post_counts_hourly", "bucket_start", "7 days"),
    "daily": ("fct_post_counts_daily", "bucket_start", "56 days"),
}


def recent_actuals(r: Reader, account: str, granularity: str, before: Any) -> pd.DataFrame:
    """Observed counts in the weeks before the forecast origin, drawn left of the fan."""
    table, column, span = HISTORY[granularity]
    if before is None or not r.has("forecasting", table):
        return pd.DataFrame(columns=["target_time", "actual_count"])
    origin = pd.Timestamp(before)
    origin = origin.tz_localize("UTC") if origin.tzinfo is None else origin.tz_convert("UTC")
    start = origin - pd.Timedelta(span)
    return r.df(
        f"select {column} as target_time, cast(post_count as double precision) as actual_count "
        f"from forecasting.{table} where account = ? "
        f"and {column} >= cast(? as timestamp) and {column} < cast(? as timestamp) "
        f"order by {column}",
        [account, start.strftime("%Y-%m-%d %H:%M:%S"), origin.strftime("%Y-%m-%d %H:%M:%S")],
    )


def backtest_accuracy(r: Reader, f: Filters, account: str) -> pd.DataFrame:
    """MAE, RMSE and 95% coverage per model and granularity, recomputed from the mart's sums."""
    return scoped_frame(
        r,
        f,
        Scope("forecasting", "forecast_accuracy", "forecast_date", "date"),
        "select model_name, granularity, sum(n_scored) as buckets, "
        "sum(sum_abs_error) / nullif(sum(n_scored), 0) as mae, "
        "sqrt(sum(sum_sq_error) / nullif(sum(n_scored), 0)) as rmse, "
        "cast(sum(n_covered) as double precision) / nullif(sum(n_scored), 0) as coverage_95 "
        "from {table} where {where} and run_type = 'backtest' and account = ? "
        "group by model_name, granularity order by granularity, mae",
        account,
    )


# -- Platform ---------------------------------------------------------------------------------


PLATFORM_MARTS = {
    "Creator tiers": ("analytics", "creator_tier_analysis", "creator_tier"),
    "Discovery sources": ("analytics", "discovery_source_effectiveness", "discovery_source"),
    "Feed positions": ("analytics", "feed_position_impact", "discovery_source, position_in_feed"),
}


def platform_table(r: Reader, name: str) -> pd.DataFrame:
    schema, table, order = PLATFORM_MARTS[name]
    if not r.has(schema, table):
        return pd.DataFrame()
    return r.df(f"select * from {schema}.{table} order by {order}")


def trending_content(r: Reader, f: Filters, limit: int = 20) -> pd.DataFrame:
    return scoped_frame(
        r,
        f,
        Scope("analytics", "trending_content", "as_of_at"),
        "select as_of_at, window_hours, content_id, category, creator_id, views_in_window, "
        "unique_viewers_in_window, interactions_in_window, score_in_window "
        "from {table} where {where} "
        "order by score_in_window desc, content_id limit ?",
        limit,
    )


def total_impressions(r: Reader) -> int:
    if not r.has("analytics", "discovery_source_effectiveness"):
        return 0
    return int(
        r.scalar("select sum(impressions) from analytics.discovery_source_effectiveness") or 0
    )


# -- Hashtags and domains ---------------------------------------------------------------------


HASHTAG_METRICS = Scope("trends", "hashtag_metrics", "as_of_at", filter_by="platform")


def hashtag_activity(r: Reader, f: Filters, limit: int = 20) -> pd.DataFrame:
    """The most viewed hashtags in the range, per platform."""
    return scoped_frame(
        r,
        f,
        HASHTAG_METRICS,
        "select platform, hashtag_name, max(view_count) as views, max(video_count) as posts, "
        "max(creator_count) as creators, max(as_of_at) as last_seen_at "
        "from {table} where {where} "
        "group by platform, hashtag_name order by views desc nulls last, hashtag_name limit ?",
        limit,
    )


def active_hashtags(r: Reader, f: Filters) -> int:
    return scoped_count(r, f, HASHTAG_METRICS, "count(distinct hashtag_id)")


# Mart areas built by the Mastodon and domain pipelines, found by name when they exist.
LATER_MARTS = {
    "Mastodon trending": "%mastodon%",
    "Domains": "domains.%",
}


def later_marts(r: Reader) -> dict[str, list[tuple[str, str]]]:
    found = {}
    for title, pattern in LATER_MARTS.items():
        found[title] = [
            (s, t)
            for s, t in r.tables_like(pattern)
            if s not in ("staging", "intermediate", "raw", "landing")
        ]
    return found


def preview(r: Reader, schema: str, table: str, limit: int = 20) -> pd.DataFrame:
    from trendcast.warehouse import ident

    return r.df(f"select * from {ident(schema)}.{ident(table)} limit {int(limit)}")


# -- Data health ------------------------------------------------------------------------------


def records_by_status(r: Reader, f: Filters) -> pd.DataFrame:
    """Landed API calls per source and status (the published landing digest)."""
    if not r.has("landing", "records_by_status"):
        return pd.DataFrame()
    return r.df(
        "select source, processing_status, records, first_fetched_at, last_fetched_at, "
        "last_loaded_at from landing.records_by_status "
        "where (cast(? as varchar) is null or source = ?) order by source, processing_status",
        [f.platform, f.platform],
    )


def status_totals(r: Reader, f: Filters) -> dict[str, int]:
    frame = records_by_status(r, f)
    if frame.empty:
        return {}
    return {k: int(v) for k, v in frame.groupby("processing_status")["records"].sum().items()}


def batch_count(r: Reader) -> int:
    if not r.has("landing", "ingestion_batches"):
        return 0
    return int(r.scalar("select count(*) from landing.ingestion_batches") or 0)


def failed_lines(r: Reader, f: Filters, limit: int = 50) -> pd.DataFrame:
    if not r.has("landing", "failed_lines"):
        return pd.DataFrame()
    return r.df(
        "select source, endpoint, batch_id, line_no, error_message, raw_line_head "
        "from landing.failed_lines where (cast(? as varchar) is null or source = ?) "
        "order by loaded_at desc, batch_id, line_no limit ?",
        [f.platform, f.platform, limit],
    )


def freshness(r: Reader, sla_hours: float = DEFAULT_SLA_HOURS) -> pd.DataFrame:
    """Per source: last data, and whether the newest processed call is within the SLA of the
    newest call landed overall (the data's own clock: samples are historical)."""
    if not r.has("landing", "records_by_status"):
        return pd.DataFrame()
    frame = r.df(
        "select source, max(last_fetched_at) as last_fetched_at, "
        "max(last_loaded_at) as last_loaded_at from landing.records_by_status "
        "where processing_status = 'processed' group by source order by source"
    )
    if frame.empty:
        return frame
    fetched = pd.to_datetime(frame["last_fetched_at"], utc=True)
    newest = fetched.max()
    frame["hours_behind_newest"] = ((newest - fetched).dt.total_seconds() / 3600).round(1)
    frame["within_sla"] = frame["hours_behind_newest"] <= sla_hours
    return frame


def quality_checks(r: Reader) -> pd.DataFrame:
    # the published DuckDB copy has schema ml; Postgres readers get the landing view instead
    table = next(
        (f"{s}.data_quality_checks" for s in ("ml", "landing") if r.has(s, "data_quality_checks")),
        None,
    )
    if table is None:
        return pd.DataFrame()
    return r.df(
        f"select * from {table} where run_id = (select max(run_id) from {table}) "
        "order by passed, check_name"
    )


def model_registry(r: Reader) -> pd.DataFrame:
    parts = []
    if r.has("ml", "model_metadata"):
        parts.append(
            "select model_name, model_version, task, purpose, "
            "cast(trained_at as varchar) as trained_at from ml.model_metadata"
        )
    if r.has("ml", "forecast_models"):
        parts.append(
            "select model_name, model_version, account || ' ' || granularity as task, "
            "case when is_chosen then 'chosen' else 'candidate' end as purpose, "
            "cast(trained_at as varchar) as trained_at from ml.forecast_models"
        )
    if not parts and r.has("landing", "model_registry"):
        parts.append("select * from landing.model_registry")
    if not parts:
        return pd.DataFrame()
    return r.df(" union all ".join(parts) + " order by trained_at desc, model_name")
