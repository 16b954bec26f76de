{{
    config(
        materialized='incremental',
        unique_key=['hashtag_id', 'as_of_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        pre_hook=prefer_hash_joins(true),
        post_hook=prefer_hash_joins(false),
    )
}}
-- One row per hashtag per hour: what happened in the hour that ends at as_of_at, built only from
-- fetches in [as_of_at - 1 h, as_of_at). Window values are sums of per-post deltas between
-- fetches (cumulative counters turned into window values; a counter that goes down is flagged and
-- not trusted). Rows exist at the platform's collection hours (hours with at least one fetch),
-- from the hashtag's first activity until trends_grid_horizon_hours after its latest activity
-- (zeros in between); a row's window starts at the platform's previous collection hour.
with

activity as (
    select * from {{ ref('int_trend_hashtag_post_activity') }}
),

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

hourly as (
    select
        hashtag_id,
        as_of_at,
        min(hour_number) as hour_number,
        min(platform) as platform,
        min(hashtag_name) as hashtag_name,
        sum(view_delta) as view_count,
        count(distinct case when is_new_for_hashtag then post_id end) as video_count,
        count(distinct creator_id) as creator_count,
        sum(like_delta) as like_count,
        sum(comment_delta) as comment_count,
        sum(share_delta) as share_count,
        sum(reach_delta) as reach_count,
        count(distinct post_id) as observed_post_count,
        sum(case when has_counter_decrease then 1 else 0 end) as counter_decrease_count
    from activity
    group by 1, 2
),

collection_hours as (
    -- the hours in which the platform was fetched at all; a row's window reaches back to the
    -- platform's previous collection hour (60 minutes for hourly collection, a day for daily)
    select
        platform,
        as_of_at,
        lag(as_of_at) over (partition by platform order by as_of_at) as previous_as_of_at,
        {{ trends_horizon_bucket('as_of_at') }} as horizon_bucket
    from (select distinct
        platform,
        as_of_at
    from posts) as p
),

activity_hours as (
    select
        hashtag_id,
        platform,
        hashtag_name,
        as_of_at,
        lead(as_of_at) over (partition by hashtag_id order by as_of_at) as next_as_of_at,
        {{ dbt.dateadd('hour', trends_grid_horizon_hours(), 'as_of_at') }} as horizon_at,
        {{ trends_horizon_bucket('as_of_at') }} as horizon_bucket
    from hourly
),

bucket_offsets as (
    select 0 as bucket_offset
    union all
    select 1 as bucket_offset
),

reachable_collection_hours as (
    -- each collection hour under the horizon buckets of the activity hours that can reach it:
    -- an activity hour's grid reaches at most one horizon ahead, so its own bucket or the one
    -- before (a few thousand rows: one per collection hour and offset)
    select
        c.platform,
        c.as_of_at,
        c.previous_as_of_at,
        c.horizon_bucket - o.bucket_offset as activity_bucket
    from collection_hours as c
    cross join bucket_offsets as o
),

grid as (
    -- Joined on (platform, horizon bucket), then bounded by the range: a join on the platform
    -- alone pairs every activity hour with every collection hour of its platform before the
    -- range filter (six years of daily YouTube charts: 5.7 million hashtag hours times 1,800
    -- collection hours, most of an hour of the build). The bucket is a plain column on both
    -- sides so that the engine hashes on it.
    select
        a.hashtag_id,
        a.platform,
        a.hashtag_name,
        c.as_of_at,
        coalesce(c.previous_as_of_at, {{ dbt.dateadd('hour', -1, 'c.as_of_at') }}) as window_start_at
    from activity_hours as a
    inner join reachable_collection_hours as c
        on
            a.platform = c.platform
            and a.horizon_bucket = c.activity_bucket
            and a.as_of_at <= c.as_of_at
            and a.horizon_at >= c.as_of_at
            and (a.next_as_of_at is null or a.next_as_of_at > c.as_of_at)
),

filled as (
    select
        g.hashtag_id,
        g.platform,
        g.hashtag_name,
        g.as_of_at,
        g.window_start_at,
        coalesce(h.view_count, 0) as view_count,
        coalesce(h.video_count, 0) as video_count,
        coalesce(h.creator_count, 0) as creator_count,
        coalesce(h.like_count, 0) as like_count,
        coalesce(h.comment_count, 0) as comment_count,
        coalesce(h.share_count, 0) as share_count,
        coalesce(h.reach_count, 0) as reach_count,
        coalesce(h.observed_post_count, 0) as observed_post_count,
        coalesce(h.counter_decrease_count, 0) as counter_decrease_count,
        h.hashtag_id is not null as is_active_hour
    from grid as g
    left join hourly as h
        on g.hashtag_id = h.hashtag_id and g.as_of_at = h.as_of_at
),

cumulative as (
    select
        *,
        sum(view_count) over (partition by hashtag_id order by as_of_at rows unbounded preceding)
            as cumulative_view_count,
        sum(video_count) over (partition by hashtag_id order by as_of_at rows unbounded preceding)
            as cumulative_video_count,
        sum(reach_count) over (partition by hashtag_id order by as_of_at rows unbounded preceding)
            as cumulative_reach_count
    from filled
),

final as (
    select
        hashtag_id,
        as_of_at,
        window_start_at,
        cast({{ dbt.datediff('window_start_at', 'as_of_at', 'minute') }} as {{ dbt.type_int() }})  -- noqa: LT05
            as window_duration_minutes,
        platform,
        hashtag_name,
        cast(
            case when platform in {{ trends_in_list(trends_platforms_with_views()) }} then view_count end
            as {{ dbt.type_bigint() }}
        ) as view_count,
        cast(video_count as {{ dbt.type_bigint() }}) as video_count,
        cast(creator_count as {{ dbt.type_bigint() }}) as creator_count,
        cast(like_count as {{ dbt.type_bigint() }}) as like_count,
        cast(comment_count as {{ dbt.type_bigint() }}) as comment_count,
        cast(share_count as {{ dbt.type_bigint() }}) as share_count,
        cast(reach_count as {{ dbt.type_bigint() }}) as reach_count,
        cast(observed_post_count as {{ dbt.type_bigint() }}) as observed_post_count,
        cast(counter_decrease_count as {{ dbt.type_bigint() }}) as counter_decrease_count,
        counter_decrease_count > 0 as has_counter_decrease,
        is_active_hour,
        cast(
            case when platform in {{ trends_in_list(trends_platforms_with_views()) }} then cumulative_view_count end
            as {{ dbt.type_bigint() }}
        ) as cumulative_view_count,
        cast(cumulative_video_count as {{ dbt.type_bigint() }}) as cumulative_video_count,
        cast(cumulative_reach_count as {{ dbt.type_bigint() }}) as cumulative_reach_count,
        cast({{ epoch_seconds('as_of_at') }} / 3600 as {{ dbt.type_bigint() }}) as hour_number
    from cumulative
    where 1 = 1 {{ trends_incremental_filter('as_of_at') }}
)

select * from final
