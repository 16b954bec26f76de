-- The Mastodon event log: every streaming line received (update, status.update, delete, others)
-- and every REST sighting of a status (a status by id, or one element of a timeline page), plus
-- the archive lines landing could not read, each with its error. processed_at is when the line's
-- batch was landed; process_error is NULL for events the models used.
with

stream as (
    select * from {{ ref('stg_mastodon__stream_events') }}
),

statuses as (
    select * from {{ ref('stg_mastodon__statuses') }}
    where observed_via in ('rest', 'timeline')
),

streamed as (
    select
        {{ dbt.concat(['batch_id', "'-'", 'cast(line_no as ' ~ dbt.type_string() ~ ')', "'-1'"]) }}
            as event_id,
        instance,
        stream_name,
        {{ core_utc('received_at') }} as received_at,
        event_type,
        payload_status_id,
        {{ core_utc('landed_at') }} as processed_at,
        process_error
    from stream
),

sightings as (
    select
        {{ dbt.concat([
            'batch_id', "'-'", 'cast(line_no as ' ~ dbt.type_string() ~ ')', "'-'",
            'cast(item_index as ' ~ dbt.type_string() ~ ')',
        ]) }} as event_id,
        instance,
        cast(null as {{ dbt.type_string() }}) as stream_name,
        {{ core_utc('fetched_at') }} as received_at,
        case when observed_via = 'rest' then 'rest_status' else 'rest_timeline' end as event_type,
        status_id as payload_status_id,
        {{ core_utc('landed_at') }} as processed_at,
        cast(null as {{ dbt.type_string() }}) as process_error
    from statuses
),

final as (
    select * from streamed
    union all
    select * from sightings
)

select * from final
