{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['event_id'], ['fetched_at']]),
    )
}}
-- One row per engagement event (view, like, comment, share, save, follow, unfollow, duet, remix),
-- deduplicated on event_id (the first delivery wins), with the user_key of the profile version
-- valid at event time. Incremental: deliveries fetched within var('lookback_hours') of the latest
-- fetched_at already loaded are re-processed; the result equals a full refresh (proved by
-- tests/python/test_star_schema_incremental.py):
--   * an event first delivered before the window is final, a re-delivery inside it is ignored;
--   * when a user's profile history changes (a profile event fetched in the window, possibly late),
--     that user's older rows are re-keyed against the new history.
with

deliveries as (
    select * from {{ ref('int_platform_engagements_prepared') }}
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
        engagement_type,
        occurred_at,
        received_at,
        fetched_at,
        user_id,
        content_id,
        creator_id,
        discovery_source,
        engagement_context,
        watch_duration_seconds,
        video_duration_seconds,
        completion_percentage,
        is_qualified_view,
        comment_length,
        share_channel,
        new_content_id,
        device_os,
        region
    from ranked
    where
        delivery_rank = 1
    {% if is_incremental() %}
            -- first delivered before the window: already final in this table
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
        -- rows loaded before the window whose user's profile history changed in the window
        select
            t.event_id,
            t.engagement_type,
            t.occurred_at,
            t.received_at,
            t.fetched_at,
            t.user_id,
            t.content_id,
            t.creator_id,
            t.discovery_source,
            t.engagement_context,
            t.watch_duration_seconds,
            t.video_duration_seconds,
            t.completion_percentage,
            t.is_qualified_view,
            t.comment_length,
            t.share_channel,
            t.new_content_id,
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
        e.engagement_type,
        h.user_key,
        e.user_id,
        {{ dbt.hash(dbt.concat(["'platform:'", 'e.content_id'])) }} as content_key,
        e.content_id,
        e.creator_id,
        {{ core_date_key('e.occurred_at') }} as date_key,
        e.occurred_at,
        e.received_at,
        e.fetched_at,
        e.discovery_source,
        e.engagement_context,
        e.watch_duration_seconds,
        e.video_duration_seconds,
        e.completion_percentage,
        e.is_qualified_view,
        e.comment_length,
        e.share_channel,
        e.new_content_id,
        e.device_os,
        e.region
    from events as e
    left join profile_versions as h
        on
            e.user_id = h.user_id
            and (h.version_number = 1 or e.occurred_at >= h.valid_from)
            and (h.valid_to is null or e.occurred_at < h.valid_to)
)

select * from final
