-- One row per TikTok account with a profile, keyed like the trend marts' creators
-- ('tiktok:<username>'): the latest v2/research/user/info fetch, or, for an account never fetched
-- there, the latest profile embedded in one of its video items (web author / authorStats, scraper
-- authorMeta). A whole row comes from one source, so values of different fetches never mix.
with

users as (
    select * from {{ ref('stg_tiktok__users') }}
),

videos as (
    select * from {{ ref('stg_tiktok__videos') }}
),

user_info as (
    select
        'tiktok:' || username as creator_id,
        display_name,
        bio_description as bio,
        follower_count,
        following_count,
        likes_count as like_count,
        is_verified,
        'user_info' as profile_source,
        1 as source_rank,
        fetched_at as profile_fetched_at,
        batch_id,
        line_no,
        cast(0 as {{ dbt.type_bigint() }}) as item_index
    from users
    where username is not null
),

video_items as (
    select
        'tiktok:' || coalesce(username, author_id) as creator_id,
        cast(null as {{ dbt.type_string() }}) as display_name,
        author_bio as bio,
        author_follower_count as follower_count,
        author_following_count as following_count,
        author_like_count as like_count,
        cast(null as boolean) as is_verified,
        'video_item' as profile_source,
        2 as source_rank,
        fetched_at as profile_fetched_at,
        batch_id,
        line_no,
        cast(item_index as {{ dbt.type_bigint() }}) as item_index
    from videos
    where
        coalesce(username, author_id) is not null
        and (
            author_bio is not null
            or author_follower_count is not null
            or author_following_count is not null
            or author_like_count is not null
        )
),

unioned as (
    select * from user_info
    union all
    select * from video_items
),

ranked as (
    select
        *,
        row_number() over (
            partition by creator_id
            order by source_rank asc, profile_fetched_at desc, batch_id desc, line_no desc, item_index desc
        ) as recency_rank
    from unioned
),

final as (
    select
        creator_id,
        display_name,
        bio,
        follower_count,
        following_count,
        like_count,
        is_verified,
        profile_source,
        profile_fetched_at
    from ranked
    where recency_rank = 1
)

select * from final
