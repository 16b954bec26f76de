-- For every hour of the post-count spine: the exogenous events (seed) that had started before the
-- hour and were active at some point in the 24 hours before it. Point in time: an event is never
-- visible before its start, so a feature row never sees an event from its own future.
with

events as (
    select * from {{ ref('exogenous_events') }}
),

hours as (
    select distinct bucket_start from {{ ref('int_post_counts_hourly_spined') }}
),

spans as (
    select
        name,
        intensity,
        {{ iso_to_timestamp('event_start') }} as event_start_at,
        coalesce(
            {{ iso_to_timestamp('event_end') }},
            {{ dbt.dateadd('day', 1, iso_to_timestamp('event_start')) }}
        ) as event_end_at
    from events
),

final as (
    select
        h.bucket_start,
        count(s.name) as event_count_24h,
        cast(coalesce(sum(s.intensity), 0) as double precision) as event_intensity_24h
    from hours as h
    left join spans as s
        on
            h.bucket_start > s.event_start_at
            and s.event_end_at >= {{ dbt.dateadd('hour', -24, 'h.bucket_start') }}
    group by h.bucket_start
)

select * from final
