-- The Mastodon event log: every streaming event received and every REST sighting, one row each,
-- with its processing outcome. Events that could not be processed keep their error here.
with

events as (
    select * from {{ ref('int_mastodon__events_unioned') }}
),

final as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(stream_name as {{ dbt.type_string() }}) as stream_name,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(payload_status_id as {{ dbt.type_string() }}) as payload_status_id,
        cast(processed_at as {{ dbt.type_timestamp() }}) as processed_at,
        cast(process_error as {{ dbt.type_string() }}) as process_error,
        process_error is null as is_processed
    from events
)

select * from final
