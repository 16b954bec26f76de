-- The curated seed list and the deployment's own events as one list. A user's row replaces a
-- curated row with the same event_id, so a team can correct a curated date or rating without
-- editing the project.
with

curated as (
    select * from {{ ref('exogenous_events_curated') }}
),

user_events as (
    select * from {{ ref('stg_events__exogenous_events') }}
),

curated_typed as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(category as {{ dbt.type_string() }}) as category,
        {{ iso_to_timestamp('event_start') }} as event_start_at,
        {{ iso_to_timestamp('event_end') }} as event_end_at,
        cast(intensity as {{ type_double() }}) as intensity,
        cast(source as {{ dbt.type_string() }}) as documented_in,
        {{ iso_to_timestamp('created_at') }} as created_at,
        'curated' as origin
    from curated
    where event_id not in (select u.event_id from user_events as u)
),

user_typed as (
    select
        event_id,
        description,
        category,
        event_start_at,
        event_end_at,
        intensity,
        documented_in,
        created_at,
        'user' as origin
    from user_events
),

final as (
    select * from curated_typed
    union all
    select * from user_typed
)

select * from final
