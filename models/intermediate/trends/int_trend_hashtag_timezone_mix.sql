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
-- One row per hashtag_metrics row with a new post of known creation time in its trailing 7 days
-- (the frame of posting_hour_spread_7d): the share of those posts per UTC hour of creation, as a
-- JSON object ("00".."23", hours without a post left out). Its own table for the same reason as
-- int_trend_hashtag_creator_diversity, and incremental the same way.
with

metric_hours as (
    {{ trends_recomputed_metric_hours(168) }}
),

creation_hours as (
    select
        hashtag_id,
        hour_number,
        created_hour_of_day,
        count(*) as post_count
    from {{ ref('int_trend_hashtag_post_novelty') }}
    where created_hour_of_day is not null
    group by 1, 2, 3
),

creation_hours_by_week as (
    {{ trends_hours_under_row_buckets('creation_hours', 168) }}
),

timezone_windows as (
    -- each row's new posts of its trailing 7 days by UTC hour of creation; pre-aggregated per
    -- hour, so at most 168 x 24 rows join one row
    select
        m.hashtag_id,
        m.as_of_at,
        m.hour_number,
        c.created_hour_of_day,
        sum(c.post_count) as post_count
    from metric_hours as m
    inner join creation_hours_by_week as c
        on
            m.hashtag_id = c.hashtag_id
            and m.row_bucket = c.row_bucket
            and c.hour_number > m.hour_number - 168
            and m.hour_number >= c.hour_number
    group by 1, 2, 3, 4
),

timezone_shares as (
    select
        hashtag_id,
        as_of_at,
        hour_number,
        created_hour_of_day,
        cast(post_count as {{ double }})
        / sum(post_count) over (partition by hashtag_id, hour_number) as post_share
    from timezone_windows
),

final as (
    select
        hashtag_id,
        as_of_at,
        hour_number,
        {{ json_object_agg_text(
            "lpad(cast(created_hour_of_day as " ~ dbt.type_string() ~ "), 2, '0')",
            'post_share',
            'created_hour_of_day',
        ) }} as timezone_distribution_7d
    from timezone_shares
    group by 1, 2, 3
)

select * from final
