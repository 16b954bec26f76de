-- One row per discovery source and feed position (1-based; positions above 20 grouped as 21):
-- click-through rate, time to engagement, and how often a click-through led to an interaction
-- (like, comment, share or save by the same user on the same video).
with

discoveries as (
    select * from {{ ref('fact_discovery_events') }}
    where position_in_feed is not null
),

engagements as (
    select * from {{ ref('fact_content_engagements') }}
),

interacted_pairs as (
    {{ analytics_interacted_pairs('engagements') }}
),

impressions as (
    select
        d.event_id,
        coalesce(d.discovery_source, 'unknown') as discovery_source,
        case when d.position_in_feed > 20 then 21 else d.position_in_feed end as position_in_feed,
        d.clicked_through,
        d.time_to_engagement_seconds,
        coalesce(d.clicked_through and p.user_id is not null, false) as is_engaged_click
    from discoveries as d
    left join interacted_pairs as p
        on d.user_id = p.user_id and d.content_id = p.content_id
),

final as (
    select
        discovery_source,
        cast(position_in_feed as integer) as position_in_feed,
        cast(count(*) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(case when clicked_through then 1 else 0 end) as {{ dbt.type_bigint() }}) as click_throughs,
        -- rates from integer flags (avg of a decimal literal such as 1.0 is a rounded DECIMAL on Spark)
        cast(
            avg(case when clicked_through then 1 else 0 end)
            as {{ type_double() }}
        ) as click_through_rate,
        cast(
            avg(case when clicked_through then time_to_engagement_seconds end)
            as {{ type_double() }}
        ) as avg_time_to_engagement_seconds,
        cast(sum(case when is_engaged_click then 1 else 0 end) as {{ dbt.type_bigint() }}) as engaged_click_throughs,
        cast(
            cast(sum(case when is_engaged_click then 1 else 0 end) as {{ type_double() }})
            / nullif(sum(case when clicked_through then 1 else 0 end), 0)
            as {{ type_double() }}
        ) as engagement_rate_after_click
    from impressions
    group by 1, 2
)

select * from final
