-- One row per delivery of an impression (a video shown in a feed), not deduplicated (see
-- int_platform_engagements_prepared for why).
with

events as (
    select * from {{ ref('stg_platform__events') }}
),

final as (
    select
        event_id,
        occurred_at,
        received_at,
        fetched_at,
        user_id,
        content_id,
        creator_id,
        discovery_source,
        discovery_context,
        position_in_feed,
        clicked_through,
        cast(time_to_engagement_seconds as {{ type_double() }}) as time_to_engagement_seconds,
        device_os,
        region,
        batch_id,
        line_no,
        event_index
    from events
    where event_type = 'impression'
)

select * from final
