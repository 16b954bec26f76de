-- One row per hashtag of a video as an upload / content_update event states it (per delivery).
-- Reads raw directly (no staging-to-staging); names lower-cased without '#'. Events missing
-- their content_id are left out here (see the filter below).
with

responses as (
    select * from {{ raw_api_responses('platform') }} as r
),

content_events as (
    select
        r.batch_id,
        r.line_no,
        e.event_index,
        r.fetched_at,
        e.event
    from responses as r
    {{ json_array_rows('r.raw_json', ['events'], 'event', 'event_index', 'e') }}
    where
        r.endpoint like 'events/%'
        and {{ json_text('e.event', ['event_type']) }} in ('upload', 'content_update')
),

exploded as (
    select
        c.batch_id,
        c.line_no,
        c.event_index,
        h.hashtag_index,
        c.fetched_at,
        {{ json_text('c.event', ['event_id']) }} as event_id,
        {{ json_text('c.event', ['content_id']) }} as content_id,
        {{ iso_to_timestamp(json_text('c.event', ['occurred_at'])) }} as occurred_at,
        lower(replace({{ json_scalar_text('h.hashtag') }}, '#', '')) as hashtag
    from content_events as c
    {{ json_array_rows('c.event', ['hashtags'], 'hashtag', 'hashtag_index', 'h') }}
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
