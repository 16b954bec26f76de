"""A tiny working warehouse in the marts' shapes, for the dashboard and publish tests.

Portable SQL (DuckDB and Postgres). Few rows, chosen so every filter changes a number: two
regions, two days, two platforms, a failed line.
"""

from __future__ import annotations

from trendcast.warehouse import Warehouse

TS = "cast('{}' as timestamp)"


def _ts(value: str) -> str:
    return TS.format(value)


TABLES: dict[str, tuple[str, list[str]]] = {
    "ml_marts.trending_predictions": (
        "region_code, video_id, as_of_date, score, score_rank_in_day, model_version, scored_at, "
        "title, channel_id, category_id, chart_rank, view_count, like_count, comment_count, "
        "video_age_hours, published_at, persists_2d",
        [
            f"('US', 'v1', cast('2025-09-01' as date), 0.91, 1, 'm1', {_ts('2025-09-03 00:00')}, 'First US', 'c1', '10', 3, 100000, 900, 50, 20.0, {_ts('2025-08-31 04:00')}, 1)",
            f"('US', 'v2', cast('2025-09-01' as date), 0.40, 2, 'm1', {_ts('2025-09-03 00:00')}, 'Second US', 'c2', '24', 9, 50000, 100, 5, 30.0, {_ts('2025-08-30 04:00')}, 0)",
            f"('US', 'v3', cast('2025-09-02' as date), 0.77, 1, 'm1', {_ts('2025-09-03 00:00')}, 'Third US', 'c3', '10', 1, 900000, 8000, 700, 10.0, {_ts('2025-09-01 14:00')}, null)",
            f"('GB', 'v4', cast('2025-09-02' as date), 0.66, 1, 'm1', {_ts('2025-09-03 00:00')}, 'First GB', 'c4', '17', 4, 70000, 600, 40, 12.0, {_ts('2025-09-01 12:00')}, null)",
            f"('GB', 'v5', cast('2025-09-02' as date), 0.12, 2, 'm1', {_ts('2025-09-03 00:00')}, 'Second GB', 'c5', '17', 20, 20000, 80, 2, 50.0, {_ts('2025-08-31 02:00')}, null)",
        ],
    ),
    "ml_marts.trend_virality_predictions": (
        "task, entity_type, entity_id, entity_name, platform, region_code, as_of_at, score, "
        "score_rank, model_version, scored_at, top_feature_1, top_value_1, top_contribution_1, "
        "top_feature_2, top_value_2, top_contribution_2, top_feature_3, top_value_3, "
        "top_contribution_3",
        [
            f"('trends_hashtag_viral_24h', 'hashtag', 'h1', 'dance', 'tiktok', null, {_ts('2025-09-02 10:00')}, 0.83, 1, 't1', {_ts('2025-09-03 00:00')}, 'views_growth_1h', 2.5, 0.9, 'creator_count', 14, 0.3, 'hour_of_day', 10, -0.1)",
            f"('trends_hashtag_viral_24h', 'hashtag', 'h2', 'cats', 'tiktok', null, {_ts('2025-09-02 10:00')}, 0.21, 2, 't1', {_ts('2025-09-03 00:00')}, 'views_growth_1h', 0.1, -0.7, 'creator_count', 2, -0.2, 'hour_of_day', 10, -0.1)",
            f"('trends_video_viral_24h', 'video', 'tv1', 'tv1', 'tiktok', 'US', {_ts('2025-09-02 10:00')}, 0.55, 1, 't2', {_ts('2025-09-03 00:00')}, 'share_rate', 0.04, 0.5, null, null, null, null, null, null)",
        ],
    ),
    "ml_marts.account_post_forecasts": (
        "account, granularity, forecast_time, target_time, model_metadata_id, model_name, "
        "predicted_count, predicted_mean, lower_bound_95, upper_bound_95, actual_count, is_gap, "
        "is_within_interval, created_at",
        [
            f"('elonmusk', 'hourly', {_ts('2025-09-01 00:00')}, {_ts(f'2025-09-01 {h:02d}:00')}, 'hawkes_exp:hourly:elonmusk:v1', 'hawkes_exp', {p}, {p + 0.4}, 0, {p * 3}, {a}, false, {w}, {_ts('2025-09-01 00:00')})"
            for h, p, a, w in ((0, 4, "5", "true"), (1, 3, "2", "true"), (2, 2, "null", "null"))
        ]
        + [
            f"('elonmusk', 'daily', {_ts('2025-09-01 00:00')}, {_ts(f'2025-09-0{d} 00:00')}, 'local_level:daily:elonmusk:v1', 'local_level', {p}, {p}, {p - 20}, {p + 25}, null, false, null, {_ts('2025-09-01 00:00')})"
            for d, p in ((1, 60), (2, 55))
        ],
    ),
    "forecasting.forecast_accuracy": (
        "forecast_accuracy_id, model_metadata_id, model_name, model_version, account, "
        "granularity, run_type, forecast_date, n_scored, sum_abs_error, sum_sq_error, "
        "n_covered, mae, rmse, coverage_95",
        [
            "('a1', 'hawkes_exp:hourly:elonmusk:v1', 'hawkes_exp', 'v1', 'elonmusk', 'hourly', 'backtest', cast('2025-08-20' as date), 24, 36.0, 90.0, 23, 1.5, 1.94, 0.958)",
            "('a2', 'hawkes_exp:hourly:elonmusk:v1', 'hawkes_exp', 'v1', 'elonmusk', 'hourly', 'backtest', cast('2025-08-21' as date), 24, 12.0, 30.0, 22, 0.5, 1.12, 0.917)",
        ],
    ),
    "analytics.creator_tier_analysis": (
        "creator_tier, creator_count, active_creator_count, avg_follower_count, content_posted, "
        "avg_daily_views, engagement_rate, net_follower_growth, avg_net_follower_growth",
        [
            "('micro', 120, 80, 900.0, 300, 1200.0, 0.05, 40, 0.33)",
            "('mid', 30, 25, 20000.0, 150, 9000.0, 0.07, 90, 3.0)",
            "('macro', 5, 5, 500000.0, 60, 150000.0, 0.09, 300, 60.0)",
        ],
    ),
    "analytics.discovery_source_effectiveness": (
        "discovery_source, impressions, click_throughs, click_through_rate, "
        "avg_time_to_engagement_seconds, view_events, qualified_views, qualified_view_share, "
        "completion_rate",
        [
            "('for_you', 5000, 900, 0.18, 4.2, 880, 600, 0.68, 0.41)",
            "('search', 1200, 400, 0.33, 6.0, 390, 300, 0.77, 0.52)",
        ],
    ),
    "analytics.feed_position_impact": (
        "discovery_source, position_in_feed, impressions, click_throughs, click_through_rate, "
        "avg_time_to_engagement_seconds, engaged_click_throughs, engagement_rate_after_click",
        [
            "('for_you', 1, 3000, 700, 0.23, 3.9, 300, 0.43)",
            "('for_you', 2, 2000, 200, 0.10, 4.8, 60, 0.30)",
        ],
    ),
    "analytics.trending_content": (
        "content_key, content_id, window_hours, as_of_at, creator_id, category, "
        "views_in_window, unique_viewers_in_window, interactions_in_window, score_in_window",
        [
            f"('k1', 'p1', 24, {_ts('2025-09-01 12:00')}, 'u1', 'music', 900, 700, 120, 8.1)",
            f"('k2', 'p2', 24, {_ts('2025-09-02 12:00')}, 'u2', 'comedy', 500, 450, 60, 5.5)",
        ],
    ),
    "trends.hashtag_metrics": (
        "hashtag_id, as_of_at, window_start_at, window_duration_minutes, platform, "
        "hashtag_name, view_count, video_count, creator_count, like_count, comment_count, "
        "share_count, reach_count",
        [
            f"('h1', {_ts('2025-09-01 10:00')}, {_ts('2025-09-01 09:00')}, 60, 'tiktok', 'dance', 1000, 10, 8, 100, 10, 5, 900)",
            f"('h1', {_ts('2025-09-02 10:00')}, {_ts('2025-09-02 09:00')}, 60, 'tiktok', 'dance', 4000, 30, 20, 300, 30, 15, 3000)",
            f"('h2', {_ts('2025-09-02 10:00')}, {_ts('2025-09-02 09:00')}, 60, 'tiktok', 'cats', 300, 3, 3, 20, 1, 0, 250)",
            f"('m1', {_ts('2025-09-02 10:00')}, {_ts('2025-09-02 09:00')}, 60, 'mastodon', 'fediverse', null, 12, 9, null, null, null, null)",
        ],
    ),
    "ml.model_metadata": (
        "model_name, model_version, task, purpose, trained_at",
        [
            f"('youtube_persists_2d_lgbm', 'm1', 'youtube_persists_2d', 'production', {_ts('2025-09-03 00:00')})"
        ],
    ),
    "ml.forecast_models": (
        "model_metadata_id, model_name, model_version, account, granularity, trained_at, mae, "
        "coverage_95, is_chosen",
        [
            f"('hawkes_exp:hourly:elonmusk:v1', 'hawkes_exp', 'v1', 'elonmusk', 'hourly', {_ts('2025-09-01 00:00')}, 1.0, 0.94, true)"
        ],
    ),
    "raw.ingestion_batches": (
        "batch_id, path, total",
        ["('b1', 'sample.jsonl', 4)"],
    ),
    "raw.api_responses": (
        "batch_id, line_no, source, endpoint, fetched_at, loaded_at, processing_status, "
        "error_message, raw_line",
        [
            f"('b1', 1, 'youtube', 'youtube/v3/videos', {_ts('2025-09-01 10:00')}, {_ts('2025-09-03 00:00')}, 'processed', null, null)",
            f"('b1', 2, 'youtube', 'youtube/v3/videos', {_ts('2025-09-02 10:00')}, {_ts('2025-09-03 00:00')}, 'processed', null, null)",
            f"('b1', 3, 'tiktok', 'research/video/query', {_ts('2025-09-02 09:00')}, {_ts('2025-09-03 00:00')}, 'duplicate', null, null)",
            f"('b1', 4, null, null, null, {_ts('2025-09-03 00:00')}, 'failed', 'not JSON: Expecting value', '{{broken')",
        ],
    ),
}


def build_fixture(wh: Warehouse) -> None:
    """Create every fixture table (replacing any of the same name)."""
    for name, (columns, rows) in TABLES.items():
        schema = name.split(".")[0]
        wh.execute(f"create schema if not exists {schema}")
        wh.execute(f"drop table if exists {name}")
        wh.execute(
            f"create table {name} as select * from (values {', '.join(rows)}) as v({columns})"
        )
