-- Materialized as a table: several trend models read it, and a view would re-parse the raw JSON
-- for each of them.
{{ config(materialized='table') }}
-- One row per hashtag on a post observation, every platform: TikTok hashtag lists, YouTube
-- snippet.tags plus #hashtags in titles, Mastodon status tags. Names are lower-case, without '#',
-- trimmed; hashtag_id is a hash of platform and name (the same name on two platforms is two
-- hashtags that share hashtag_name).
with

tiktok_tags as (
    select * from {{ ref('int_tiktok__video_hashtags_exploded') }}
),

youtube_videos as (
    select * from {{ ref('stg_youtube__video_snapshots') }}
),

mastodon_tags as (
    select * from {{ ref('int_mastodon__status_tags_exploded') }}
),

tiktok as (
    select
        'tiktok' as platform,
        video_id as post_id,
        fetched_at,
        hashtag_name
    from tiktok_tags
),

youtube_snippet_tags as (
    select
        'youtube' as platform,
        v.video_id as post_id,
        v.fetched_at,
        {{ json_scalar_text('t.tag') }} as hashtag_name
    from youtube_videos as v
    {{ json_array_rows(parse_json('v.tags'), [], 'tag', 'tag_index', 't') }}
    where v.tags is not null
),

youtube_title_tags as (
    select
        'youtube' as platform,
        v.video_id as post_id,
        v.fetched_at,
        m.tag_text as hashtag_name
    from youtube_videos as v
    {{ regex_match_rows('v.title', '#([[:alnum:]_]+)', 'tag_text', 'm') }}
    where v.title like '%#%'
),

mastodon as (
    select
        'mastodon' as platform,
        instance || ':' || status_id as post_id,
        fetched_at,
        tag_name as hashtag_name
    from mastodon_tags
),

unioned as (
    select * from tiktok
    union all
    select * from youtube_snippet_tags
    union all
    select * from youtube_title_tags
    union all
    select * from mastodon
),

cleaned as (
    select distinct
        platform,
        post_id,
        fetched_at,
        lower({{ trim_spaces("replace(hashtag_name, '#', '')") }}) as hashtag_name
    from unioned
    where hashtag_name is not null
),

final as (
    select
        {{ dbt.hash("platform || ':' || hashtag_name") }} as hashtag_id,
        platform,
        hashtag_name,
        post_id,
        fetched_at
    from cleaned
    where hashtag_name <> '' and length(hashtag_name) <= 100
)

select * from final
