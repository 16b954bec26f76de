-- Materialized as a table: int_trend_hashtag_creator_diversity and its own tests read it, and a view would
-- recompute it from every activity row for each of them.
{{ config(materialized='table') }}
-- One row per hashtag, creator and hour: the reach the creator's posts brought the hashtag in the
-- hour ending at as_of_at, and the first hour the creator was seen with the hashtag (a minimum
-- over rows at or before each row's hour, so it never looks ahead of the row that uses it).
with

activity as (
    select * from {{ ref('int_trend_hashtag_post_activity') }}
),

hourly as (
    select
        hashtag_id,
        creator_id,
        hour_number,
        sum(reach_delta) as reach_count,
        count(distinct case when is_new_for_hashtag then post_id end) as new_post_count
    from activity
    group by 1, 2, 3
),

final as (
    select
        hashtag_id,
        creator_id,
        hour_number,
        reach_count,
        new_post_count,
        min(hour_number) over (partition by hashtag_id, creator_id) as first_hour_number
    from hourly
)

select * from final
