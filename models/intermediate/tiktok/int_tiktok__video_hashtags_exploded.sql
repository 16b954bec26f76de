{{ config(materialized='table') }}
-- A table, like the TikTok staging it explodes: the hashtag JSON is parsed once per build, not by
-- every reader and test (dbt_project.yml, staging/tiktok).
-- One row per hashtag on a TikTok video observation. The three shapes name hashtags differently:
-- the Research API as a list of names, the web item list as challenge objects ({title}), the
-- scraper as {name}. Names are lower-cased and stripped of '#'.
with

videos as (
    select * from {{ ref('stg_tiktok__videos') }}
),

exploded as (
    select
        v.video_id,
        v.fetched_at,
        h.tag_index,
        coalesce(
            {{ json_text('h.tag', ['name']) }},
            {{ json_text('h.tag', ['title']) }},
            {{ json_scalar_text('h.tag') }}
        ) as raw_name
    from videos as v
    {{ json_array_rows(parse_json('v.hashtags_json'), [], 'tag', 'tag_index', 'h') }}
    where v.hashtags_json is not null
),

cleaned as (
    select
        video_id,
        fetched_at,
        lower({{ trim_spaces("replace(raw_name, '#', '')") }}) as hashtag_name,
        min(tag_index) as tag_position
    from exploded
    where raw_name is not null and {{ trim_spaces("replace(raw_name, '#', '')") }} <> ''
    group by 1, 2, 3
),

final as (
    select * from cleaned
)

select * from final
