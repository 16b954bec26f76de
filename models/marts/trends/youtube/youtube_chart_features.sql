-- Point-in-time features per (region, video) at its first appearance in the region's chart
-- (as_of_date = the first-appearance chart day). Every input was fetched at or before that chart
-- call: the entry itself, the rest of the same chart, earlier charts of any region, and only the
-- labels whose t+3 window had closed by as_of_date. The title (free text) is in
-- private.youtube_chart_titles, which readers cannot read (docs/SECURITY.md).
{{ config(
    pre_hook=join_as_written(true),
    post_hook=join_as_written(false),
) }}

{#- the running windows of the history timelines below: from the partition's start to the row #}
{%- set running = ' rows between unbounded preceding and current row' -%}
{%- set channel_region_window = 'partition by region_code, channel_id'
    ~ ' order by timeline_date, timeline_order' ~ running -%}
{%- set channel_any_region_window = 'partition by channel_id order by timeline_at, timeline_order' ~ running -%}
{%- set region_window = 'partition by region_code order by timeline_date, timeline_order' ~ running %}
with

entries as (
    select * from {{ ref('int_youtube_chart_entries_daily') }}
),

days as (
    select * from {{ ref('int_youtube_chart_days_sequenced') }}
),

labels as (
    select * from {{ ref('youtube_chart_labels') }}
),

entries_in_chart as (
    select
        e.*,
        cast(
            {{ dbt.datediff('e.published_at', 'e.fetched_at', 'second') }} as {{ type_double() }}  -- noqa: LT05
        ) / 3600.0 as video_age_hours
    from entries as e
),

ranked_in_chart as (
    -- the entry against the rest of the same chart (same call); `nulls last` spelled out:
    -- it is the default on DuckDB and Postgres, Spark puts NULLs first in ascending order
    select
        *,
        percent_rank() over (partition by region_code, snapshot_date order by view_count nulls last)
            as views_pct_in_chart,
        percent_rank() over (
            partition by region_code, snapshot_date
            order by view_count / greatest(video_age_hours, 1.0) nulls last
        ) as views_per_hour_pct_in_chart,
        percent_rank() over (partition by region_code, snapshot_date order by published_at nulls last)
            as recency_pct_in_chart,
        count(*) over (partition by region_code, snapshot_date, channel_id) as channel_entries_in_chart
    from entries_in_chart
),

first_entries as (
    select
        r.*,
        l.persists_2d,
        l.label_window_closes_on
    from ranked_in_chart as r
    inner join labels as l
        on r.region_code = l.region_code and r.video_id = l.video_id
    where r.is_first_appearance
),

-- The history features below are running sums over one ordered timeline per partition, so they
-- grow linearly with a channel's (region's) history (a self-join of each first appearance with
-- all earlier ones is quadratic in it: minutes on a multi-year archive). Each timeline interleaves "query"
-- rows (the first appearance b the features are for) with "event" rows (what b may count), ordered
-- by (timeline_date or timeline_at, timeline_order); a window summing from the partition's start
-- to the query row counts exactly the events the join condition accepted:
-- timeline_order 0 = events counted on b's own day or time (<=), 1 = queries,
-- 2 = events counted only strictly before it (<). Query rows carry zeros, so ties among
-- them change nothing. Rows without a channel get no channel events (0 and NULL, as a join on
-- channel_id gives).

channel_region_timeline as (
    -- per (region, channel): b's earlier first appearances h (h.snapshot_date < b.snapshot_date)
    -- and, of those, the labels whose window had closed by t (h.label_window_closes_on <=
    -- b.snapshot_date): a label event sits on the later of its closing day and h's next day, so
    -- it counts only when both hold
    select
        region_code,
        channel_id,
        video_id,
        snapshot_date as timeline_date,
        1 as timeline_order,
        0 as is_prior_video,
        0 as is_labelled,
        0 as is_persisted,
        cast(null as date) as prior_video_date
    from first_entries
    union all
    select
        region_code,
        channel_id,
        video_id,
        snapshot_date as timeline_date,
        2 as timeline_order,
        1 as is_prior_video,
        0 as is_labelled,
        0 as is_persisted,
        snapshot_date as prior_video_date
    from first_entries
    where channel_id is not null
    union all
    select
        region_code,
        channel_id,
        video_id,
        cast(
            greatest(label_window_closes_on, {{ dbt.dateadd('day', 1, 'snapshot_date') }}) as date
        ) as timeline_date,
        0 as timeline_order,
        0 as is_prior_video,
        1 as is_labelled,
        case when persists_2d = 1 then 1 else 0 end as is_persisted,
        cast(null as date) as prior_video_date
    from first_entries
    where channel_id is not null and label_window_closes_on is not null and persists_2d is not null
),

channel_region_running as (
    select
        region_code,
        video_id,
        timeline_order,
        sum(is_prior_video) over ({{ channel_region_window }}) as channel_prior_videos,
        sum(is_labelled) over ({{ channel_region_window }}) as channel_prior_labelled,
        sum(is_persisted) over ({{ channel_region_window }}) as channel_prior_persisted,
        max(prior_video_date) over ({{ channel_region_window }}) as prior_video_date,
        timeline_date
    from channel_region_timeline
),

channel_region_history as (
    -- the channel's earlier first appearances in this region's chart, and the outcome of those
    -- whose label window had closed by t
    select
        region_code,
        video_id,
        cast(channel_prior_videos as {{ dbt.type_bigint() }}) as channel_prior_videos,
        cast(channel_prior_labelled as {{ dbt.type_bigint() }}) as channel_prior_labelled,
        cast(channel_prior_persisted as {{ dbt.type_bigint() }}) as channel_prior_persisted,
        cast(
            {{ dbt.datediff('prior_video_date', 'timeline_date', 'day') }} as {{ dbt.type_bigint() }}  -- noqa: LT05
        ) as channel_days_since_prior_video
    from channel_region_running
    where timeline_order = 1
),

channel_any_region_timeline as (
    -- per channel: its chart rows in any region fetched strictly before b's call, and its videos
    -- whose first chart row (any region) was: count(distinct video_id) over the earlier rows
    select
        channel_id,
        region_code,
        video_id,
        fetched_at as timeline_at,
        1 as timeline_order,
        0 as is_chart_row,
        0 as is_first_row_of_video
    from first_entries
    union all
    select
        channel_id,
        region_code,
        video_id,
        fetched_at as timeline_at,
        2 as timeline_order,
        1 as is_chart_row,
        case
            when row_number() over (partition by channel_id, video_id order by fetched_at) = 1 then 1 else 0
        end as is_first_row_of_video
    from entries
    where channel_id is not null
),

channel_any_region_running as (
    select
        region_code,
        video_id,
        timeline_order,
        sum(is_chart_row) over ({{ channel_any_region_window }}) as channel_prior_chart_rows_any_region,
        sum(is_first_row_of_video) over ({{ channel_any_region_window }}) as channel_prior_videos_any_region
    from channel_any_region_timeline
),

channel_any_region as (
    select
        region_code,
        video_id,
        cast(channel_prior_chart_rows_any_region as {{ dbt.type_bigint() }}) as channel_prior_chart_rows_any_region,
        cast(channel_prior_videos_any_region as {{ dbt.type_bigint() }}) as channel_prior_videos_any_region
    from channel_any_region_running
    where timeline_order = 1
),

other_regions as (
    -- the same video in other regions' charts fetched at or before this call
    select
        b.region_code,
        b.video_id,
        count(distinct x.region_code) as other_regions_seen,
        count(x.video_id) as other_region_chart_rows,
        cast(min(x.chart_rank) as {{ dbt.type_bigint() }}) as other_regions_best_rank,
        cast(max({{ dbt.datediff('x.snapshot_date', 'b.snapshot_date', 'day') }}) as {{ dbt.type_bigint() }})
            as other_regions_days_since_first,
        count(distinct case when x.snapshot_date = b.snapshot_date then x.region_code end)
            as other_regions_same_day
    from first_entries as b
    left join entries as x
        on
            b.video_id = x.video_id
            and b.region_code != x.region_code
            and b.fetched_at >= x.fetched_at
    group by 1, 2
),

region_recent_timeline as (
    -- the region's recent persistence rate: first appearances h of the last 14 days whose window
    -- had closed by t (h.label_window_closes_on <= t and h.snapshot_date >= t - 17). Each label
    -- enters on its closing day and leaves again on the first day it is too old (the later of
    -- its closing day and h.snapshot_date + 18), so the running sum holds exactly those h
    select
        region_code,
        video_id,
        snapshot_date as timeline_date,
        1 as timeline_order,
        0 as n_labelled,
        0 as n_persisted
    from first_entries
    union all
    select
        region_code,
        video_id,
        label_window_closes_on as timeline_date,
        0 as timeline_order,
        1 as n_labelled,
        case when persists_2d = 1 then 1 else 0 end as n_persisted
    from first_entries
    where label_window_closes_on is not null and persists_2d is not null
    union all
    select
        region_code,
        video_id,
        cast(
            greatest(label_window_closes_on, {{ dbt.dateadd('day', 18, 'snapshot_date') }}) as date
        ) as timeline_date,
        0 as timeline_order,
        -1 as n_labelled,
        case when persists_2d = 1 then -1 else 0 end as n_persisted
    from first_entries
    where label_window_closes_on is not null and persists_2d is not null
),

region_recent_running as (
    select
        region_code,
        video_id,
        timeline_order,
        sum(n_labelled) over ({{ region_window }}) as n_labelled,
        sum(n_persisted) over ({{ region_window }}) as n_persisted
    from region_recent_timeline
),

region_recent as (
    -- avg() of 0/1 values is their (exact) sum over their count, divided once
    select
        region_code,
        video_id,
        case
            when n_labelled > 0 then cast(n_persisted as {{ type_double() }}) / n_labelled
        end as region_persist_rate_14d,
        cast(n_labelled as {{ dbt.type_bigint() }}) as region_labelled_14d
    from region_recent_running
    where timeline_order = 1
),

final as (
    select
        b.region_code,
        b.video_id,
        b.snapshot_date as as_of_date,
        b.fetched_at as as_of_at,
        b.channel_id,
        b.category_id,
        b.tags,
        cast(b.description_length as {{ dbt.type_bigint() }}) as description_length,
        b.default_audio_language,
        b.published_at,
        cast(b.chart_rank as {{ dbt.type_bigint() }}) as chart_rank,
        b.view_count,
        b.like_count,
        b.comment_count,
        b.video_age_hours,
        cast(b.view_count as {{ type_double() }}) / greatest(b.video_age_hours, 1.0) as views_per_hour,
        case when b.view_count > 0 then cast(b.like_count as {{ type_double() }}) / b.view_count end
            as like_view_ratio,
        case when b.view_count > 0 then cast(b.comment_count as {{ type_double() }}) / b.view_count end
            as comment_view_ratio,
        {{ day_of_week('b.snapshot_date') }} as day_of_week,
        {{ hour_of_day('b.published_at') }} as published_hour_utc,
        b.views_pct_in_chart,
        b.views_per_hour_pct_in_chart,
        b.recency_pct_in_chart,
        b.channel_entries_in_chart,
        d.n_entries as chart_entries,
        d.n_new_entries as chart_new_entries,
        cast(d.n_retained_from_previous as {{ type_double() }}) / d.n_entries as chart_retained_share,
        d.days_since_previous_snapshot,
        c.channel_prior_videos,
        c.channel_prior_labelled,
        c.channel_prior_persisted,
        c.channel_days_since_prior_video,
        a.channel_prior_chart_rows_any_region,
        a.channel_prior_videos_any_region,
        o.other_regions_seen,
        o.other_region_chart_rows,
        o.other_regions_best_rank,
        o.other_regions_days_since_first,
        o.other_regions_same_day,
        rr.region_persist_rate_14d,
        rr.region_labelled_14d
    from first_entries as b
    inner join days as d
        on b.region_code = d.region_code and b.snapshot_date = d.snapshot_date
    inner join channel_region_history as c
        on b.region_code = c.region_code and b.video_id = c.video_id
    inner join channel_any_region as a
        on b.region_code = a.region_code and b.video_id = a.video_id
    inner join other_regions as o
        on b.region_code = o.region_code and b.video_id = o.video_id
    inner join region_recent as rr
        on b.region_code = rr.region_code and b.video_id = rr.video_id
)

select * from final
