{{ core_event_fact_config() }}
-- One row per impression (a video shown to a user in a feed), deduplicated on event_id (first
-- delivery wins; batch_id / line_no / event_index name it): where it was shown (discovery_source,
-- position_in_feed), whether the user clicked through and how long that took. Incremental by
-- landing batch with the same dedupe, late-delivery and re-keying rules as
-- fact_content_engagements (macros/incremental/event_deliveries.sql), so it equals a full refresh.
{%- set event_columns = [
    'event_id',
    'discovery_timestamp',
    'received_at',
    'fetched_at',
    'user_id',
    'content_id',
    'creator_id',
    'discovery_source',
    'discovery_context',
    'position_in_feed',
    'clicked_through',
    'time_to_engagement_seconds',
    'device_os',
    'region',
] %}

with

{{ core_event_fact_ctes(
    ref('int_platform_impressions_prepared'),
    event_columns,
    renames={'discovery_timestamp': 'occurred_at'},
) }},

final as (
    select
        e.event_id,
        h.user_key,
        e.user_id,
        {{ dbt.hash(dbt.concat(["'platform:'", 'e.content_id'])) }} as content_key,
        e.content_id,
        e.creator_id,
        {{ core_date_key('e.discovery_timestamp') }} as date_key,
        e.discovery_timestamp,
        e.received_at,
        e.fetched_at,
        e.discovery_source,
        e.discovery_context,
        e.position_in_feed,
        e.clicked_through,
        e.time_to_engagement_seconds,
        e.device_os,
        e.region,
        e.batch_id,
        e.line_no,
        e.event_index
    from events as e
    left join profile_versions as h
        on {{ core_version_valid_at('h', 'e.user_id', 'e.discovery_timestamp') }}
    {% if is_incremental() %}
        where {{ core_row_is_new_or_rekeyed('e', 'h.user_key') }}
    {% endif %}
)

select * from final
