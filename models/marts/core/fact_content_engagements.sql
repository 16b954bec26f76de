{{ core_event_fact_config() }}
-- One row per engagement event (view, like, comment, share, save, follow, unfollow, duet, remix),
-- deduplicated on event_id (the first delivery by fetched_at, batch_id, line_no, event_index
-- wins; batch_id / line_no / event_index name it), with the user_key of the profile version valid
-- at event time. Incremental by landing batch (macros/incremental/event_deliveries.sql has the reasoning): a
-- run takes the deliveries of the batches no row names yet, whatever their fetched_at, and equals a
-- full refresh (proved by tests/python/test_star_schema_incremental.py):
--   * a re-delivery of a stored event is ignored; a delivery that comes before the stored one (a
--     late file with an earlier fetched_at) replaces the row (delete+insert on event_id);
--   * when a user's profile history changes (a profile event from a batch not processed here yet,
--     possibly late), that user's stored rows are re-keyed against the new history.
{%- set event_columns = [
    'event_id',
    'engagement_type',
    'occurred_at',
    'received_at',
    'fetched_at',
    'user_id',
    'content_id',
    'creator_id',
    'discovery_source',
    'engagement_context',
    'watch_duration_seconds',
    'video_duration_seconds',
    'completion_percentage',
    'is_qualified_view',
    'comment_length',
    'share_channel',
    'new_content_id',
    'device_os',
    'region',
] %}

with

{{ core_event_fact_ctes(ref('int_platform_engagements_prepared'), event_columns) }},

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
        e.region,
        e.batch_id,
        e.line_no,
        e.event_index
    from events as e
    left join profile_versions as h
        on {{ core_version_valid_at('h', 'e.user_id', 'e.occurred_at') }}
    {% if is_incremental() %}
        where {{ core_row_is_new_or_rekeyed('e', 'h.user_key') }}
    {% endif %}
)

select * from final
