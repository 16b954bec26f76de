-- One row per TikTok sound whose metadata an API shape carried (web item list `music`, scraper
-- `musicMeta`; the Research API sends only music_id): the values of the latest fetch that sent
-- any of them.
with

videos as (
    select * from {{ ref('stg_tiktok__videos') }}
),

described as (
    select
        music_id as sound_id,
        sound_title as title,
        sound_artist as artist,
        sound_duration_seconds as duration_seconds,
        is_original_sound as is_original,
        fetched_at as metadata_fetched_at,
        row_number() over (
            partition by music_id order by fetched_at desc, batch_id desc, line_no desc, item_index desc
        ) as recency_rank
    from videos
    where
        music_id is not null
        and (
            sound_title is not null
            or sound_artist is not null
            or sound_duration_seconds is not null
            or is_original_sound is not null
        )
),

final as (
    select
        sound_id,
        title,
        artist,
        duration_seconds,
        is_original,
        metadata_fetched_at
    from described
    where recency_rank = 1
)

select * from final
