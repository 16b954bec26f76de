with

source as (
    select * from {{ source('events', 'exogenous_events') }}
),

final as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(category as {{ dbt.type_string() }}) as category,
        event_start as event_start_at,
        event_end as event_end_at,
        cast(intensity as {{ type_double() }}) as intensity,
        cast(source as {{ dbt.type_string() }}) as documented_in,
        created_at
    from source
)

select * from final
