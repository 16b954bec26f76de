-- One row per discovery source (for_you, following, search, hashtag, sound): how often an
-- impression is clicked through, how fast, and how well the resulting views hold attention.
with

discoveries as (
    select * from {{ ref('fact_discovery_events') }}
),

engagements as (
    select * from {{ ref('fact_content_engagements') }}
),

impressions as (
    select
        coalesce(discovery_source, 'unknown') as discovery_source,
        count(*) as impressions,
        sum(case when clicked_through then 1 else 0 end) as click_throughs,
        avg(case when clicked_through then time_to_engagement_seconds end) as avg_time_to_engagement_seconds
    from discoveries
    group by 1
),

views as (
    select
        coalesce(discovery_source, 'unknown') as discovery_source,
        sum(case when is_qualified_view then 1 else 0 end) as qualified_views,
        sum(case when engagement_type = 'view' then 1 else 0 end) as view_events,
        avg(case when is_qualified_view then completion_percentage end) / 100.0 as completion_rate,
        avg(case when is_qualified_view then watch_duration_seconds end) as avg_watch_duration,
        sum(case when engagement_type in {{ analytics_interaction_types() }} then 1 else 0 end) as interactions
    from engagements
    where engagement_type in ('view', 'like', 'comment', 'share', 'save')
    group by 1
),

sources as (
    select discovery_source from impressions
    union
    select discovery_source from views
),

final as (
    select
        s.discovery_source,
        cast(coalesce(i.impressions, 0) as {{ dbt.type_bigint() }}) as impressions,
        cast(coalesce(i.click_throughs, 0) as {{ dbt.type_bigint() }}) as click_throughs,
        cast(
            cast(i.click_throughs as {{ type_double() }}) / nullif(i.impressions, 0)
            as {{ type_double() }}
        ) as click_through_rate,
        cast(i.avg_time_to_engagement_seconds as {{ type_double() }}) as avg_time_to_engagement_seconds,
        cast(coalesce(v.view_events, 0) as {{ dbt.type_bigint() }}) as view_events,
        cast(coalesce(v.qualified_views, 0) as {{ dbt.type_bigint() }}) as qualified_views,
        cast(
            cast(v.qualified_views as {{ type_double() }}) / nullif(v.view_events, 0)
            as {{ type_double() }}
        ) as qualified_view_share,
        cast(v.completion_rate as {{ type_double() }}) as completion_rate,
        cast(v.avg_watch_duration as {{ type_double() }}) as avg_watch_duration,
        cast(coalesce(v.interactions, 0) as {{ dbt.type_bigint() }}) as interactions,
        cast(
            cast(v.interactions as {{ type_double() }}) / nullif(v.qualified_views, 0)
            as {{ type_double() }}
        ) as interactions_per_view
    from sources as s
    left join impressions as i
        on s.discovery_source = i.discovery_source
    left join views as v
        on s.discovery_source = v.discovery_source
)

select * from final
