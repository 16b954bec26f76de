-- Materialized as a table: several trend marts read it, and a view would re-parse the raw JSON
-- for each of them.
{{ config(materialized='table') }}
-- Each post's fetches in order, with counter deltas since the previous fetch. Counters are
-- cumulative; one that goes down (an API glitch, deleted likes) is flagged and not trusted: the
-- running maximum so far is the trusted value, so deltas are never negative and use only
-- observations fetched at or before the row's own fetch.
{% set seconds_since_previous = epoch_seconds('fetched_at')
    ~ ' - ' ~ epoch_seconds('previous_fetched_at') %}
with

posts as (
    select * from {{ ref('int_trend_posts_unioned') }}
),

running as (
    select
        *,
        {{ epoch_seconds('fetched_at') }} as fetched_epoch,
        cast(row_number() over (partition by platform, post_id order by fetched_at) as {{ dbt.type_bigint() }})
            as fetch_number,
        lag(fetched_at) over (partition by platform, post_id order by fetched_at) as previous_fetched_at,
        max(view_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and current row
        ) as trusted_view_count,
        max(like_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and current row
        ) as trusted_like_count,
        max(comment_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and current row
        ) as trusted_comment_count,
        max(share_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and current row
        ) as trusted_share_count,
        max(view_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and 1 preceding
        ) as prior_max_view_count,
        max(like_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and 1 preceding
        ) as prior_max_like_count,
        max(comment_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and 1 preceding
        ) as prior_max_comment_count,
        max(share_count) over (
            partition by platform, post_id order by fetched_at rows between unbounded preceding and 1 preceding
        ) as prior_max_share_count
    from posts
),

final as (
    select
        platform,
        post_id,
        fetched_at,
        fetched_epoch,
        {{ dbt.dateadd('hour', 1, dbt.date_trunc('hour', 'fetched_at')) }} as as_of_at,
        fetch_number,
        fetch_number = 1 as is_first_observation,
        previous_fetched_at,
        {{ trends_ratio(seconds_since_previous, '3600') }} as hours_since_previous_fetch,
        creator_id,
        creator_handle,
        sound_id,
        region_code,
        language_code,
        post_created_at,
        post_text,
        duration_seconds,
        view_count,
        like_count,
        comment_count,
        share_count,
        trusted_view_count,
        trusted_like_count,
        trusted_comment_count,
        trusted_share_count,
        coalesce(trusted_view_count - coalesce(prior_max_view_count, 0), 0) as view_delta,
        coalesce(trusted_like_count - coalesce(prior_max_like_count, 0), 0) as like_delta,
        coalesce(trusted_comment_count - coalesce(prior_max_comment_count, 0), 0) as comment_delta,
        coalesce(trusted_share_count - coalesce(prior_max_share_count, 0), 0) as share_delta,
        coalesce(view_count < prior_max_view_count, false)
        or coalesce(like_count < prior_max_like_count, false)
        or coalesce(comment_count < prior_max_comment_count, false)
        or coalesce(share_count < prior_max_share_count, false) as has_counter_decrease
    from running
)

select * from final
