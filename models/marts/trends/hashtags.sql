{%- set double = type_double() -%}
-- One row per hashtag per platform: the current state, from everything fetched so far (not a
-- point-in-time table; features never read it). lifecycle_status rule, relative to the platform's
-- latest collection hour ("now"):
--   dead      no reach gained in the last 72 hours (or the hashtag is outside its metrics horizon),
--   declining reach gained in the last 24 hours below half the daily average of the 6 days before,
--   active    otherwise.
with

metrics as (
    select * from {{ ref('hashtag_metrics') }}
),

activity as (
    select * from {{ ref('int_trend_hashtag_post_activity') }}
),

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

platform_now as (
    select
        platform,
        max(as_of_at) as now_at
    from posts
    group by 1
),

latest_post_counts as (
    -- each post's latest trusted counts, once per hashtag it carried
    select
        hashtag_id,
        post_id,
        creator_id,
        max(trusted_view_count) as view_count,
        min(fetched_at) as first_seen_at,
        max(fetched_at) as last_seen_at
    from activity
    group by 1, 2, 3
),

lifetime as (
    select
        hashtag_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_updated_at,
        sum(view_count) as lifetime_view_count,
        count(*) as lifetime_video_count,
        count(distinct creator_id) as lifetime_creator_count
    from latest_post_counts
    group by 1
),

recent as (
    select
        m.hashtag_id,
        min(m.platform) as platform,
        min(m.hashtag_name) as hashtag_name,
        sum(case when m.as_of_at > {{ dbt.dateadd('hour', -24, 'n.now_at') }} then m.reach_count else 0 end)
            as reach_last_24h,
        sum(
            case
                when
                    m.as_of_at > {{ dbt.dateadd('hour', -168, 'n.now_at') }}
                    and m.as_of_at <= {{ dbt.dateadd('hour', -24, 'n.now_at') }} then m.reach_count
                else 0
            end
        ) as reach_prior_6d,
        sum(case when m.as_of_at > {{ dbt.dateadd('hour', -72, 'n.now_at') }} then m.reach_count else 0 end)
            as reach_last_72h
    from metrics as m
    inner join platform_now as n on m.platform = n.platform
    group by 1
),

modes as (
    select
        hashtag_id,
        max(case when language_rank = 1 then language_code end) as language_code,
        max(case when region_rank = 1 then region_code end) as region_code
    from (
        select
            hashtag_id,
            language_code,
            region_code,
            row_number() over (
                partition by
                    hashtag_id order by case when language_code is null then 1 else 0 end, post_count desc,
                language_code asc
            ) as language_rank,
            row_number() over (
                partition by
                    hashtag_id order by case when region_code is null then 1 else 0 end, post_count desc,
                region_code asc
            ) as region_rank
        from (
            select
                hashtag_id,
                language_code,
                region_code,
                count(distinct post_id) as post_count
            from activity
            group by 1, 2, 3
        ) as counted
    ) as ranked
    group by 1
),

final as (
    select
        r.hashtag_id,
        r.platform,
        r.hashtag_name,
        l.first_seen_at,
        l.last_updated_at,
        cast(
            case when r.platform in {{ trends_in_list(trends_platforms_with_views()) }} then l.lifetime_view_count end
            as {{ dbt.type_bigint() }}
        ) as lifetime_view_count,
        cast(l.lifetime_video_count as {{ dbt.type_bigint() }}) as lifetime_video_count,
        cast(l.lifetime_creator_count as {{ dbt.type_bigint() }}) as lifetime_creator_count,
        cast(r.reach_last_24h as {{ dbt.type_bigint() }}) as reach_last_24h,
        cast(r.reach_prior_6d as {{ double }}) / 6 as reach_prior_daily_average,
        cast(
            case
                when coalesce(r.reach_last_72h, 0) <= 0 then 'dead'
                when r.reach_last_24h < 0.5 * r.reach_prior_6d / 6 then 'declining'
                else 'active'
            end as {{ dbt.type_string() }}
        ) as lifecycle_status,
        mo.language_code,
        mo.region_code
    from recent as r
    inner join lifetime as l on r.hashtag_id = l.hashtag_id
    left join modes as mo on r.hashtag_id = mo.hashtag_id
)

select * from final
