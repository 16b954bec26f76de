-- One row per platform video with qualified views: its growth, peak and decay on an hourly grain
-- (short-lived trends rise and fall within hours). Relative to the data's latest engagement time.
--   hours_to_peak   : hours from upload (or from the first view when the upload time is unknown) to
--                     the peak hour (the hour with most qualified views; ties: the earliest)
--   recent_hourly_views: mean qualified views per hour over the last 6 hours before as_of_at
--   decay_ratio     : recent_hourly_views / peak_hour_views
--   lifecycle_stage : growing (peak within the last 6 hours), sustained (decay_ratio >= 0.5),
--                     decaying (>= 0.1), faded (< 0.1)
with

engagements as (
    select * from {{ ref('fact_content_engagements') }}
    where is_qualified_view and content_id is not null
),

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

as_of as (
    select max(occurred_at) as as_of_at
    from {{ ref('fact_content_engagements') }}
),

hourly as (
    select
        content_id,
        {{ dbt.date_trunc('hour', 'occurred_at') }} as hour_start,
        count(*) as hour_views
    from engagements
    group by 1, 2
),

ranked as (
    select
        h.*,
        row_number() over (partition by h.content_id order by h.hour_views desc, h.hour_start asc) as peak_rank
    from hourly as h
),

per_content as (
    select
        r.content_id,
        min(r.hour_start) as first_view_hour,
        max(r.hour_start) as last_view_hour,
        count(*) as active_hours,
        sum(r.hour_views) as total_views,
        max(case when r.peak_rank = 1 then r.hour_start end) as peak_hour,
        max(case when r.peak_rank = 1 then r.hour_views end) as peak_hour_views,
        sum(case when r.hour_start > {{ dbt.dateadd('hour', -6, 'a.as_of_at') }} then r.hour_views else 0 end)
            as views_last_6h
    from ranked as r
    cross join as_of as a
    group by 1
),

-- on a double: `bigint / 6.0` is a DECIMAL division on Spark (rounded to 6 decimals)
rated as (
    select
        *,
        cast(views_last_6h as {{ type_double() }}) / 6 as recent_hourly_views
    from per_content
),

final as (
    select
        {{ dbt.hash(dbt.concat(["'platform:'", 'p.content_id'])) }} as content_key,
        p.content_id,
        c.creator_id,
        c.category,
        c.upload_timestamp,
        p.first_view_hour,
        p.peak_hour,
        p.last_view_hour,
        a.as_of_at,
        cast(p.active_hours as {{ dbt.type_bigint() }}) as active_hours,
        cast(p.total_views as {{ dbt.type_bigint() }}) as total_views,
        cast(p.peak_hour_views as {{ dbt.type_bigint() }}) as peak_hour_views,
        cast(
            {{ dbt.datediff('coalesce(c.upload_timestamp, p.first_view_hour)', 'p.peak_hour', 'hour') }}
            as {{ dbt.type_bigint() }}
        ) as hours_to_peak,
        cast(p.recent_hourly_views as {{ type_double() }}) as recent_hourly_views,
        cast(p.recent_hourly_views / p.peak_hour_views as {{ type_double() }}) as decay_ratio,
        case
            when p.peak_hour > {{ dbt.dateadd('hour', -6, 'a.as_of_at') }} then 'growing'
            when p.recent_hourly_views / p.peak_hour_views >= 0.5 then 'sustained'
            when p.recent_hourly_views / p.peak_hour_views >= 0.1 then 'decaying'
            else 'faded'
        end as lifecycle_stage
    from rated as p
    cross join as_of as a
    left join content as c
        on p.content_id = c.content_id
)

select * from final
