-- Materialized as a table: hashtag_features, int_trend_hashtag_timezone_mix and its own tests
-- read it, and a view would recompute it from every activity row for each of them.
{{ config(materialized='table') }}
-- One row per hashtag per post, at the fetch where the post first shows the hashtag: how novel
-- its context was at that moment. A co-occurring hashtag or a sound is "new" when it was first
-- seen (anywhere on the platform) within the 24 hours before this fetch. Creation hour is kept as
-- a unit vector on the 24-hour clock so windows can sum it (time-zone spread features), and as
-- the hour itself (the time-zone distribution).
with

activity as (
    select * from {{ ref('int_trend_hashtag_post_activity') }}
),

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

post_hashtags as (
    select * from {{ ref('int_trend_post_hashtags_unioned') }}
),

hashtag_first_seen as (
    select
        hashtag_id,
        min(fetched_at) as first_seen_at
    from post_hashtags
    group by 1
),

sound_first_seen as (
    select
        platform,
        sound_id,
        min(fetched_at) as first_seen_at
    from posts
    where sound_id is not null
    group by 1, 2
),

post_tag_novelty as (
    select
        ph.platform,
        ph.post_id,
        ph.fetched_at,
        count(*) as tag_count,
        sum(case when f.first_seen_at > {{ dbt.dateadd('hour', -24, 'ph.fetched_at') }} then 1 else 0 end)
            as new_tag_count
    from post_hashtags as ph
    inner join hashtag_first_seen as f on ph.hashtag_id = f.hashtag_id
    group by 1, 2, 3
),

new_posts as (
    select * from activity
    where is_new_for_hashtag
),

final as (
    select
        n.hashtag_id,
        n.post_id,
        n.as_of_at,
        n.hour_number,
        t.tag_count - 1 as co_tag_count,
        t.new_tag_count - case when f.first_seen_at > {{ dbt.dateadd('hour', -24, 'n.fetched_at') }} then 1 else 0 end
            as new_co_tag_count,
        case when n.sound_id is not null then 1 else 0 end as has_sound,
        case when s.first_seen_at > {{ dbt.dateadd('hour', -24, 'n.fetched_at') }} then 1 else 0 end as has_new_sound,
        case when n.post_created_at is not null then 1 else 0 end as has_created_at,
        {{ hour_of_day('n.post_created_at') }} as created_hour_of_day,
        cos(2 * pi() * {{ hour_of_day('n.post_created_at') }} / cast(24 as {{ type_double() }})) as created_hour_cos,
        sin(2 * pi() * {{ hour_of_day('n.post_created_at') }} / cast(24 as {{ type_double() }})) as created_hour_sin
    from new_posts as n
    inner join post_tag_novelty as t
        on n.platform = t.platform and n.post_id = t.post_id and n.fetched_at = t.fetched_at
    inner join hashtag_first_seen as f on n.hashtag_id = f.hashtag_id
    left join sound_first_seen as s on n.platform = s.platform and n.sound_id = s.sound_id
)

select * from final
