-- One row per (post, hashtag) ever seen on it, with the post's author, creation time, latest
-- engagement and deletion: what the hashtag aggregates count. A deleted post stays counted in
-- the hours it was already counted in (aggregates do not shrink when a post is deleted later).
with

tags as (
    select * from {{ ref('int_mastodon__status_tags_exploded') }}
),

posts as (
    select * from {{ ref('int_mastodon__posts_current') }}
),

post_tags as (
    select
        instance,
        status_id,
        tag_name,
        {{ core_utc('min(fetched_at)') }} as first_tagged_at,
        {{ core_utc('max(fetched_at)') }} as last_tagged_at
    from tags
    group by 1, 2, 3
),

final as (
    select
        t.instance,
        t.status_id,
        t.tag_name,
        t.first_tagged_at,
        t.last_tagged_at,
        p.account_id,
        p.created_at,
        p.engagement_score,
        p.is_deleted
    from post_tags as t
    inner join posts as p
        on t.instance = p.instance and t.status_id = p.status_id
)

select * from final
