{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['event_id'], ['batch_id']]),
    )
}}
-- One row per user-profile or video-attribute event (registration, profile_update, upload,
-- content_update), deduplicated on event_id (the first delivery by fetched_at, batch_id, line_no,
-- event_index wins; batch_id / line_no / event_index name it). Parsed once and kept as a small
-- incremental table so the SCD2 user history and dim_content do not re-read the whole raw event
-- stream on every build. Incremental by landing batch like the event facts
-- (macros/incremental/event_deliveries.sql): a run takes the deliveries of the batches no row names yet; a
-- re-delivery is ignored, a late earlier delivery replaces the row, so it equals a full refresh.
-- Its batch_id also tells the facts which users' profile history changed (they re-key those users).
{%- set event_columns = [
    'event_id',
    'event_type',
    'occurred_at',
    'fetched_at',
    'user_id',
    'region',
    'content_id',
    'creator_id',
    'created_at',
    'duration_seconds',
    'category',
    'content_type',
    'parent_content_id',
    'sound_id',
    'sound_title',
    'sound_is_original',
    'hashtags_json',
    'effect_ids_json',
    'update_reason',
    'username',
    'user_type',
    'registered_at',
    'follower_count',
    'following_count',
    'is_verified',
] %}

with

{{ core_new_deliveries(
    ref('stg_platform__events'),
    event_columns,
    where="d.event_type in ('registration', 'profile_update', 'upload', 'content_update')"
) }},

final as (
    {{ core_first_deliveries('deliveries', event_columns) }}
)

select * from final
