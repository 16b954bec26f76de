-- One row per TikTok account with a profile fetch (v2/research/user/info): its latest profile,
-- keyed like the trend marts' creators ('tiktok:<username>').
with

users as (
    select * from {{ ref('stg_tiktok__users') }}
),

ranked as (
    select
        'tiktok:' || username as creator_id,
        display_name,
        follower_count,
        is_verified,
        row_number() over (partition by username order by fetched_at desc) as recency_rank
    from users
    where username is not null
),

final as (
    select
        creator_id,
        display_name,
        follower_count,
        is_verified
    from ranked
    where recency_rank = 1
)

select * from final
