{{ config(materialized='table') }}
-- A table, like the Mastodon staging it explodes: the tag JSON is parsed once per build, not by
-- every reader and test (dbt_project.yml, staging/mastodon).
-- One row per hashtag on a Mastodon status observation (tag names lower-cased).
with

statuses as (
    select * from {{ ref('stg_mastodon__statuses') }}
),

exploded as (
    select
        s.instance,
        s.status_id,
        s.fetched_at,
        lower({{ json_text('t.tag', ['name']) }}) as tag_name
    from statuses as s
    {{ json_array_rows(parse_json('s.tags_json'), [], 'tag', 'tag_index', 't') }}
    where s.tags_json is not null
),

final as (
    select distinct
        instance,
        status_id,
        fetched_at,
        tag_name
    from exploded
    where tag_name is not null
)

select * from final
