-- The seed's `domains.video`: every video that has collected comments.
with

videos as (
    select * from {{ ref('int_domains__videos_described') }}
),

final as (
    select
        video_key,
        platform,
        video_id,
        username,
        title,
        metadata,
        is_active,
        posted_at,
        discovered_at,
        last_crawled_at,
        view_count,
        like_count,
        comment_count,
        share_count,
        comments_collected
    from videos
)

select * from final
