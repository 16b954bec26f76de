-- The benchmark label, one row per (region, video) at its first appearance in the region's chart.
-- persists_2d = 1 when the video is in that region's chart on a chart day dated t+2 or t+3,
-- 0 when it is not, NULL when neither of those two chart days exists in the data.
with

entries as (
    select * from {{ ref('int_youtube_chart_entries_daily') }}
),

days as (
    select * from {{ ref('int_youtube_chart_days_sequenced') }}
),

first_appearances as (
    select
        region_code,
        video_id,
        snapshot_date as first_seen_date,
        fetched_at as first_seen_at,
        chart_rank as first_chart_rank
    from entries
    where is_first_appearance
),

window_days as (
    select
        f.region_code,
        f.video_id,
        max(case when d.snapshot_date = {{ dbt.dateadd('day', 2, 'f.first_seen_date') }} then 1 else 0 end)
            as has_day_2_snapshot,
        max(case when d.snapshot_date = {{ dbt.dateadd('day', 3, 'f.first_seen_date') }} then 1 else 0 end)
            as has_day_3_snapshot
    from first_appearances as f
    inner join days as d
        on
            f.region_code = d.region_code
            and f.first_seen_date < d.snapshot_date
            and {{ dbt.dateadd('day', 3, 'f.first_seen_date') }} >= d.snapshot_date
    group by 1, 2
),

runs as (
    select
        region_code,
        video_id,
        max(snapshot_date) as last_seen_date,
        count(*) as chart_days_in_region
    from entries
    group by 1, 2
),

window_seen as (
    select
        f.region_code,
        f.video_id,
        count(*) as n_window_days_seen
    from first_appearances as f
    inner join entries as e
        on
            f.region_code = e.region_code
            and f.video_id = e.video_id
            and (
                e.snapshot_date = {{ dbt.dateadd('day', 2, 'f.first_seen_date') }}
                or e.snapshot_date = {{ dbt.dateadd('day', 3, 'f.first_seen_date') }}
            )
    group by 1, 2
),

final as (
    select
        f.region_code,
        f.video_id,
        f.first_seen_date,
        f.first_seen_at,
        f.first_chart_rank,
        cast({{ dbt.dateadd('day', 3, 'f.first_seen_date') }} as date) as label_window_closes_on,
        coalesce(w.has_day_2_snapshot, 0) = 1 as has_day_2_snapshot,
        coalesce(w.has_day_3_snapshot, 0) = 1 as has_day_3_snapshot,
        case
            when coalesce(w.has_day_2_snapshot, 0) + coalesce(w.has_day_3_snapshot, 0) = 0 then null
            when coalesce(s.n_window_days_seen, 0) > 0 then 1
            else 0
        end as persists_2d,
        r.last_seen_date,
        r.chart_days_in_region
    from first_appearances as f
    inner join runs as r
        on f.region_code = r.region_code and f.video_id = r.video_id
    left join window_days as w
        on f.region_code = w.region_code and f.video_id = w.video_id
    left join window_seen as s
        on f.region_code = s.region_code and f.video_id = s.video_id
)

select * from final
