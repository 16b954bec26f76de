{{
    config(
        materialized='incremental',
        unique_key=['video_id', 'fetched_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per video per fetch (TikTok, YouTube): the cumulative counts as reported, the trusted
-- counts (running maximum: a counter that goes down is flagged, not trusted), deltas since the
-- video's previous fetch and per-hour rates over that gap.
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

final as (
    select
        post_id as video_id,
        fetched_at,
        platform,
        creator_id,
        fetch_number,
        is_first_observation,
        previous_fetched_at,
        hours_since_previous_fetch,
        view_count,
        like_count,
        comment_count,
        share_count,
        trusted_view_count,
        trusted_like_count,
        trusted_comment_count,
        trusted_share_count,
        case when not is_first_observation then view_delta end as view_delta,
        case when not is_first_observation then like_delta end as like_delta,
        case when not is_first_observation then comment_delta end as comment_delta,
        case when not is_first_observation then share_delta end as share_delta,
        case when not is_first_observation then {{ trends_ratio('view_delta', 'hours_since_previous_fetch') }} end
            as view_rate_per_hour,
        case when not is_first_observation then {{ trends_ratio('like_delta', 'hours_since_previous_fetch') }} end
            as like_rate_per_hour,
        case when not is_first_observation then {{ trends_ratio('comment_delta', 'hours_since_previous_fetch') }} end
            as comment_rate_per_hour,
        case when not is_first_observation then {{ trends_ratio('share_delta', 'hours_since_previous_fetch') }} end
            as share_rate_per_hour,
        has_counter_decrease
    from posts
    where platform in {{ trends_in_list(trends_platforms_with_views()) }} {{ trends_incremental_filter('fetched_at') }}
)

select * from final
