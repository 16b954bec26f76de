-- One row per creator (TikTok account, YouTube channel, Mastodon account): current state.
-- TikTok profile fields come from the latest v2/research/user/info fetch, else from the profile
-- embedded in the creator's latest video item (int_tiktok__users_latest). A TikTok creator's
-- region is the Research API's region_code of their latest video that carries one: the country
-- where the account was registered.
-- No names or free text (docs/SECURITY.md): the handle and the bio are in private.creator_profiles.
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

users as (
    select * from {{ ref('int_tiktok__users_latest') }}
),

post_latest as (
    select
        platform,
        post_id,
        creator_id,
        max(trusted_view_count) as view_count,
        min(fetched_at) as first_seen_at,
        max(fetched_at) as last_seen_at
    from posts
    group by 1, 2, 3
),

tiktok_regions as (
    select
        creator_id,
        region_code,
        row_number() over (partition by creator_id order by fetched_at desc, post_id desc) as recency_rank
    from posts
    where platform = 'tiktok' and region_code is not null
),

per_creator as (
    select
        creator_id,
        min(platform) as platform,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_updated_at,
        count(*) as post_count,
        sum(view_count) as total_view_count
    from post_latest
    group by 1
),

final as (
    select
        c.creator_id,
        c.platform,
        c.first_seen_at,
        c.last_updated_at,
        cast(c.post_count as {{ dbt.type_bigint() }}) as post_count,
        cast(c.total_view_count as {{ dbt.type_bigint() }}) as total_view_count,
        u.follower_count,
        u.is_verified,
        u.following_count,
        u.like_count,
        r.region_code
    from per_creator as c
    left join users as u on c.creator_id = u.creator_id
    left join tiktok_regions as r on c.creator_id = r.creator_id and r.recency_rank = 1
)

select * from final
