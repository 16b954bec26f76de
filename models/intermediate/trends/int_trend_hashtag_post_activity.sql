-- Materialized as a table: several trend marts read it, and a view would re-parse the raw JSON
-- for each of them.
{{ config(materialized='table') }}
-- One row per hashtag per post observation, with the post's counter deltas since its previous
-- fetch. A post counts towards a hashtag's video_count once, at the first fetch that shows it with
-- that hashtag. reach_delta is the platform-neutral size of the change: views where the platform
-- reports views, else interactions (new posts + likes + comments + shares).
with

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

post_hashtags as (
    select * from {{ ref('int_trend_post_hashtags_unioned') }}
),

joined as (
    select
        h.hashtag_id,
        h.hashtag_name,
        p.platform,
        p.post_id,
        p.fetched_at,
        p.fetched_epoch,
        p.as_of_at,
        p.creator_id,
        p.sound_id,
        p.region_code,
        p.language_code,
        p.post_created_at,
        p.is_first_observation,
        p.has_counter_decrease,
        p.view_count is not null as has_view_counter,
        p.view_delta,
        p.like_delta,
        p.comment_delta,
        p.share_delta,
        p.trusted_view_count,
        p.trusted_like_count,
        p.trusted_comment_count,
        p.trusted_share_count,
        row_number() over (partition by h.hashtag_id, p.post_id order by p.fetched_at) as hashtag_post_fetch_number
    from posts as p
    inner join post_hashtags as h
        on
            p.platform = h.platform
            and p.post_id = h.post_id
            and p.fetched_at = h.fetched_at
),

final as (
    select
        *,
        hashtag_post_fetch_number = 1 as is_new_for_hashtag,
        case
            when has_view_counter then view_delta
            else
                case when hashtag_post_fetch_number = 1 then 1 else 0 end
                + like_delta + comment_delta + share_delta
        end as reach_delta,
        cast({{ epoch_seconds("as_of_at") }} / 3600 as {{ dbt.type_bigint() }}) as hour_number
    from joined
)

select * from final
