-- For every hour of the post-count spine: the exogenous events (curated and the deployment's own)
-- that had started before the hour and were active at some point in the 24 hours before it. Point
-- in time: an event is never visible before its start, so a feature row never sees an event from
-- its own future. Intensity is the strongest active event's, not a sum: two minor events on one
-- day are not one major event (docs/FORECASTING.md compares both in the backtest).
with

events as (
    select * from {{ ref('int_exogenous_events_unioned') }}
),

hours as (
    select distinct bucket_start from {{ ref('int_post_counts_hourly_spined') }}
),

spans as (
    select
        event_id,
        intensity,
        event_start_at,
        coalesce(event_end_at, {{ dbt.dateadd('day', 1, 'event_start_at') }}) as event_end_at
    from events
),

final as (
    select
        h.bucket_start,
        count(s.event_id) as event_count_24h,
        cast(coalesce(max(s.intensity), 0) as {{ type_double() }}) as event_intensity_max_24h
    from hours as h
    left join spans as s
        on
            h.bucket_start > s.event_start_at
            and s.event_end_at >= {{ dbt.dateadd('hour', -24, 'h.bucket_start') }}
    group by h.bucket_start
)

select * from final
