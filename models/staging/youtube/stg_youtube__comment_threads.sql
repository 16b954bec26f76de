{{
    config(
        materialized='incremental',
        unique_key=['comment_id'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per comment from youtube/v3/commentThreads pages: each thread's top-level comment and
-- the replies the page carries (part=replies), latest fetch wins.
-- Parsed like stg_youtube__video_snapshots (json_array_records -> unnest_records ->
-- json_record_fields): each page is parsed once and its threads, then each thread's replies, are
-- unnested in the select list. The former view exploded pages with lateral json_array_rows and
-- every test and reader re-parsed the raw pages.
-- Incremental by landing batch: a run parses only the batches landed since the last one; a
-- comment seen again is ranked against the stored row (batch_id, line_no, item_index and
-- reply_index kept for the tie order) and delete+insert on comment_id keeps the latest, so the
-- table equals a full refresh.
{%- set thread_fields = {'snippet': 'json', 'replies': 'json'} %}
{%- set thread_snippet_fields = {'videoId': 'text', 'topLevelComment': 'json'} %}
{%- set comment_fields = {'id': 'text', 'snippet': 'json'} %}
{%- set comment_snippet_fields = {
    'videoId': 'text', 'parentId': 'text', 'textOriginal': 'text', 'textDisplay': 'text',
    'authorDisplayName': 'text', 'authorChannelId': 'json', 'publishedAt': 'text',
    'updatedAt': 'text', 'likeCount': 'text',
} %}
{%- set columns = [
    'comment_id', 'video_id', 'parent_comment_id', 'comment_text', 'comment_html',
    'author_display_name', 'author_channel_id', 'published_at', 'updated_at', 'like_count',
    'fetched_at', 'batch_id', 'line_no', 'item_index', 'reply_index',
] %}
with

responses as (
    select r.* from {{ raw_api_responses('youtube') }} as r
    where
        r.endpoint = 'youtube/v3/commentThreads'
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

thread_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ json_array_records('r.raw_json', ['items'], thread_fields) }} as records
    from responses as r
),

thread_records as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        {{ unnest_records('d.records', 'thread', 'item_index') }}
    from thread_documents as d
),

thread_parts as (
    select
        t.batch_id,
        t.line_no,
        t.fetched_at,
        t.item_index,
        {{ json_record_fields('t.thread', thread_fields, 't_') }}
    from thread_records as t
),

thread_snippet_records as (
    select
        p.batch_id,
        p.line_no,
        p.fetched_at,
        p.item_index,
        p.t_replies,
        {{ json_object_record('p.t_snippet', thread_snippet_fields) }} as snippet_record
    from thread_parts as p
),

thread_snippets as (
    select
        s.batch_id,
        s.line_no,
        s.fetched_at,
        s.item_index,
        s.t_replies,
        {{ json_record_fields('s.snippet_record', thread_snippet_fields, 'ts_') }}
    from thread_snippet_records as s
),

top_level_comment_records as (
    select
        s.batch_id,
        s.line_no,
        s.fetched_at,
        s.item_index,
        s.ts_videoid as thread_video_id,
        {{ json_object_record('s.ts_toplevelcomment', comment_fields) }} as comment_record
    from thread_snippets as s
),

top_level_records as (
    select
        s.batch_id,
        s.line_no,
        s.fetched_at,
        s.item_index,
        s.thread_video_id,
        {{ json_record_fields('s.comment_record', comment_fields, 'c_') }}
    from top_level_comment_records as s
),

top_level_ids as (
    -- the top-level comment's id, the parent of the thread's replies
    select
        batch_id,
        line_no,
        item_index,
        thread_video_id,
        c_id as top_level_comment_id
    from top_level_records
),

reply_documents as (
    select
        s.batch_id,
        s.line_no,
        s.fetched_at,
        s.item_index,
        {{ json_array_records('s.t_replies', ['comments'], comment_fields) }} as records
    from thread_snippets as s
    where s.t_replies is not null
),

reply_records as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        d.item_index,
        {{ unnest_records('d.records', 'reply', 'reply_index') }}
    from reply_documents as d
),

reply_parts as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        r.item_index,
        r.reply_index,
        {{ json_record_fields('r.reply', comment_fields, 'c_') }}
    from reply_records as r
),

comments as (
    select
        batch_id,
        line_no,
        fetched_at,
        item_index,
        0 as reply_index,
        c_id as comment_id,
        thread_video_id,
        c_snippet as comment_doc,
        cast(null as {{ dbt.type_string() }}) as parent_comment_id
    from top_level_records
    union all
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        r.item_index,
        r.reply_index,
        r.c_id as comment_id,
        t.thread_video_id,
        r.c_snippet as comment_doc,
        t.top_level_comment_id as parent_comment_id
    from reply_parts as r
    left join top_level_ids as t
        on
            r.batch_id = t.batch_id
            and r.line_no = t.line_no
            and r.item_index = t.item_index
),

comment_records as (
    select
        c.batch_id,
        c.line_no,
        c.fetched_at,
        c.item_index,
        c.reply_index,
        c.comment_id,
        c.thread_video_id,
        c.parent_comment_id,
        {{ json_object_record('c.comment_doc', comment_snippet_fields) }} as snippet_record
    from comments as c
    where c.comment_id is not null
),

comment_values as (
    select
        c.batch_id,
        c.line_no,
        c.fetched_at,
        c.item_index,
        c.reply_index,
        c.comment_id,
        c.thread_video_id,
        c.parent_comment_id,
        {{ json_record_fields('c.snippet_record', comment_snippet_fields, 'cs_') }}
    from comment_records as c
),

parsed as (
    select
        comment_id,
        coalesce(cs_videoid, thread_video_id) as video_id,
        coalesce(parent_comment_id, cs_parentid) as parent_comment_id,
        coalesce(cs_textoriginal, cs_textdisplay) as comment_text,
        cs_textdisplay as comment_html,
        cs_authordisplayname as author_display_name,
        {{ json_text('cs_authorchannelid', ['value']) }} as author_channel_id,
        {{ iso_to_timestamp('cs_publishedat') }} as published_at,
        {{ iso_to_timestamp('cs_updatedat') }} as updated_at,
        {{ safe_cast('cs_likecount', dbt.type_bigint()) }} as like_count,
        fetched_at,
        batch_id,
        line_no,
        cast(item_index as {{ dbt.type_bigint() }}) as item_index,
        cast(reply_index as {{ dbt.type_bigint() }}) as reply_index
    from comment_values
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
            order by fetched_at desc, batch_id desc, line_no desc, item_index desc, reply_index desc
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
