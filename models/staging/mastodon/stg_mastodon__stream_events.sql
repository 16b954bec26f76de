{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy_for_target(append=true),
        on_schema_change='fail',
    )
}}
-- One row per Mastodon streaming line (update, status.update, delete, and any other event), plus
-- every Mastodon archive line that landing could not process (failed), with its error: an event
-- that cannot be processed is kept and counted, never dropped. The one staging model that reads
-- failed lines, because the event log must account for every line received.
-- Incremental by landing batch, append-only: a batch is landed in one transaction, so each
-- batch's lines arrive here once and the table equals a full refresh.
with

responses as (
    select r.* from {{ raw_api_responses('mastodon', with_landed_at=true) }} as r
    where
        r.endpoint like 'api/v1/streaming%'
        and {{ mastodon_replay_window('r.fetched_at') }}
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

failed_lines as (
    select
        f.batch_id,
        f.line_no,
        f.endpoint,
        f.params,
        f.fetched_at,
        f.error_message,
        coalesce(b.completed_at, b.created_at) as landed_at
    from {{ source('raw', 'api_responses') }} as f
    left join {{ source('raw', 'ingestion_batches') }} as b
        on f.batch_id = b.batch_id
    where
        f.processing_status = 'failed'
        -- a line too broken to name its source belongs to its file's source
        and coalesce(f.source, b.source) = 'mastodon'
        and {{ mastodon_replay_window('f.fetched_at') }}
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('f.batch_id') }}
        {% endif %}
),

streamed as (
    select
        r.batch_id,
        r.line_no,
        coalesce({{ json_text('r.params', ['instance']) }}, 'unknown') as instance,
        {{ json_text('r.params', ['stream']) }} as stream_name,
        r.fetched_at as received_at,
        r.landed_at,
        {{ json_text('r.raw_json', ['event']) }} as event_type,
        coalesce(
            {{ json_text('r.raw_json', ['payload', 'id']) }},
            {{ json_scalar_text(json_value('r.raw_json', ['payload'])) }}
        ) as payload_status_id
    from responses as r
),

classified as (
    select
        batch_id,
        line_no,
        instance,
        stream_name,
        received_at,
        landed_at,
        event_type,
        payload_status_id,
        case
            when event_type is null then 'event without a type'
            when event_type not in ('update', 'status.update', 'delete')
                then 'event type not modelled: ' || event_type
            when payload_status_id is null then 'payload without a status id'
        end as process_error
    from streamed
),

failed as (
    select
        batch_id,
        line_no,
        coalesce({{ json_text('params', ['instance']) }}, 'unknown') as instance,
        {{ json_text('params', ['stream']) }} as stream_name,
        fetched_at as received_at,
        landed_at,
        'unreadable' as event_type,
        cast(null as {{ dbt.type_string() }}) as payload_status_id,
        coalesce(error_message, 'failed at landing') as process_error
    from failed_lines
),

final as (
    select * from classified
    union all
    select * from failed
)

select * from final
