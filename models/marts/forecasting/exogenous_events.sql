-- The exogenous events forecasting uses (curated and the deployment's own), with the seed's
-- columns: what `trendcast forecast` reads and what a BI tool lists beside a fan chart.
with

events as (
    select * from {{ ref('int_exogenous_events_unioned') }}
),

final as (
    select
        event_id,
        description,
        category,
        cast(event_start_at as {{ type_timestamptz() }}) as event_start_at,
        cast(
            coalesce(event_end_at, {{ dbt.dateadd('day', 1, 'event_start_at') }})
            as {{ type_timestamptz() }}
        ) as event_end_at,
        cast(intensity as {{ type_double() }}) as intensity,
        documented_in,
        origin,
        cast(created_at as {{ type_timestamptz() }}) as created_at
    from events
)

select * from final
