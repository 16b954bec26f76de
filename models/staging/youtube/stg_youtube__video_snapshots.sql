{{
    config(
        materialized='incremental',
        unique_key=['region_code', 'video_id', 'fetched_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        pre_hook="{{ single_thread(true) }}",
        post_hook="{{ single_thread(false) }}",
    )
}}
-- One row per video per chart fetch of youtube/v3/videos (chart=mostPopular, one region per call).
-- A chart call may span several pages (params.pageToken set on the follow-up pages): the pages of
-- a call are consecutive lines of one archive file (one landing batch), so they are grouped into
-- their call within the batch in line order, and chart_rank is the position across those pages.
-- Parsed like stg_tiktok__videos (json_array_records -> unnest_records -> json_record_fields):
-- each response and each item's snippet/statistics are parsed once, the items array is unnested
-- in the select list. The former view exploded pages with a lateral json_array_rows and every
-- test and reader re-parsed it: at 18 months of charts a not_null test ran DuckDB out of memory.
-- Incremental by landing batch: a run parses only the batches landed since the last one. A
-- (region_code, video_id, fetched_at) seen again in a new batch is ranked against the stored row,
-- and delete+insert on that key keeps the winner, so the table equals a full refresh exactly.
{%- set columns = [
    'video_id', 'region_code', 'fetched_at', 'snapshot_date', 'chart_rank', 'published_at',
    'channel_id', 'channel_title', 'title', 'description_length', 'category_id', 'tags',
    'default_audio_language', 'live_broadcast_content', 'view_count', 'like_count',
    'comment_count', 'batch_id', 'line_no',
] %}
{%- set item_fields = {'id': 'text', 'snippet': 'json', 'statistics': 'json'} %}
{%- set snippet_fields = {
    'publishedAt': 'text', 'channelId': 'text', 'channelTitle': 'text', 'title': 'text',
    'description': 'text', 'categoryId': 'text', 'tags': 'json', 'defaultAudioLanguage': 'text',
    'liveBroadcastContent': 'text',
} %}
{%- set statistics_fields = {'viewCount': 'text', 'likeCount': 'text', 'commentCount': 'text'} %}
{#- the chart pages (mostPopular, by region) of the batches not loaded yet: read twice below -#}
{%- set new_chart_pages -%}
r.endpoint = 'youtube/v3/videos'
and coalesce({{ json_text('r.params', ['chart']) }}, '') = 'mostPopular'
and {{ json_text('r.params', ['regionCode']) }} is not null
{% if is_incremental() %}and {{ batch_not_yet_loaded('r.batch_id') }}{% endif %}
{%- endset %}
with

responses as (
    select r.* from {{ raw_api_responses('youtube') }} as r
    where {{ new_chart_pages }}
),

page_envelopes as (
    -- The pages' small facts, read in a pass of their own, so the items below are read once and
    -- stream (one more parse of each document costs seconds).
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        upper({{ json_text('r.params', ['regionCode']) }}) as region_code,
        case when {{ json_text('r.params', ['pageToken']) }} is null then 1 else 0 end as is_first_page,
        {{ json_array_length('r.raw_json', ['items']) }} as n_items
    from {{ raw_api_responses('youtube') }} as r
    where {{ new_chart_pages }}
),

documents as (
    select
        r.batch_id,
        r.line_no,
        {{ json_array_records('r.raw_json', ['items'], item_fields) }} as records
    from responses as r
),

page_items as (
    select
        d.batch_id,
        d.line_no,
        {{ unnest_records('d.records', 'item', 'item_index') }}
    from documents as d
),

item_fields as (
    select
        i.batch_id,
        i.line_no,
        i.item_index,
        {{ json_record_fields('i.item', item_fields, 'f_') }}
    from page_items as i
),

item_records as (
    select
        f.batch_id,
        f.line_no,
        f.item_index,
        f.f_id as video_id,
        {{ json_object_record('f.f_snippet', snippet_fields) }} as snippet_record,
        {{ json_object_record('f.f_statistics', statistics_fields) }} as statistics_record
    from item_fields as f
),

item_values as (
    select
        r.batch_id,
        r.line_no,
        r.item_index,
        r.video_id,
        {{ json_record_fields('r.snippet_record', snippet_fields, 's_') }},
        {{ json_record_fields('r.statistics_record', statistics_fields, 'st_') }}
    from item_records as r
),

calls as (
    -- a first page opens a call; follow-up pages of the same region join the batch's latest open
    -- call (a batch opening with a follow-up page starts a call of its own: call_seq 0)
    select
        batch_id,
        line_no,
        region_code,
        fetched_at,
        n_items,
        sum(is_first_page) over (
            partition by batch_id, region_code
            order by line_no
            rows between unbounded preceding and current row
        ) as call_seq
    from page_envelopes
    where n_items > 0
),

call_offsets as (
    select
        batch_id,
        line_no,
        region_code,
        coalesce(sum(n_items) over (
            partition by batch_id, region_code, call_seq
            order by line_no
            rows between unbounded preceding and 1 preceding
        ), 0) as rank_offset,
        min(fetched_at) over (partition by batch_id, region_code, call_seq) as call_fetched_at
    from calls
),

items as (
    select
        v.batch_id,
        v.line_no,
        o.region_code,
        o.call_fetched_at as fetched_at,
        cast(o.rank_offset + v.item_index as {{ dbt.type_bigint() }}) as chart_rank,
        v.video_id,
        {{ iso_to_timestamp('v.s_publishedat') }} as published_at,
        v.s_channelid as channel_id,
        v.s_channeltitle as channel_title,
        v.s_title as title,
        length(v.s_description) as description_length,
        v.s_categoryid as category_id,
        {{ json_to_text('v.s_tags') }} as tags,
        v.s_defaultaudiolanguage as default_audio_language,
        v.s_livebroadcastcontent as live_broadcast_content,
        {{ safe_cast('v.st_viewcount', dbt.type_bigint()) }} as view_count,
        {{ safe_cast('v.st_likecount', dbt.type_bigint()) }} as like_count,
        {{ safe_cast('v.st_commentcount', dbt.type_bigint()) }} as comment_count
    from item_values as v
    inner join call_offsets as o
        on v.batch_id = o.batch_id and v.line_no = o.line_no
    where v.video_id is not null
),

parsed as (
    select
        video_id,
        region_code,
        fetched_at,
        cast({{ dbt.date_trunc('day', 'fetched_at') }} as date) as snapshot_date,
        chart_rank,
        published_at,
        channel_id,
        channel_title,
        title,
        description_length,
        category_id,
        tags,
        default_audio_language,
        live_broadcast_content,
        view_count,
        like_count,
        comment_count,
        batch_id,
        line_no
    from items
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from parsed
    {{ union_stored_rows_of_seen_keys('parsed', columns, ['region_code', 'video_id', 'fetched_at']) }}
),

deduped as (
    select
        *,
        row_number() over (
            partition by region_code, video_id, fetched_at
            order by chart_rank, batch_id, line_no
        ) as observation_rank
    from candidates
),

final as (
    select
        {{ columns | join(',\n        ') }}
    from deduped
    where observation_rank = 1
)

select * from final
