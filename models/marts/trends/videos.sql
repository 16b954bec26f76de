-- One row per video (TikTok, YouTube): its current state from every fetch so far (latest trusted
-- counts; not point in time).
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
    where platform in {{ trends_in_list(trends_platforms_with_views()) }}
),

post_hashtags as (
    select * from {{ ref('int_trend_post_hashtags_unioned') }}
),

latest as (
    select
        *,
        row_number() over (partition by post_id order by fetched_at desc) as recency_rank,
        min(fetched_at) over (partition by post_id) as first_seen_at,
        count(*) over (partition by post_id) as fetch_count,
        max(case when has_counter_decrease then 1 else 0 end) over (partition by post_id) as decrease_flag
    from posts
),

hashtag_counts as (
    select
        post_id,
        count(distinct hashtag_id) as hashtag_count
    from post_hashtags
    where platform in {{ trends_in_list(trends_platforms_with_views()) }}
    group by 1
),

final as (
    select
        l.post_id as video_id,
        l.platform,
        l.creator_id,
        l.sound_id,
        l.region_code,
        l.language_code,
        l.post_created_at as created_at,
        l.first_seen_at,
        l.fetched_at as last_updated_at,
        l.post_text as description,
        l.duration_seconds,
        l.trusted_view_count as view_count,
        l.trusted_like_count as like_count,
        l.trusted_comment_count as comment_count,
        l.trusted_share_count as share_count,
        cast(l.fetch_count as {{ dbt.type_bigint() }}) as fetch_count,
        cast(coalesce(h.hashtag_count, 0) as {{ dbt.type_bigint() }}) as hashtag_count,
        l.decrease_flag = 1 as has_counter_decrease
    from latest as l
    left join hashtag_counts as h on l.post_id = h.post_id
    where l.recency_rank = 1
)

select * from final
