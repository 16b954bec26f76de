-- One row per creator and UTC day with activity (fact_creator_analytics): followers won and lost
-- that day, the running net growth since the creator's first active day, the net growth over the
-- 7 days ending that day, and churn and growth rates against the follower count the creator's
-- profile stated at the start of the day (the dim_users_history version of fact_creator_analytics'
-- user_key, the seed's join). Rates are NULL when that count is unknown or zero.
with

creator_days as (
    select * from {{ ref('fact_creator_analytics') }}
),

versions as (
    select * from {{ ref('dim_users_history') }}
),

daily as (
    select
        d.creator_id,
        d.activity_date,
        d.date_key,
        d.user_key,
        v.creator_tier,
        v.follower_count as followers_at_day_start,
        d.new_followers,
        d.follower_churn,
        d.net_follower_change
    from creator_days as d
    left join versions as v on d.user_key = v.user_key
),

rolling as (
    select
        d.creator_id,
        d.activity_date,
        sum(r.net_follower_change) as net_follower_change_7d,
        sum(r.follower_churn) as follower_churn_7d
    from daily as d
    inner join daily as r
        on
            d.creator_id = r.creator_id
            and {{ in_trailing_days('r.activity_date', 'd.activity_date', 7) }}
    group by 1, 2
),

final as (
    select
        d.creator_id,
        d.activity_date,
        d.date_key,
        d.user_key,
        d.creator_tier,
        cast(d.followers_at_day_start as {{ dbt.type_bigint() }}) as followers_at_day_start,
        cast(d.new_followers as {{ dbt.type_bigint() }}) as new_followers,
        cast(d.follower_churn as {{ dbt.type_bigint() }}) as follower_churn,
        cast(d.net_follower_change as {{ dbt.type_bigint() }}) as net_follower_change,
        cast(
            sum(d.net_follower_change) over (
                partition by d.creator_id order by d.activity_date rows between unbounded preceding and current row
            ) as {{ dbt.type_bigint() }}
        ) as cumulative_net_follower_change,
        cast(r.net_follower_change_7d as {{ dbt.type_bigint() }}) as net_follower_change_7d,
        cast(r.follower_churn_7d as {{ dbt.type_bigint() }}) as follower_churn_7d,
        cast(
            cast(d.follower_churn as {{ type_double() }}) / nullif(d.followers_at_day_start, 0)
            as {{ type_double() }}
        ) as churn_rate,
        cast(
            cast(d.net_follower_change as {{ type_double() }}) / nullif(d.followers_at_day_start, 0)
            as {{ type_double() }}
        ) as net_growth_rate
    from daily as d
    inner join rolling as r
        on d.creator_id = r.creator_id and d.activity_date = r.activity_date
)

select * from final
