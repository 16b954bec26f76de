{{
    config(
        materialized='incremental',
        unique_key=['hashtag_id', 'hour_number'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        pre_hook=prefer_hash_joins(true),
        post_hook=prefer_hash_joins(false),
    )
}}
{%- set double = type_double() -%}
-- One row per hashtag_metrics row that had a creator in its trailing 24 hours: how many creators
-- brought the hashtag reach, how many were new to it, and how concentrated the reach was. Its own
-- table (not a CTE of hashtag_features) so the pairing of rows with creator hours runs as a query
-- of its own and the feature mart's query stays within the warehouse's memory on long histories.
-- Incremental: rows from twice the lookback before the latest stored row are recomputed, so every
-- row hashtag_features recomputes finds its recomputed diversity here.
with

metric_hours as (
    {{ trends_recomputed_metric_hours(24) }}
),

creator_hours_by_day as (
    {{ trends_hours_under_row_buckets(ref('int_trend_hashtag_creator_hours'), 24) }}
),

creator_windows as (
    -- each row's creators over its trailing 24 hours; joined on (hashtag, 24-hour bucket) as
    -- well, so a long-lived hashtag's rows are not all paired with all its creator hours before
    -- the range filter (it has thousands of each)
    select
        m.hashtag_id,
        m.as_of_at,
        m.hour_number,
        c.creator_id,
        sum(c.reach_count) as creator_reach,
        min(c.first_hour_number) as first_hour_number
    from metric_hours as m
    inner join creator_hours_by_day as c
        on
            m.hashtag_id = c.hashtag_id
            and m.row_bucket = c.row_bucket
            and c.hour_number > m.hour_number - 24
            and m.hour_number >= c.hour_number
    group by 1, 2, 3, 4
),

creator_totals as (
    select
        *,
        sum(creator_reach) over (partition by hashtag_id, hour_number) as total_reach
    from creator_windows
),

final as (
    select
        hashtag_id,
        as_of_at,
        hour_number,
        count(*) as unique_creators_24h,
        sum(case when first_hour_number > hour_number - 24 then 1 else 0 end) as new_creators_24h,
        sum(
            case
                when total_reach > 0
                    then
                        (cast(creator_reach as {{ double }}) / total_reach)
                        * (cast(creator_reach as {{ double }}) / total_reach)
            end
        ) as herfindahl_index_24h,
        max(case when total_reach > 0 then cast(creator_reach as {{ double }}) / total_reach end)
            as top_creator_share_24h
    from creator_totals
    group by 1, 2, 3
)

select * from final
