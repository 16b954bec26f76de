-- One row per video category and UTC day: qualified views, completion rate (view-weighted mean
-- of the videos' completion), average watch time, and the 7-day rolling completion rate.
with

performance as (
    select * from {{ ref('fact_content_performance') }}
),

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

daily as (
    select
        coalesce(c.category, 'unknown') as category,
        p.performance_date,
        sum(p.total_views) as total_views,
        count(*) as active_content,
        sum(p.completion_rate * p.total_views) as completion_weighted,
        sum(p.avg_watch_duration * p.total_views) as watch_weighted
    from performance as p
    left join content as c
        on p.content_id = c.content_id
    group by 1, 2
),

rolling as (
    select
        d.category,
        d.performance_date,
        sum(r.completion_weighted) as completion_weighted_7d,
        sum(r.total_views) as total_views_7d
    from daily as d
    inner join daily as r
        on
            d.category = r.category
            and {{ in_trailing_days('r.performance_date', 'd.performance_date', 7) }}
    group by 1, 2
),

final as (
    select
        d.category,
        d.performance_date,
        {{ core_date_key('d.performance_date', grain='day') }} as date_key,
        cast(d.active_content as {{ dbt.type_bigint() }}) as active_content,
        cast(d.total_views as {{ dbt.type_bigint() }}) as total_views,
        cast(d.completion_weighted / nullif(d.total_views, 0) as {{ type_double() }}) as completion_rate,
        cast(d.watch_weighted / nullif(d.total_views, 0) as {{ type_double() }}) as avg_watch_duration,
        cast(r.completion_weighted_7d / nullif(r.total_views_7d, 0) as {{ type_double() }}) as completion_rate_7d
    from daily as d
    inner join rolling as r
        on d.category = r.category and d.performance_date = r.performance_date
)

select * from final
