-- The discovery marts must account for every impression of fact_discovery_events, and the
-- discovery-source mart for every qualified view of fact_content_engagements.
with

facts as (
    select
        (select count(*) as n from {{ ref('fact_discovery_events') }}) as impressions,
        (
            select count(*) as n from {{ ref('fact_discovery_events') }}
            where position_in_feed is not null
        ) as positioned_impressions,
        (
            select count(*) as n from {{ ref('fact_content_engagements') }}
            where is_qualified_view
        ) as qualified_views
),

marts as (
    select
        (select coalesce(sum(impressions), 0) as n from {{ ref('discovery_source_effectiveness') }}) as impressions,
        (select coalesce(sum(impressions), 0) as n from {{ ref('feed_position_impact') }})
            as positioned_impressions,
        (select coalesce(sum(qualified_views), 0) as n from {{ ref('discovery_source_effectiveness') }})
            as qualified_views
),

final as (
    select
        f.impressions,
        m.impressions as mart_impressions,
        f.positioned_impressions,
        m.positioned_impressions as mart_positioned_impressions,
        f.qualified_views,
        m.qualified_views as mart_qualified_views
    from facts as f
    cross join marts as m
    where
        f.impressions != m.impressions
        or f.positioned_impressions != m.positioned_impressions
        or f.qualified_views != m.qualified_views
)

select * from final
