{{
    config(
        materialized='incremental',
        unique_key=['instance', 'status_id', 'fetched_at', 'version_index'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per version in a GET api/v1/statuses/:id/history response (oldest first, the first
-- element being the original post, each later one an edit). Mastodon's StatusEdit carries the
-- content and the time that version was made (`created_at`), not an id: the version's identity
-- downstream is (instance, status id, version time). Incremental by landing batch.
{%- set fields = {
    'content': 'text', 'spoiler_text': 'text', 'sensitive': 'text', 'created_at': 'text',
} %}
{%- set columns = [
    'instance', 'status_id', 'fetched_at', 'version_index', 'version_created_at',
    'content_html', 'spoiler_text', 'is_sensitive', 'batch_id', 'line_no', 'landed_at',
] %}
with

responses as (
    select r.* from {{ raw_api_responses('mastodon', with_landed_at=true) }} as r
    where
        {{ regex_like('r.endpoint', '^api/v1/statuses/[0-9]+/history$') }}
        and {{ mastodon_replay_window('r.fetched_at') }}
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        r.landed_at,
        coalesce({{ json_text('r.params', ['instance']) }}, 'unknown') as instance,
        {{ dbt.split_part('r.endpoint', "'/'", 4) }} as status_id,
        {{ json_array_records('r.raw_json', [], fields) }} as records
    from responses as r
),

items as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        d.landed_at,
        d.instance,
        d.status_id,
        {{ unnest_records('d.records', 'version', 'version_index') }}
    from documents as d
),

fields as (
    select
        i.batch_id,
        i.line_no,
        i.fetched_at,
        i.landed_at,
        i.instance,
        i.status_id,
        i.version_index,
        {{ json_record_fields('i.version', fields, 'v_') }}
    from items as i
),

parsed as (
    select
        instance,
        status_id,
        fetched_at,
        cast(version_index as {{ dbt.type_bigint() }}) as version_index,
        {{ mastodon_time('v_created_at') }} as version_created_at,
        v_content as content_html,
        v_spoiler_text as spoiler_text,
        {{ safe_cast('v_sensitive', dbt.type_boolean()) }} as is_sensitive,
        batch_id,
        line_no,
        landed_at
    from fields
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from parsed
    {{ union_stored_rows_of_seen_keys('parsed', columns, ['instance', 'status_id', 'fetched_at']) }}
    {{ mastodon_stored_rows_of_deleted(columns, raw_api_responses('mastodon')) }}
),

deduped as (
    select
        *,
        row_number() over (
            partition by instance, status_id, fetched_at, version_index
            order by batch_id, line_no
        ) as observation_rank
    from candidates
),

final as (
    {{ mastodon_first_observations('deduped', columns) }}
)

select * from final
