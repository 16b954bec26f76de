-- One row per creator tier (current tier from dim_users): how many creators, how active they
-- were, how much they were watched and engaged with, and their net follower growth over the data.
with

users as (
    select * from {{ ref('dim_users') }}
),

creator_days as (
    select * from {{ ref('fact_creator_analytics') }}
),

creators as (
    select
        user_id,
        creator_tier,
        follower_count
    from users
    where creator_tier != 'none'
),

per_creator as (
    select
        c.creator_tier,
        c.user_id,
        c.follower_count,
        count(d.activity_date) as active_days,
        coalesce(sum(d.content_posted), 0) as content_posted,
        coalesce(sum(d.total_views_received), 0) as views_received,
        coalesce(sum(d.total_engagements_received), 0) as engagements_received,
        coalesce(sum(d.net_follower_change), 0) as net_follower_change
    from creators as c
    left join creator_days as d
        on c.user_id = d.creator_id
    group by 1, 2, 3
),

final as (
    select
        creator_tier,
        cast(count(*) as {{ dbt.type_bigint() }}) as creator_count,
        cast(sum(case when active_days > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_creator_count,
        cast(avg(follower_count) as {{ type_double() }}) as avg_follower_count,
        cast(sum(content_posted) as {{ dbt.type_bigint() }}) as content_posted,
        cast(
            cast(sum(views_received) as {{ type_double() }}) / nullif(sum(active_days), 0)
            as {{ type_double() }}
        ) as avg_daily_views,
        cast(
            cast(sum(engagements_received) as {{ type_double() }}) / nullif(sum(views_received), 0)
            as {{ type_double() }}
        ) as engagement_rate,
        cast(sum(net_follower_change) as {{ dbt.type_bigint() }}) as net_follower_growth,
        cast(
            cast(sum(net_follower_change) as {{ type_double() }}) / count(*)
            as {{ type_double() }}
        ) as avg_net_follower_growth
    from per_creator
    group by 1
)

select * from final
