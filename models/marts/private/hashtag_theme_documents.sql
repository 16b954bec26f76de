-- The text seen with each hashtag, for the theme clustering (python_ml/semantic/themes.py, which
-- reads marts only): the post text at the fetch where the post first carried the hashtag.
-- A view: the theme step reads the text as it is when it runs (at its own cadence), and the
-- hourly build has nothing to refresh.
{{ config(materialized='view') }}

with

activity as (
    select * from {{ ref('int_trend_hashtag_post_activity') }}
),

posts as (
    select * from {{ ref('int_trend_posts_sequenced') }}
),

final as (
    select
        a.platform,
        a.hashtag_id,
        a.hashtag_name,
        a.post_id,
        a.fetched_at,
        p.post_text
    from activity as a
    inner join posts as p
        on
            a.platform = p.platform
            and a.post_id = p.post_id
            and a.fetched_at = p.fetched_at
    where a.is_new_for_hashtag
)

select * from final
