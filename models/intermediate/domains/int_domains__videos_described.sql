-- One row per video that has comments, with what the platform's own video data says about it
-- (TikTok video lists, YouTube chart snapshots; latest fetch), where it was collected.
with

comments as (
    select * from {{ ref('int_domains__comments_unioned') }}
),

tiktok_videos as (
    select * from {{ ref('stg_tiktok__videos') }}
),

youtube_videos as (
    select * from {{ ref('stg_youtube__video_snapshots') }}
),

commented as (
    select
        platform,
        video_id,
        count(*) as comments_collected,
        min(discovered_at) as first_comment_discovered_at,
        max(discovered_at) as last_comment_discovered_at
    from comments
    where video_id is not null
    group by 1, 2
),

tiktok_ranked as (
    select
        video_id,
        username,
        description as title,
        created_at as posted_at,
        view_count,
        like_count,
        comment_count,
        share_count,
        fetched_at,
        min(fetched_at) over (partition by video_id) as first_fetched_at,
        row_number() over (partition by video_id order by fetched_at desc) as recency_rank
    from tiktok_videos
),

youtube_ranked as (
    select
        video_id,
        channel_title as username,
        title,
        published_at as posted_at,
        view_count,
        like_count,
        comment_count,
        cast(null as {{ dbt.type_bigint() }}) as share_count,
        fetched_at,
        min(fetched_at) over (partition by video_id) as first_fetched_at,
        row_number() over (partition by video_id order by fetched_at desc, region_code asc) as recency_rank
    from youtube_videos
),

platform_videos as (
    select
        'tiktok' as platform,
        *
    from tiktok_ranked
    where recency_rank = 1
    union all
    select
        'youtube' as platform,
        *
    from youtube_ranked
    where recency_rank = 1
),

joined as (
    select
        c.platform,
        c.video_id,
        v.username,
        v.title,
        v.posted_at,
        v.view_count,
        v.like_count,
        v.comment_count,
        v.share_count,
        c.comments_collected,
        least(
            coalesce(v.first_fetched_at, c.first_comment_discovered_at), c.first_comment_discovered_at
        ) as discovered_at,
        greatest(
            coalesce(v.fetched_at, c.last_comment_discovered_at), c.last_comment_discovered_at
        ) as last_crawled_at
    from commented as c
    left join platform_videos as v
        on c.platform = v.platform and c.video_id = v.video_id
),

final as (
    select
        {{ dbt.concat(['platform', "':'", 'video_id']) }} as video_key,
        platform,
        video_id,
        username,
        title,
        posted_at,
        discovered_at,
        last_crawled_at,
        -- crawled within a week of the newest crawl of its platform
        last_crawled_at >= max(last_crawled_at) over (partition by platform)
        - interval '7 days' as is_active,
        view_count,
        like_count,
        comment_count,
        share_count,
        comments_collected,
        {{ json_object_text([
            ('title', 'title'), ('view_count', 'view_count'), ('like_count', 'like_count'),
            ('comment_count', 'comment_count'), ('share_count', 'share_count'),
            ('comments_collected', 'comments_collected'),
        ]) }} as metadata
    from joined
)

select * from final
