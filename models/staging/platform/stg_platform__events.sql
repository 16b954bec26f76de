{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy_for_target(append=true),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['event_delivery_id'], ['fetched_at'], ['event_id'], ['batch_id']]),
    )
}}
-- One row per delivery of a first-party event (docs/EVENTS.md): each events/v1/poll line carries
-- a batch of events, split at landing into raw.response_items (one row per event, so the parse
-- streams and runs on every core; trendcast/landing.py says why). Not deduplicated on purpose:
-- the same event_id can arrive in two polls (at-least-once), and downstream facts dedupe on
-- event_id. All fields of all event types are columns (NULL where a type has none).
-- A table, not a view (unlike other staging models): the event stream is by far the largest raw
-- entity, and three facts plus every test would otherwise re-parse its JSON. Incremental by
-- batch and append-only (batch_not_yet_loaded): a run parses only the batches landed since the
-- last one, so it equals a full refresh exactly and an hourly run parses one hour.
{%- set event_fields = {
    'event_id': 'text',
    'event_type': 'text',
    'occurred_at': 'text',
    'received_at': 'text',
    'user_id': 'text',
    'device_os': 'text',
    'region': 'text',
    'content_id': 'text',
    'creator_id': 'text',
    'target_user_id': 'text',
    'new_content_id': 'text',
    'discovery_source': 'text',
    'discovery_context': 'text',
    'position_in_feed': 'text',
    'clicked_through': 'text',
    'time_to_engagement_seconds': 'text',
    'watch_duration_seconds': 'text',
    'video_duration_seconds': 'text',
    'completion_percentage': 'text',
    'comment_id': 'text',
    'comment_length': 'text',
    'share_channel': 'text',
    'created_at': 'text',
    'duration_seconds': 'text',
    'category': 'text',
    'content_type': 'text',
    'parent_content_id': 'text',
    'sound_id': 'text',
    'sound_title': 'text',
    'sound_is_original': 'text',
    'language': 'text',
    'description': 'text',
    'update_reason': 'text',
    'username': 'text',
    'display_name': 'text',
    'user_type': 'text',
    'creator_tier': 'text',
    'timezone': 'text',
    'registered_at': 'text',
    'follower_count': 'text',
    'following_count': 'text',
    'is_verified': 'text',
    'bio': 'text',
    'experiment_id': 'text',
    'variant': 'text',
    'report_id': 'text',
    'report_reason': 'text',
    'moderation_action': 'text',
    'actor_type': 'text',
    'analytics_consent': 'text',
    'closure_reason': 'text',
    'hashtags': 'json',
    'effect_ids': 'json',
    'changed_fields': 'json',
} %}

with

responses as (
    select r.* from {{ raw_api_responses('platform') }} as r
    where
        r.endpoint like 'events/%'
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

items as (
    select i.* from {{ source('raw', 'response_items') }} as i
    {% if is_incremental() %}
        where {{ batch_not_yet_loaded('i.batch_id') }}
    {% endif %}
),

exploded as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ safe_cast(json_text('r.params', ['partition']), dbt.type_bigint()) }} as stream_partition,
        {{ safe_cast(json_text('r.params', ['offset']), dbt.type_bigint()) }} as batch_offset,
        i.item_index as event_index,
        {{ json_object_record('i.item_json', event_fields) }} as event_record
    from items as i
    inner join responses as r
        on i.batch_id = r.batch_id and i.line_no = r.line_no
),

fields as (
    select
        x.batch_id,
        x.line_no,
        x.fetched_at,
        x.stream_partition,
        x.batch_offset,
        x.event_index,
        {{ json_record_fields('x.event_record', event_fields) }}
    from exploded as x
),

parsed as (
    select
        batch_id,
        line_no,
        event_index,
        stream_partition,
        batch_offset,
        fetched_at,
        event_id,
        event_type,
        {{ iso_to_timestamp('occurred_at') }} as occurred_at,
        {{ iso_to_timestamp('received_at') }} as received_at,
        user_id,
        device_os,
        region,
        content_id,
        creator_id,
        target_user_id,
        new_content_id,
        discovery_source,
        discovery_context,
        {{ safe_cast('position_in_feed', dbt.type_bigint()) }} as position_in_feed,
        {{ safe_cast('clicked_through', dbt.type_boolean()) }} as clicked_through,
        {{ safe_cast('time_to_engagement_seconds', type_double()) }}
            as time_to_engagement_seconds,
        {{ safe_cast('watch_duration_seconds', type_double()) }}
            as watch_duration_seconds,
        {{ safe_cast('video_duration_seconds', dbt.type_bigint()) }}
            as video_duration_seconds,
        {{ safe_cast('completion_percentage', type_double()) }}
            as completion_percentage,
        comment_id,
        {{ safe_cast('comment_length', dbt.type_bigint()) }} as comment_length,
        share_channel,
        {{ iso_to_timestamp('created_at') }} as created_at,
        {{ safe_cast('duration_seconds', dbt.type_bigint()) }} as duration_seconds,
        category,
        content_type,
        parent_content_id,
        sound_id,
        sound_title,
        {{ safe_cast('sound_is_original', dbt.type_boolean()) }} as sound_is_original,
        {{ json_to_text('hashtags') }} as hashtags_json,
        {{ json_to_text('effect_ids') }} as effect_ids_json,
        language as language_code,
        description,
        update_reason,
        {{ json_to_text('changed_fields') }} as changed_fields_json,
        username,
        display_name,
        user_type,
        creator_tier,
        timezone,
        {{ iso_to_timestamp('registered_at') }} as registered_at,
        {{ safe_cast('follower_count', dbt.type_bigint()) }} as follower_count,
        {{ safe_cast('following_count', dbt.type_bigint()) }} as following_count,
        {{ safe_cast('is_verified', dbt.type_boolean()) }} as is_verified,
        bio,
        experiment_id,
        variant,
        report_id,
        report_reason,
        moderation_action,
        actor_type,
        {{ safe_cast('analytics_consent', dbt.type_boolean()) }} as analytics_consent,
        closure_reason
    from fields
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
