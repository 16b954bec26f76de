-- One row per sound (TikTok music_id): current state, from the videos that use it.
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
    where sound_id is not null
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

final as (
    select
        platform || ':' || sound_id as sound_key,
        sound_id,
        platform,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_updated_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as video_count,
        cast(count(distinct creator_id) as {{ dbt.type_bigint() }}) as creator_count,
        cast(sum(view_count) as {{ dbt.type_bigint() }}) as total_view_count
    from post_latest
    group by 1, 2, 3
)

select * from final
