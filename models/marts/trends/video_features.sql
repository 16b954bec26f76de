{{
    config(
        materialized='incremental',
        unique_key=['video_id', 'as_of_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        pre_hook=prefer_hash_joins(true),
        post_hook=prefer_hash_joins(false),
    )
}}
{%- set double = type_double() -%}
{#- The creator's other videos' views: the running sum of the creator's view deltas minus this
    video's own. A fetch that lost its creator field (missing fields happen) puts that video's
    delta under another creator_id, so the difference can dip below zero; it is floored at 0
    (an estimate of views, never negative) instead of reading the future to repair attribution. -#}
{%- set creator_average = trends_ratio(
    'greatest(a.creator_views_known - a.trusted_view_count, 0)', 'a.creator_videos_known - 1'
) -%}
-- One row per video per fetch (TikTok, YouTube); as_of_at is the fetch time. Every feature uses
-- only fetches at or before as_of_at: the video's own earlier fetches (numeric RANGE frames over
-- epoch seconds), its creator's and sound's history up to as_of_at, and the latest hashtag_features
-- row of each of its hashtags at or before as_of_at. Definitions: seeds/feature_definitions.csv.
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
    where platform in {{ trends_in_list(trends_platforms_with_views()) }}
),

post_hashtags as (
    select * from {{ ref('int_trend_post_hashtags_unioned') }}
),

hashtag_features as (
    select * from {{ ref('hashtag_features') }}
),

history as (
    select
        *,
        max(trusted_view_count) over (
            partition by post_id order by fetched_epoch range between unbounded preceding and 3600 preceding
        ) as view_count_lag_1h,
        max(trusted_view_count) over (
            partition by post_id order by fetched_epoch range between unbounded preceding and 21600 preceding
        ) as view_count_lag_6h,
        max(trusted_view_count) over (
            partition by post_id order by fetched_epoch range between unbounded preceding and 86400 preceding
        ) as view_count_lag_24h,
        case
            when not is_first_observation
                then {{ trends_ratio('view_delta', 'hours_since_previous_fetch') }}
        end as view_velocity,
        sum(view_delta) over (
            partition by platform, creator_id order by fetched_epoch range between unbounded preceding and current row
        ) as creator_views_known,
        sum(case when is_first_observation then 1 else 0 end) over (
            partition by platform, creator_id order by fetched_epoch range between unbounded preceding and current row
        ) as creator_videos_known,
        min(fetched_epoch) over (partition by platform, sound_id) as sound_first_epoch,
        sum(case when is_first_observation and sound_id is not null then 1 else 0 end) over (
            partition by platform, sound_id order by fetched_epoch range between unbounded preceding and current row
        ) as sound_videos_known
    from posts
),

accelerations as (
    select
        *,
        lag(view_velocity) over (partition by post_id order by fetched_epoch) as previous_view_velocity
    from history
),

hashtag_context as (
    -- each of the video's hashtags (as shown at this fetch), with its latest feature row at or
    -- before the fetch (looked for in the 48 hours before)
    select
        ph.post_id,
        ph.fetched_at,
        hf.hashtag_id,
        hf.creator_diversity_index_24h,
        hf.unique_creators_24h,
        hf.novelty_index,
        hf.momentum_score,
        hf.cluster_id,
        hf.theme_label,
        hf.theme_similarity,
        row_number() over (partition by ph.post_id, ph.fetched_at, hf.hashtag_id order by hf.as_of_at desc)
            as recency_rank
    from post_hashtags as ph
    inner join hashtag_features as hf
        on
            ph.hashtag_id = hf.hashtag_id
            and ph.fetched_at >= hf.as_of_at
            and hf.as_of_at > {{ dbt.dateadd('hour', -48, 'ph.fetched_at') }}
    where ph.platform in {{ trends_in_list(trends_platforms_with_views()) }}
),

hashtag_summary as (
    select
        post_id,
        fetched_at,
        count(*) as hashtag_count,
        avg(creator_diversity_index_24h) as hashtag_creator_diversity_avg,
        max(unique_creators_24h) as hashtag_unique_creators_max,
        avg(novelty_index) as hashtag_novelty_index_avg,
        max(momentum_score) as hashtag_momentum_max
    from hashtag_context
    where recency_rank = 1
    group by 1, 2
),

theme_ranked as (
    select
        post_id,
        fetched_at,
        cluster_id,
        theme_label,
        theme_similarity,
        row_number()
            over (partition by post_id, fetched_at order by theme_similarity desc, hashtag_id asc)
            as theme_rank
    from hashtag_context
    where recency_rank = 1 and cluster_id is not null
),

residual_spine as (
    select
        post_id as entity_id,
        fetched_at as as_of_at
    from posts
    where 1 = 1 {{ trends_incremental_filter('fetched_at', this_column='as_of_at') }}
),

residuals as (
    {{ trends_residual_features('residual_spine', 'video') }}
),

final as (
    select
        a.post_id as video_id,
        a.fetched_at as as_of_at,
        a.platform,
        a.creator_id,
        -- A temporal growth
        a.view_velocity,
        (a.view_velocity - a.previous_view_velocity) / nullif(a.hours_since_previous_fetch, 0) as view_acceleration,
        -- relative change against the previous fetch: (current - previous) / previous, NULL when the
        -- previous rate was 0 or unknown
        (a.view_velocity - a.previous_view_velocity) / nullif(a.previous_view_velocity, 0)
            as view_velocity_relative,
        case
            when a.view_count_lag_6h is not null and a.view_count_lag_24h is not null
                then
                    cast(a.trusted_view_count - a.view_count_lag_6h as {{ double }}) / 6
                    / (cast(a.trusted_view_count - a.view_count_lag_24h as {{ double }}) / 24 + 1)
        end as momentum_score,
        a.view_count_lag_1h,
        a.view_count_lag_6h,
        a.view_count_lag_24h,
        a.trusted_view_count - a.view_count_lag_24h as views_gained_24h,
        a.trusted_view_count as cumulative_view_count,
        cast({{ trends_feature_window_hours() }} as integer) as feature_window_hours,
        -- B engagement ratios
        {{ trends_ratio('a.trusted_like_count', 'a.trusted_view_count') }} as like_rate,
        {{ trends_ratio('a.trusted_comment_count', 'a.trusted_view_count') }} as comment_rate,
        {{ trends_ratio('a.trusted_share_count', 'a.trusted_view_count') }} as share_rate,
        {{ trends_ratio(
            'coalesce(a.trusted_like_count, 0) + coalesce(a.trusted_comment_count, 0) + coalesce(a.trusted_share_count, 0)',
            'a.trusted_view_count') }} as engagement_rate,
        case
            when not a.is_first_observation
                then {{ trends_ratio('a.like_delta + a.comment_delta + a.share_delta', 'a.view_delta') }}
        end as engagement_efficiency,
        -- C creator and hashtag-crowd diversity
        cast(a.creator_videos_known as {{ dbt.type_bigint() }}) as creator_video_count,
        {{ creator_average }} as creator_average_views,
        {{ trends_ratio('a.trusted_view_count', creator_average) }} as creator_relative_views,
        coalesce(h.hashtag_count, 0) as hashtag_count,
        h.hashtag_creator_diversity_avg,
        h.hashtag_unique_creators_max,
        -- D semantic (theme of the video's most typical hashtag)
        t.cluster_id,
        t.theme_label,
        t.theme_similarity,
        -- E novelty
        h.hashtag_novelty_index_avg,
        h.hashtag_momentum_max,
        case
            when a.sound_id is not null
                then cast(a.fetched_epoch - a.sound_first_epoch as {{ double }}) / 3600
        end as sound_age_hours,
        case when a.sound_id is not null then cast(a.sound_videos_known as {{ dbt.type_bigint() }}) end
            as sound_video_count,
        case
            when a.post_created_at <= a.fetched_at
                then cast(
                    {{ epoch_seconds('a.fetched_at') }} - {{ epoch_seconds('a.post_created_at') }}
                    as {{ double }}
                ) / 3600
        end as video_age_hours,
        -- F temporal patterns
        {{ hour_of_day('a.fetched_at') }} as hour_of_day,
        {{ day_of_week('a.fetched_at') }} as day_of_week,
        {{ day_of_week('a.fetched_at') }} in (0, 6) as is_weekend,
        {{ hour_of_day('a.post_created_at') }} as created_hour_of_day,
        a.region_code,
        -- G prediction residuals
        r.last_prediction_error,
        r.residual_bias_7d,
        r.residual_variance_7d
    from accelerations as a
    left join hashtag_summary as h
        on a.post_id = h.post_id and a.fetched_at = h.fetched_at
    left join theme_ranked as t
        on a.post_id = t.post_id and a.fetched_at = t.fetched_at and t.theme_rank = 1
    left join residuals as r
        on a.post_id = r.entity_id and a.fetched_at = r.as_of_at
    where 1 = 1 {{ trends_incremental_filter('a.fetched_at', this_column='as_of_at') }}
)

select * from final
