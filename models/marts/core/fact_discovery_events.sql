{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['event_id'], ['fetched_at']]),
    )
}}
-- One row per impression (a video shown to a user in a feed), deduplicated on event_id (first
-- delivery wins): where it was shown (discovery_source, position_in_feed), whether the user
-- clicked through and how long that took. Incremental with the same lookback, re-delivery and
-- re-keying rules as fact_content_engagements, so it equals a full refresh.
with

deliveries as (
    select * from {{ ref('int_platform_impressions_prepared') }}
    {% if is_incremental() %}
        where fetched_at >= {{ core_incremental_cutoff('fetched_at') }}
    {% endif %}
),

profile_versions as (
    select * from {{ ref('int_user_profile_versions') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            order by fetched_at, batch_id, line_no, event_index
        ) as delivery_rank
    from deliveries
),

new_events as (
    select
        event_id,
        occurred_at as discovery_timestamp,
        received_at,
        fetched_at,
        user_id,
        content_id,
        creator_id,
        discovery_source,
        discovery_context,
        position_in_feed,
        clicked_through,
        time_to_engagement_seconds,
        device_os,
        region
    from ranked
    where
        delivery_rank = 1
    {% if is_incremental() %}
            and not exists (
                select 1
                from {{ this }} as t
                where
                    t.event_id = ranked.event_id
                    and t.fetched_at < {{ core_incremental_cutoff('fetched_at') }}
            )
        {% endif %}
),

{% if is_incremental() %}
    rekeyed_events as (
        select
            t.event_id,
            t.discovery_timestamp,
            t.received_at,
            t.fetched_at,
            t.user_id,
            t.content_id,
            t.creator_id,
            t.discovery_source,
            t.discovery_context,
            t.position_in_feed,
            t.clicked_through,
            t.time_to_engagement_seconds,
            t.device_os,
            t.region
        from {{ this }} as t
        where
            t.fetched_at < {{ core_incremental_cutoff('fetched_at') }}
            and t.user_id in (
                select h.user_id
                from profile_versions as h
                where h.fetched_at >= {{ core_incremental_cutoff('fetched_at') }}
            )
    ),
{% endif %}

events as (
    select * from new_events
    {% if is_incremental() %}
        union all
        select * from rekeyed_events
    {% endif %}
),

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
        e.region
    from events as e
    left join profile_versions as h
        on
            e.user_id = h.user_id
            and (h.version_number = 1 or e.discovery_timestamp >= h.valid_from)
            and (h.valid_to is null or e.discovery_timestamp < h.valid_to)
)

select * from final
