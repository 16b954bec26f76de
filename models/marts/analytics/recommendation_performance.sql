-- One row per recommendation source (discovery_source) and feed-position bucket: how often an
-- impression is clicked through and leads to an interaction (like, comment, share or save by
-- the same user on the same video), against a baseline: the non-personalised Following feed at
-- the same position bucket (chronological, from accounts the user chose). Comparing at equal
-- positions separates what the recommender adds from where it places videos. Only events of
-- users consenting to analytics at the time count (macros/rules/privacy.sql).
with

consent as (
    select * from {{ ref('int_platform_consent_periods') }}
),

discoveries as (
    select d.*
    from {{ ref('fact_discovery_events') }} as d
    left join consent as c
        on {{ privacy_consent_period_at('c', 'd.user_id', 'd.discovery_timestamp') }}
    where d.position_in_feed is not null and {{ privacy_is_consented('c') }}
),

engagements as (
    select e.*
    from {{ ref('fact_content_engagements') }} as e
    left join consent as c
        on {{ privacy_consent_period_at('c', 'e.user_id', 'e.occurred_at') }}
    where {{ privacy_is_consented('c') }}
),

interacted_pairs as (
    {{ analytics_interacted_pairs('engagements') }}
),

impressions as (
    select
        coalesce(d.discovery_source, 'unknown') as discovery_source,
        case
            when d.position_in_feed <= 1 then 1
            when d.position_in_feed <= 3 then 2
            when d.position_in_feed <= 10 then 3
            else 4
        end as position_bucket_order,
        d.clicked_through,
        coalesce(d.clicked_through and p.user_id is not null, false) as is_engaged
    from discoveries as d
    left join interacted_pairs as p
        on d.user_id = p.user_id and d.content_id = p.content_id
),

by_source as (
    select
        discovery_source,
        position_bucket_order,
        count(*) as impressions,
        sum(case when clicked_through then 1 else 0 end) as click_throughs,
        sum(case when is_engaged then 1 else 0 end) as engaged_impressions
    from impressions
    group by discovery_source, position_bucket_order
),

rates as (
    select
        *,
        cast(click_throughs as {{ type_double() }}) / impressions as click_through_rate,
        cast(engaged_impressions as {{ type_double() }}) / impressions as engagement_rate
    from by_source
),

final as (
    select
        r.discovery_source,
        cast(r.position_bucket_order as integer) as position_bucket_order,
        case r.position_bucket_order
            when 1 then '1'
            when 2 then '2-3'
            when 3 then '4-10'
            else '11+'
        end as position_bucket,
        r.discovery_source <> 'following' as is_personalised,
        cast(r.impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(r.click_throughs as {{ dbt.type_bigint() }}) as click_throughs,
        cast(r.engaged_impressions as {{ dbt.type_bigint() }}) as engaged_impressions,
        cast(r.click_through_rate as {{ type_double() }}) as click_through_rate,
        cast(r.engagement_rate as {{ type_double() }}) as engagement_rate,
        cast(b.click_through_rate as {{ type_double() }}) as baseline_click_through_rate,
        cast(b.engagement_rate as {{ type_double() }}) as baseline_engagement_rate,
        cast(r.click_through_rate / nullif(b.click_through_rate, 0) - 1 as {{ type_double() }})
            as click_through_lift_vs_baseline,
        cast(r.engagement_rate / nullif(b.engagement_rate, 0) - 1 as {{ type_double() }})
            as engagement_lift_vs_baseline
    from rates as r
    left join rates as b
        on b.discovery_source = 'following' and r.position_bucket_order = b.position_bucket_order
)

select * from final
