{{ config(materialized='table') }}
-- One row per (region, chart day): when it was fetched, the previous chart day of the region
-- (collection gaps show as a gap > 1), how many entries are new and how many of the previous
-- chart day's entries are still in the chart. All known at the snapshot itself.
with

entries as (
    select * from {{ ref('int_youtube_chart_entries_daily') }}
),

days as (
    select
        region_code,
        snapshot_date,
        min(fetched_at) as snapshot_fetched_at,
        count(*) as n_entries,
        cast(sum(case when is_first_appearance then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_new_entries
    from entries
    group by 1, 2
),

sequenced as (
    select
        *,
        lag(snapshot_date) over (partition by region_code order by snapshot_date) as previous_snapshot_date
    from days
),

retained as (
    select
        d.region_code,
        d.snapshot_date,
        count(t.video_id) as n_retained_from_previous
    from sequenced as d
    inner join entries as p
        on d.region_code = p.region_code and d.previous_snapshot_date = p.snapshot_date
    inner join entries as t
        on
            p.region_code = t.region_code
            and p.video_id = t.video_id
            and d.snapshot_date = t.snapshot_date
    group by 1, 2
),

final as (
    select
        s.region_code,
        s.snapshot_date,
        s.snapshot_fetched_at,
        s.n_entries,
        s.n_new_entries,
        s.previous_snapshot_date,
        cast(
            {{ dbt.datediff('s.previous_snapshot_date', 's.snapshot_date', 'day') }} as {{ dbt.type_bigint() }}  -- noqa: LT05
        )
            as days_since_previous_snapshot,
        case
            when s.previous_snapshot_date is not null
                then coalesce(r.n_retained_from_previous, 0)
        end as n_retained_from_previous
    from sequenced as s
    left join retained as r
        on s.region_code = r.region_code and s.snapshot_date = r.snapshot_date
)

select * from final
