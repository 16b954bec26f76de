{{
    config(
        materialized='incremental',
        unique_key='event_delivery_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['event_delivery_id'], ['fetched_at'], ['event_id']]),
    )
}}
-- One row per delivery of a first-party event (docs/EVENTS.md): each events/v1/poll line carries
-- a batch of events, exploded here. Not deduplicated on purpose: the same event_id can arrive in
-- two polls (at-least-once), and downstream facts dedupe on event_id after their incremental
-- window filter. All fields of all event types are columns (NULL where a type has none).
-- A table, not a view (unlike other staging models): the event stream is by far the largest raw
-- entity, and three facts plus every test would otherwise re-parse its JSON. Incremental on
-- fetched_at with the same lookback as the facts (var lookback_hours); equal to a full refresh as
-- long as files land within that window of the newest (docs/STAR_SCHEMA.md).
with

responses as (
    select * from {{ raw_api_responses('platform') }} as r
    {% if is_incremental() %}
        where r.fetched_at >= {{ core_incremental_cutoff('fetched_at') }}
    {% endif %}
),

exploded as (
    select
        r.batch_id,
        r.line_no,
        e.event_index,
        r.fetched_at,
        {{ safe_cast(json_text('r.params', ['partition']), dbt.type_bigint()) }} as stream_partition,
        {{ safe_cast(json_text('r.params', ['offset']), dbt.type_bigint()) }} as batch_offset,
        e.event
    from responses as r
    {{ json_array_rows('r.raw_json', ['events'], 'event', 'event_index', 'e') }}
    where r.endpoint like 'events/%'
),

parsed as (
    select
        batch_id,
        line_no,
        event_index,
        stream_partition,
        batch_offset,
        fetched_at,
        {{ json_text('event', ['event_id']) }} as event_id,
        {{ json_text('event', ['event_type']) }} as event_type,
        {{ iso_to_timestamp(json_text('event', ['occurred_at'])) }} as occurred_at,
        {{ iso_to_timestamp(json_text('event', ['received_at'])) }} as received_at,
        {{ json_text('event', ['user_id']) }} as user_id,
        {{ json_text('event', ['device_os']) }} as device_os,
        {{ json_text('event', ['region']) }} as region,
        {{ json_text('event', ['content_id']) }} as content_id,
        {{ json_text('event', ['creator_id']) }} as creator_id,
        {{ json_text('event', ['target_user_id']) }} as target_user_id,
        {{ json_text('event', ['new_content_id']) }} as new_content_id,
        {{ json_text('event', ['discovery_source']) }} as discovery_source,
        {{ json_text('event', ['discovery_context']) }} as discovery_context,
        {{ safe_cast(json_text('event', ['position_in_feed']), dbt.type_bigint()) }} as position_in_feed,
        {{ safe_cast(json_text('event', ['clicked_through']), dbt.type_boolean()) }} as clicked_through,
        {{ safe_cast(json_text('event', ['time_to_engagement_seconds']), type_double()) }}
            as time_to_engagement_seconds,
        {{ safe_cast(json_text('event', ['watch_duration_seconds']), type_double()) }}
            as watch_duration_seconds,
        {{ safe_cast(json_text('event', ['video_duration_seconds']), dbt.type_bigint()) }}
            as video_duration_seconds,
        {{ safe_cast(json_text('event', ['completion_percentage']), type_double()) }}
            as completion_percentage,
        {{ json_text('event', ['comment_id']) }} as comment_id,
        {{ safe_cast(json_text('event', ['comment_length']), dbt.type_bigint()) }} as comment_length,
        {{ json_text('event', ['share_channel']) }} as share_channel,
        {{ iso_to_timestamp(json_text('event', ['created_at'])) }} as created_at,
        {{ safe_cast(json_text('event', ['duration_seconds']), dbt.type_bigint()) }} as duration_seconds,
        {{ json_text('event', ['category']) }} as category,
        {{ json_text('event', ['content_type']) }} as content_type,
        {{ json_text('event', ['parent_content_id']) }} as parent_content_id,
        {{ json_text('event', ['sound_id']) }} as sound_id,
        {{ json_text('event', ['sound_title']) }} as sound_title,
        {{ safe_cast(json_text('event', ['sound_is_original']), dbt.type_boolean()) }} as sound_is_original,
        {{ json_to_text(json_value('event', ['hashtags'])) }} as hashtags_json,
        {{ json_to_text(json_value('event', ['effect_ids'])) }} as effect_ids_json,
        {{ json_text('event', ['language']) }} as language_code,
        {{ json_text('event', ['description']) }} as description,
        {{ json_text('event', ['update_reason']) }} as update_reason,
        {{ json_to_text(json_value('event', ['changed_fields'])) }} as changed_fields_json,
        {{ json_text('event', ['username']) }} as username,
        {{ json_text('event', ['display_name']) }} as display_name,
        {{ json_text('event', ['user_type']) }} as user_type,
        {{ json_text('event', ['creator_tier']) }} as creator_tier,
        {{ json_text('event', ['timezone']) }} as timezone,
        {{ iso_to_timestamp(json_text('event', ['registered_at'])) }} as registered_at,
        {{ safe_cast(json_text('event', ['follower_count']), dbt.type_bigint()) }} as follower_count,
        {{ safe_cast(json_text('event', ['following_count']), dbt.type_bigint()) }} as following_count,
        {{ safe_cast(json_text('event', ['is_verified']), dbt.type_boolean()) }} as is_verified,
        {{ json_text('event', ['bio']) }} as bio
    from exploded
),

final as (
    select
        {{ dbt.concat([
            'batch_id', "'-'", 'cast(line_no as ' ~ dbt.type_string() ~ ')', "'-'",
            'cast(event_index as ' ~ dbt.type_string() ~ ')',
        ]) }} as event_delivery_id,
        *
    from parsed
    where event_id is not null
)

select * from final
