"""Load the point-in-time feature mart and turn it into the model matrix.

Everything that needs the warehouse (joins, windows, point-in-time cut-offs) is done in dbt
(trends.youtube_chart_features); here only per-row transforms that need no other row: logs,
missing flags, smoothed rates and text features of the title seen at t (from
private.youtube_chart_titles: free text stays in a schema readers cannot read).
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from trendcast.warehouse import Warehouse

FEATURES: list[str] = [
    "chart_rank",
    "log_views",
    "log_likes",
    "log_comments",
    "video_age_hours",
    "log_views_per_hour",
    "like_view_ratio",
    "comment_view_ratio",
    "likes_missing",
    "comments_missing",
    "category_id",
    "day_of_week",
    "published_hour_utc",
    "views_pct_in_chart",
    "views_per_hour_pct_in_chart",
    "recency_pct_in_chart",
    "channel_entries_in_chart",
    "chart_new_entries",
    "chart_retained_share",
    "days_since_previous_snapshot",
    "channel_prior_videos",
    "channel_prior_labelled",
    "channel_persist_rate",
    "channel_days_since_prior_video",
    "channel_prior_chart_rows_any_region",
    "channel_prior_videos_any_region",
    "other_regions_seen",
    "other_region_chart_rows",
    "other_regions_best_rank",
    "other_regions_days_since_first",
    "other_regions_same_day",
    "region_persist_rate_14d",
    "title_length",
    "title_upper_share",
    "title_nonascii_share",
    "title_hashtags",
    "n_tags",
    "log_description_length",
]
CATEGORICAL: list[str] = ["category_id"]
# mart columns used as they are
PASSTHROUGH: tuple[str, ...] = (
    "day_of_week",
    "published_hour_utc",
    "views_pct_in_chart",
    "views_per_hour_pct_in_chart",
    "recency_pct_in_chart",
    "channel_entries_in_chart",
    "chart_new_entries",
    "chart_retained_share",
    "days_since_previous_snapshot",
    "channel_prior_videos",
    "channel_prior_labelled",
    "channel_days_since_prior_video",
    "channel_prior_chart_rows_any_region",
    "channel_prior_videos_any_region",
    "other_regions_seen",
    "other_region_chart_rows",
    "other_regions_best_rank",
    "other_regions_days_since_first",
    "other_regions_same_day",
    "region_persist_rate_14d",
)

_QUERY = """
select
    f.*,
    t.title,
    l.persists_2d,
    l.label_window_closes_on,
    l.last_seen_date
from trends.youtube_chart_features as f
inner join trends.youtube_chart_labels as l
    on f.region_code = l.region_code and f.video_id = l.video_id
left join private.youtube_chart_titles as t
    on f.region_code = t.region_code and f.video_id = t.video_id
{where}
order by f.as_of_date, f.region_code, f.chart_rank nulls last, f.video_id
"""


# one row per (region, video): the key a bounded pull samples by (Warehouse.training_df)
KEY: list[str] = ["region_code", "video_id"]


def load_examples(
    wh: Warehouse,
    as_of_from: date | None = None,
    as_of_to: date | None = None,
    *,
    for_training: bool = False,
) -> pd.DataFrame:
    """Feature rows (one per first appearance) with their label (NaN when not known).

    `for_training`: the rows may be a bounded sample (on Spark, TRENDCAST_SPARK_MAX_TRAIN_ROWS,
    docs/SPARK.md); scoring reads every row of its window.
    """
    clauses, params = [], []
    if as_of_from is not None:
        clauses.append("f.as_of_date >= ?")
        params.append(as_of_from)
    if as_of_to is not None:
        clauses.append("f.as_of_date <= ?")
        params.append(as_of_to)
    where = ("where " + " and ".join(clauses)) if clauses else ""
    sql = _QUERY.format(where=where)
    df = wh.training_df(sql, params, KEY) if for_training else wh.query_df(sql, params)
    for col in ("as_of_date", "label_window_closes_on", "last_seen_date"):
        df[col] = pd.to_datetime(df[col]).dt.date
    df["persists_2d"] = pd.to_numeric(df["persists_2d"], errors="coerce")
    return df


def _share(texts: pd.Series, pred) -> pd.Series:
    def one(t: str | None) -> float:
        if not t:
            return 0.0
        letters = [c for c in t if pred(c) is not None]
        hits = sum(1 for c in t if pred(c))
        return hits / max(1, len(letters))

    return texts.map(one)


def _n_tags(tags: str | None) -> int:
    if not tags:
        return 0
    try:
        value = json.loads(tags)
    except (TypeError, ValueError):
        return 0
    return len(value) if isinstance(value, list) else 0


def build_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """The model matrix (columns = FEATURES) for rows of `load_examples`."""
    num = lambda c: pd.to_numeric(df[c], errors="coerce").astype(float)  # noqa: E731
    x = pd.DataFrame(index=df.index)
    x["chart_rank"] = num("chart_rank")
    x["log_views"] = np.log1p(num("view_count"))
    x["log_likes"] = np.log1p(num("like_count"))
    x["log_comments"] = np.log1p(num("comment_count"))
    x["video_age_hours"] = num("video_age_hours")
    x["log_views_per_hour"] = np.log1p(num("views_per_hour"))
    x["like_view_ratio"] = num("like_view_ratio")
    x["comment_view_ratio"] = num("comment_view_ratio")
    x["likes_missing"] = df["like_count"].isna().astype(float)
    x["comments_missing"] = df["comment_count"].isna().astype(float)
    x["category_id"] = pd.to_numeric(df["category_id"], errors="coerce").fillna(-1).astype(int)
    for c in PASSTHROUGH:
        x[c] = num(c)
    # a Beta(1, 3)-smoothed persistence rate: a channel with no closed labels gets the prior
    x["channel_persist_rate"] = (num("channel_prior_persisted").fillna(0) + 1.0) / (
        num("channel_prior_labelled").fillna(0) + 4.0
    )
    titles = df["title"].fillna("")
    x["title_length"] = titles.str.len().astype(float)
    x["title_upper_share"] = _share(titles, lambda c: c.isupper() if c.isalpha() else None)
    x["title_nonascii_share"] = titles.map(lambda t: sum(ord(c) > 127 for c in t) / max(1, len(t)))
    x["title_hashtags"] = titles.str.count("#").astype(float)
    x["n_tags"] = df["tags"].map(_n_tags).astype(float)
    x["log_description_length"] = np.log1p(num("description_length"))
    return x[FEATURES]
