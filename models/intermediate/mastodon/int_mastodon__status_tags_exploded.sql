{{
    config(
        materialized='incremental',
        unique_key=['instance', 'status_id', 'fetched_at', 'tag_name'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per hashtag on a Mastodon status observation (tag names lower-cased), exploded once
-- from the parsed statuses' tags_json and stored: the tags of a status observation never change,
-- so a run explodes only the statuses of batches not yet here (bounded memory, like staging).
with

statuses as (
    select s.* from {{ ref('stg_mastodon__statuses') }} as s
    where
        s.tags_json is not null
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('s.batch_id') }}
        {% endif %}
),

documents as (
    select
        s.instance,
        s.status_id,
        s.fetched_at,
        s.batch_id,
        {{ json_array_records(parse_json('s.tags_json'), [], {'name': 'text'}) }} as records
    from statuses as s
),

items as (
    select
        d.instance,
        d.status_id,
        d.fetched_at,
        d.batch_id,
        {{ unnest_records('d.records', 'tag', 'tag_index') }}
    from documents as d
),

named as (
    select
        i.instance,
        i.status_id,
        i.fetched_at,
        i.batch_id,
        {{ json_record_fields('i.tag', {'name': 'text'}, 't_') }}
    from items as i
),

final as (
    select
        instance,
        status_id,
        fetched_at,
        lower(t_name) as tag_name,
        min(batch_id) as batch_id
    from named
    where t_name is not null
    group by 1, 2, 3, 4
)

select * from final
