-- One row per TikTok video: its latest observation (fetched_at, then the landing order breaks ties).
with

videos as (
    select * from {{ ref('stg_tiktok__videos') }}
),

ranked as (
    select
        video_id,
        author_id,
        username,
        duration_seconds,
        music_id,
        hashtags_json,
        effect_ids_json,
        is_duet,
        created_at,
        fetched_at,
        row_number() over (
            partition by video_id order by fetched_at desc, batch_id desc, line_no desc
        ) as recency_rank
    from videos
),

final as (
    select
        video_id,
        author_id,
        username,
        duration_seconds,
        music_id,
        hashtags_json,
        effect_ids_json,
        is_duet,
        created_at,
        fetched_at
    from ranked
    where recency_rank = 1
)

select * from final
