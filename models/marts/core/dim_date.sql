-- One row per UTC hour over the whole range of the platform facts and uploads (whole days: from
-- 00:00 of the first day to 23:00 of the last). Empty when no platform event is loaded yet.
with

engagement_bounds as (
    select
        min(occurred_at) as first_at,
        max(occurred_at) as last_at
    from {{ ref('fact_content_engagements') }}
),

discovery_bounds as (
    select
        min(discovery_timestamp) as first_at,
        max(discovery_timestamp) as last_at
    from {{ ref('fact_discovery_events') }}
),

upload_bounds as (
    -- videos uploaded during the data (their upload day is a creator-analytics day)
    select
        min(upload_timestamp) as first_at,
        max(upload_timestamp) as last_at
    from {{ ref('dim_content') }}
    where platform = 'platform' and has_upload_event
),

bounds as (
    select
        min(first_at) as first_at,
        max(last_at) as last_at
    from (
        select
            first_at,
            last_at
        from engagement_bounds
        union all
        select
            first_at,
            last_at
        from discovery_bounds
        union all
        select
            first_at,
            last_at
        from upload_bounds
    ) as b
),

day_bounds as (
    select
        cast({{ core_utc_date('first_at') }} as timestamp) as first_hour,
        cast({{ core_utc_date('last_at') }} as timestamp) as last_day
    from bounds
    where first_at is not null
),

spans as (
    select
        first_hour,
        (
            {{ dbt.datediff('first_hour', 'last_day', 'day') }}
            + 1
        ) * 24 as hour_count
    from day_bounds
),

offsets as (
    {{ core_integers(5) }}
),

hours as (
    select {{ dbt.dateadd('hour', 'o.n', 'b.first_hour') }} as hour_start
    from spans as b
    inner join offsets as o
        on b.hour_count > o.n
),

final as (
    select
        (
            cast(extract(year from hour_start) as {{ dbt.type_bigint() }}) * 1000000
            + cast(extract(month from hour_start) as {{ dbt.type_bigint() }}) * 10000
            + cast(extract(day from hour_start) as {{ dbt.type_bigint() }}) * 100
            + cast(extract(hour from hour_start) as {{ dbt.type_bigint() }})
        ) as date_key,
        cast(hour_start as date) as full_date,
        cast(hour_start as timestamp) as hour_start_utc,
        cast(extract(year from hour_start) as integer) as calendar_year,
        cast(extract(quarter from hour_start) as integer) as calendar_quarter,
        cast(extract(month from hour_start) as integer) as calendar_month,
        cast(extract(day from hour_start) as integer) as day_of_month,
        -- ISO day of week: 1 = Monday .. 7 = Sunday
        {{ iso_day_of_week('hour_start') }} as day_of_week,
        cast(extract(hour from hour_start) as integer) as hour_of_day,
        coalesce({{ iso_day_of_week('hour_start') }} in (6, 7), false) as is_weekend
    from hours
)

select * from final
