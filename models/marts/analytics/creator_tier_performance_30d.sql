-- The seed's creator-tier query as a mart: one row per creator tier over the 30 days ending at the
-- data's latest creator-activity day (as_of_date; never today, so a replay gives the same answer).
-- A creator-day belongs to the tier of the profile version valid at the start of that day
-- (fact_creator_analytics.user_key joined to dim_users_history, the seed's join), so a creator who
-- moved up during the window counts in both tiers, each for its own days. creator_count counts
-- distinct creators per tier; the averages are over creator-days, as the seed's AVG over the fact.
with

creator_days as (
    select * from {{ ref('fact_creator_analytics') }}
),

versions as (
    select * from {{ ref('dim_users_history') }}
),

bounds as (
    select
        max(activity_date) as as_of_date,
        {{ dbt.dateadd('day', -29, 'max(activity_date)') }} as window_start_date
    from creator_days
),

in_window as (
    select
        v.creator_tier,
        b.as_of_date,
        b.window_start_date,
        d.creator_id,
        d.total_views_received,
        d.engagement_rate,
        d.new_followers,
        d.follower_churn,
        d.net_follower_change
    from creator_days as d
    cross join bounds as b
    inner join versions as v on d.user_key = v.user_key
    where d.activity_date >= b.window_start_date and d.activity_date <= b.as_of_date
),

final as (
    select
        creator_tier,
        cast(max(as_of_date) as date) as as_of_date,
        cast(max(window_start_date) as date) as window_start_date,
        cast(count(distinct creator_id) as {{ dbt.type_bigint() }}) as creator_count,
        cast(count(*) as {{ dbt.type_bigint() }}) as creator_days,
        cast(avg(total_views_received) as {{ type_double() }}) as avg_daily_views,
        cast(avg(engagement_rate) as {{ type_double() }}) as avg_engagement_rate,
        cast(sum(new_followers) as {{ dbt.type_bigint() }}) as new_followers,
        cast(sum(follower_churn) as {{ dbt.type_bigint() }}) as follower_churn,
        cast(sum(net_follower_change) as {{ dbt.type_bigint() }}) as net_follower_growth
    from in_window
    group by 1
)

select * from final
