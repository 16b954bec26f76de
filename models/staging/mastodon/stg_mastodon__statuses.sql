{{
    config(
        materialized='incremental',
        unique_key=['instance', 'status_id', 'fetched_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per Mastodon status per fetch: counts grow over time, so every observation is kept.
-- Statuses arrive three ways: GET api/v1/statuses/:id (the body is the status), timelines
-- (a list of statuses), and streaming `update` / `status.update` events (the payload is one).
-- Each document is parsed once (json_array_records / json_object_record) and arrays unnested in
-- the select list, as stg_tiktok__videos does: bounded memory at a million statuses a day.
-- Incremental by landing batch: a run parses only the batches landed since the last one; a key
-- seen again is ranked against the stored row, so the table equals a full refresh.
-- With TRENDCAST_MASTODON_REDACT_DELETED=true the text of deleted statuses is NULL here too,
-- also in rows stored before the delete arrived (they are re-emitted redacted).
{%- set fields = mastodon_status_fields() %}
{%- set columns = [
    'instance', 'status_id', 'fetched_at', 'observed_via', 'created_at', 'edited_at',
    'account_id', 'account_acct', 'language_code', 'visibility', 'url', 'content_html',
    'in_reply_to_id', 'is_reblog', 'replies_count', 'reblogs_count', 'favourites_count',
    'tags_json', 'mentions_json', 'uri', 'spoiler_text', 'batch_id', 'line_no', 'item_index',
    'landed_at',
] %}
with

responses as (
    select r.* from {{ raw_api_responses('mastodon', with_landed_at=true) }} as r
    where
        {{ mastodon_replay_window('r.fetched_at') }}
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

single as (
    select
        r.batch_id,
        r.line_no,
        1 as item_index,
        r.fetched_at,
        r.landed_at,
        r.params,
        'rest' as observed_via,
        {{ json_object_record('r.raw_json', fields) }} as status
    from responses as r
    where {{ regex_like('r.endpoint', '^api/v1/statuses/[0-9]+$') }}
),

timeline_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        r.landed_at,
        r.params,
        {{ json_array_records('r.raw_json', [], fields) }} as records
    from responses as r
    where r.endpoint like 'api/v1/timelines/%'
),

timelines as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        d.landed_at,
        d.params,
        'timeline' as observed_via,
        {{ unnest_records('d.records', 'status', 'item_index') }}
    from timeline_documents as d
),

streamed as (
    select
        r.batch_id,
        r.line_no,
        1 as item_index,
        r.fetched_at,
        r.landed_at,
        r.params,
        'stream_' || {{ json_text('r.raw_json', ['event']) }} as observed_via,
        {{ json_object_record(json_value('r.raw_json', ['payload']), fields) }} as status
    from responses as r
    where
        r.endpoint like 'api/v1/streaming%'
        and {{ json_text('r.raw_json', ['event']) }} in ('update', 'status.update')
),

unioned as (
    {% for relation in ['single', 'timelines', 'streamed'] %}
    {% if not loop.first %}
    union all
    {% endif %}
    select
        batch_id,
        line_no,
        item_index,
        fetched_at,
        landed_at,
        params,
        observed_via,
        status
    from {{ relation }}
    {% endfor %}
),

fields as (
    select
        u.batch_id,
        u.line_no,
        u.item_index,
        u.fetched_at,
        u.landed_at,
        u.params,
        u.observed_via,
        {{ json_record_fields('u.status', fields, 's_') }}
    from unioned as u
),

parsed as (
    select
        coalesce({{ json_text('params', ['instance']) }}, 'unknown') as instance,
        s_id as status_id,
        fetched_at,
        observed_via,
        {{ mastodon_time('s_created_at') }} as created_at,
        {{ mastodon_time('s_edited_at') }} as edited_at,
        {{ json_text('s_account', ['id']) }} as account_id,
        {{ json_text('s_account', ['acct']) }} as account_acct,
        s_language as language_code,
        s_visibility as visibility,
        s_url as url,
        s_content as content_html,
        s_in_reply_to_id as in_reply_to_id,
        coalesce({{ json_type_of('s_reblog', []) }} = 'object', false) as is_reblog,
        {{ safe_cast('s_replies_count', dbt.type_bigint()) }} as replies_count,
        {{ safe_cast('s_reblogs_count', dbt.type_bigint()) }} as reblogs_count,
        {{ safe_cast('s_favourites_count', dbt.type_bigint()) }} as favourites_count,
        {{ json_to_text('s_tags') }} as tags_json,
        {{ json_to_text('s_mentions') }} as mentions_json,
        s_uri as uri,
        s_spoiler_text as spoiler_text,
        batch_id,
        line_no,
        item_index,
        landed_at
    from fields
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from parsed
    where status_id is not null
    {{ union_stored_rows_of_seen_keys('parsed', columns, ['instance', 'status_id', 'fetched_at']) }}
    {{ mastodon_stored_rows_of_deleted(columns, 'responses') }}
),

deduped as (
    select
        *,
        row_number() over (
            partition by instance, status_id, fetched_at
            order by batch_id, line_no, item_index
        ) as observation_rank
    from candidates
),

final as (
    {{ mastodon_first_observations('deduped', columns) }}
)

select * from final
