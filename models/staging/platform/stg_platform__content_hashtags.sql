{{
    config(
        materialized='incremental',
        unique_key='content_hashtag_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['content_hashtag_id'], ['content_id']]),
    )
}}
-- One row per hashtag of a video as an upload / content_update event states it (per delivery).
-- Reads raw directly (no staging-to-staging); names lower-cased without '#'. Events missing
-- their content_id are left out here (see the filter below). An incremental table parsed once per
-- new batch, like stg_platform__events, so its tests do not re-parse the stream.
{%- set content_fields = {
    'event_id': 'text',
    'event_type': 'text',
    'content_id': 'text',
    'occurred_at': 'text',
    'hashtags': 'json',
} %}

with

responses as (
    select * from {{ raw_api_responses('platform') }} as r
    {% if is_incremental() %}
        -- only batches not parsed yet: a batch is immutable once landed (one transaction)
        where r.batch_id not in (select parsed.batch_id from {{ this }} as parsed)
    {% endif %}
),

documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ json_array_records('r.raw_json', ['events'], content_fields) }} as event_records
    from responses as r
    where r.endpoint like 'events/%'
),

content_records as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        {{ unnest_records('d.event_records', 'event_record', 'event_index') }}
    from documents as d
),

content_events as (
    select
        c.batch_id,
        c.line_no,
        c.fetched_at,
        c.event_index,
        {{ json_record_fields('c.event_record', content_fields) }}
    from content_records as c
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
        {{ iso_to_timestamp('c.occurred_at') }} as occurred_at,
        lower(replace({{ json_scalar_text('h.hashtag') }}, '#', '')) as hashtag
    from content_events as c
    {{ json_array_rows('c.hashtags', [], 'hashtag', 'hashtag_index', 'h') }}
    where c.event_type in ('upload', 'content_update')
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
