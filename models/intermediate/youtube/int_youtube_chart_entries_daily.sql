{{ config(materialized='table') }}
-- One row per (region, chart day, video): the chart as the first call of each UTC day saw it
-- (the label and every feature work on chart days), flagged with the video's first appearance
-- in that region's chart over all data loaded.
with

snapshots as (
    select * from {{ ref('stg_youtube__video_snapshots') }}
),

first_call_of_day as (
    select
        region_code,
        snapshot_date,
        min(fetched_at) as snapshot_fetched_at
    from snapshots
    group by 1, 2
),

daily as (
    select s.*
    from snapshots as s
    inner join first_call_of_day as f
        on
            s.region_code = f.region_code
            and s.snapshot_date = f.snapshot_date
            and s.fetched_at = f.snapshot_fetched_at
),

final as (
    select
        region_code,
        snapshot_date,
        video_id,
        fetched_at,
        chart_rank,
        published_at,
        channel_id,
        channel_title,
        title,
        description_length,
        category_id,
        tags,
        default_audio_language,
        view_count,
        like_count,
        comment_count,
        min(snapshot_date) over (partition by region_code, video_id) as first_seen_date,
        snapshot_date = min(snapshot_date) over (partition by region_code, video_id) as is_first_appearance
    from daily
)

select * from final
