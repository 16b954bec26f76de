-- One row per video (TikTok, YouTube): its current state from every fetch so far (latest trusted
-- counts, the hashtag list of the latest fetch; not point in time). No caption or title: free
-- text stays out of the marts readers see (docs/SECURITY.md).
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
    where platform in {{ trends_in_list(trends_platforms_with_views()) }}
),

post_hashtags as (
    select * from {{ ref('int_trend_post_hashtags_unioned') }}
),

tiktok_videos as (
    select * from {{ ref('int_tiktok__videos_latest') }}
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

latest_hashtags as (
    select
        ph.post_id,
        {{ json_array_agg_text('ph.hashtag_name', 'ph.hashtag_name') }} as hashtag_names
    from post_hashtags as ph
    inner join latest as l
        on ph.post_id = l.post_id and ph.fetched_at = l.fetched_at and l.recency_rank = 1
    where ph.platform in {{ trends_in_list(trends_platforms_with_views()) }}
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
        l.duration_seconds,
        l.trusted_view_count as view_count,
        l.trusted_like_count as like_count,
        l.trusted_comment_count as comment_count,
        l.trusted_share_count as share_count,
        cast(l.fetch_count as {{ dbt.type_bigint() }}) as fetch_count,
        cast(coalesce(h.hashtag_count, 0) as {{ dbt.type_bigint() }}) as hashtag_count,
        l.decrease_flag = 1 as has_counter_decrease,
        coalesce(lh.hashtag_names, '[]') as hashtag_names,
        t.effect_ids_json as effect_ids,
        t.is_duet
    from latest as l
    left join hashtag_counts as h on l.post_id = h.post_id
    left join latest_hashtags as lh on l.post_id = lh.post_id
    left join tiktok_videos as t on l.platform = 'tiktok' and l.post_id = t.video_id
    where l.recency_rank = 1
)

select * from final
