-- One row per YouTube video: its latest snapshot (fetched_at, then region and the landing order
-- break ties: a chart call per region can return the same video at the same time).
with

snapshots as (
    select * from {{ ref('stg_youtube__video_snapshots') }}
),

ranked as (
    select
        video_id,
        channel_id,
        category_id,
        tags,
        published_at,
        fetched_at,
        row_number() over (
            partition by video_id
            order by fetched_at desc, region_code desc, batch_id desc, line_no desc
        ) as recency_rank
    from snapshots
),

final as (
    select
        video_id,
        channel_id,
        category_id,
        tags,
        published_at,
        fetched_at
    from ranked
    where recency_rank = 1
)

select * from final
