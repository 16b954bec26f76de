{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy_for_target(append=true),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['content_hashtag_id'], ['content_id'], ['batch_id']]),
    )
}}
-- One row per hashtag of a video as an upload / content_update event states it (per delivery),
-- exploded from the hashtags stg_platform__events already parsed (the stream is parsed once).
-- Names lower-cased without '#'. Events missing their content_id are left out (see the filter
-- below). Incremental by batch and append-only like stg_platform__events (batch_not_yet_loaded).
with

content_events as (
    select
        e.batch_id,
        e.line_no,
        e.event_index,
        e.fetched_at,
        e.event_id,
        e.content_id,
        e.occurred_at,
        e.hashtags_json
    from {{ ref('stg_platform__events') }} as e
    where
        e.event_type in ('upload', 'content_update')
        and e.hashtags_json is not null
    {% if is_incremental() %}
        and {{ batch_not_yet_loaded('e.batch_id') }}
    {% endif %}
),

exploded as (
    select
        c.batch_id,
        c.line_no,
        c.event_index,
        h.hashtag_index,
        c.fetched_at,
        c.event_id,
        c.content_id,
        c.occurred_at,
        lower(replace({{ json_scalar_text('h.hashtag') }}, '#', '')) as hashtag
    from content_events as c
    {{ json_array_rows(parse_json('c.hashtags_json'), [], 'hashtag', 'hashtag_index', 'h') }}
),

final as (
    select
        {{ dbt.concat([
            'batch_id', "'-'", 'cast(line_no as ' ~ dbt.type_string() ~ ')', "'-'",
            'cast(event_index as ' ~ dbt.type_string() ~ ')', "'-'",
            'cast(hashtag_index as ' ~ dbt.type_string() ~ ')',
        ]) }} as content_hashtag_id,
        batch_id,
        line_no,
        event_index,
        hashtag_index,
        event_id,
        content_id,
        hashtag,
        occurred_at,
        fetched_at
    from exploded
    -- an upload whose content_id was lost in delivery cannot attach its hashtags to anything;
    -- the event itself stays in stg_platform__events (and raw) for the data-quality checks
    where hashtag is not null and hashtag <> '' and content_id is not null
)

select * from final
