-- One row per Mastodon instance the pipeline has heard from (streaming or REST), with the
-- streams it was read through and when it was first and last seen.
with

events as (
    select * from {{ ref('int_mastodon__events_unioned') }}
),

final as (
    select
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast('https://' || instance as {{ dbt.type_string() }}) as base_url,
        cast(case
            when max(case when event_type like 'rest_%' then 0 else 1 end) = 0 then 'rest'
            when min(case when event_type like 'rest_%' then 0 else 1 end) = 1 then 'streaming'
            else 'streaming+rest'
        end as {{ dbt.type_string() }}) as stream_type,
        cast(min(received_at) as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(max(received_at) as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count
    from events
    where instance is not null
    group by instance
)

select * from final
