-- One row per sound (TikTok music_id): current state, from the videos that use it, with the
-- title, artist, duration and originality of the latest fetch that carried them.
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
    where sound_id is not null
),

sound_metadata as (
    select * from {{ ref('int_tiktok__sounds_latest') }}
),

post_latest as (
    select
        platform,
        sound_id,
        post_id,
        creator_id,
        max(trusted_view_count) as view_count,
        min(fetched_at) as first_seen_at,
        max(fetched_at) as last_seen_at
    from posts
    group by 1, 2, 3, 4
),

per_sound as (
    select
        platform,
        sound_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_updated_at,
        count(*) as video_count,
        count(distinct creator_id) as creator_count,
        sum(view_count) as total_view_count
    from post_latest
    group by 1, 2
),

final as (
    select
        s.platform || ':' || s.sound_id as sound_key,
        s.sound_id,
        s.platform,
        s.first_seen_at,
        s.last_updated_at,
        cast(s.video_count as {{ dbt.type_bigint() }}) as video_count,
        cast(s.creator_count as {{ dbt.type_bigint() }}) as creator_count,
        cast(s.total_view_count as {{ dbt.type_bigint() }}) as total_view_count,
        m.title,
        m.artist,
        m.duration_seconds,
        m.is_original
    from per_sound as s
    left join sound_metadata as m on s.platform = 'tiktok' and s.sound_id = m.sound_id
)

select * from final
