-- One row per creator of trends.creators: the names and free text of the account, kept out of
-- the marts readers see (docs/SECURITY.md) for the pipeline's own consumers: the handle
-- (username, YouTube channel title or Mastodon acct) the cross-platform match compares, and the
-- TikTok profile bio.
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

users as (
    select * from {{ ref('int_tiktok__users_latest') }}
),

handles as (
    select
        creator_id,
        min(platform) as platform,
        max(creator_handle) as creator_handle
    from posts
    group by 1
),

final as (
    select
        h.creator_id,
        h.platform,
        h.creator_handle,
        u.bio
    from handles as h
    left join users as u on h.creator_id = u.creator_id
)

select * from final
