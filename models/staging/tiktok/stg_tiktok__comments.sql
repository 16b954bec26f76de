{{
    config(
        materialized='incremental',
        unique_key=['comment_id'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per comment from Research API v2/research/video/comment/list pages (latest fetch wins).
-- Parsed like stg_tiktok__videos: each page parsed once, its comments unnested in the select list.
-- Incremental by landing batch: a run parses only the batches landed since the last one; a
-- comment seen again is ranked against the stored row (batch_id, line_no and item_index kept for
-- the tie order) and delete+insert on comment_id keeps the latest, so it equals a full refresh.
{%- set comment_fields = {
    'id': 'text', 'video_id': 'text', 'parent_comment_id': 'text', 'text': 'text',
    'create_time': 'text', 'like_count': 'text', 'reply_count': 'text',
} %}
{%- set columns = [
    'comment_id', 'video_id', 'parent_comment_id', 'comment_text', 'created_at', 'like_count',
    'reply_count', 'fetched_at', 'batch_id', 'line_no', 'item_index',
] %}
with

responses as (
    select r.* from {{ raw_api_responses('tiktok') }} as r
    where
        r.endpoint like 'v2/research/video/comment/list%'
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

comment_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ json_text('r.params', ['video_id']) }} as requested_video_id,
        {{ json_array_records('r.raw_json', ['data', 'comments'], comment_fields) }} as records
    from responses as r
),

comment_records as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        d.requested_video_id,
        {{ unnest_records('d.records', 'comment', 'item_index') }}
    from comment_documents as d
),

comment_fields as (
    select
        c.batch_id,
        c.line_no,
        c.fetched_at,
        c.requested_video_id,
        c.item_index,
        {{ json_record_fields('c.comment', comment_fields, 'f_') }}
    from comment_records as c
),

parsed as (
    select
        f_id as comment_id,
        coalesce(f_video_id, requested_video_id) as video_id,
        f_parent_comment_id as parent_comment_id,
        f_text as comment_text,
        {{ epoch_to_timestamp(safe_cast('f_create_time', dbt.type_bigint())) }} as created_at,
        {{ safe_cast('f_like_count', dbt.type_bigint()) }} as like_count,
        {{ safe_cast('f_reply_count', dbt.type_bigint()) }} as reply_count,
        fetched_at,
        batch_id,
        line_no,
        item_index
    from comment_fields
    where f_id is not null
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from parsed
    {{ union_stored_rows_of_seen_keys('parsed', columns, ['comment_id']) }}
),

deduped as (
    select
        *,
        row_number() over (
            partition by comment_id
            order by fetched_at desc, batch_id desc, line_no desc, item_index desc
        ) as recency_rank
    from candidates
),

final as (
    select
        {{ columns | join(',\n        ') }}
    from deduped
    where recency_rank = 1
)

select * from final
