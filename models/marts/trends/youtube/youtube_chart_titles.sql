-- One row per row of trends.youtube_chart_features (region, video at its first appearance in
-- the region's chart): the video's title at that chart call. Free text, kept out of the marts
-- readers see (docs/SECURITY.md); the virality model derives its text features from it.
with

features as (
    select * from {{ ref('youtube_chart_features') }}
),

entries as (
    select * from {{ ref('int_youtube_chart_entries_daily') }}
),

final as (
    select
        f.region_code,
        f.video_id,
        f.as_of_date,
        e.title
    from features as f
    inner join entries as e
        on
            f.region_code = e.region_code
            and f.as_of_date = e.snapshot_date
            and f.video_id = e.video_id
)

select * from final
