-- One row per video per chart fetch of youtube/v3/videos (chart=mostPopular, one region per call).
-- A chart call may span several pages (params.pageToken set on the follow-up pages): pages are
-- grouped into their call in landing order, and chart_rank is the position across those pages.
with

responses as (
    select * from {{ raw_api_responses('youtube') }} as r
),

pages as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        r.raw_json,
        upper({{ json_text('r.params', ['regionCode']) }}) as region_code,
        case when {{ json_text('r.params', ['pageToken']) }} is null then 1 else 0 end as is_first_page,
        coalesce({{ json_text('r.params', ['chart']) }}, '') as chart_name
    from responses as r
    where r.endpoint = 'youtube/v3/videos'
),

page_items as (
    select
        p.batch_id,
        p.line_no,
        p.fetched_at,
        p.region_code,
        p.is_first_page,
        v.item_index,
        v.item
    from pages as p
    {{ json_array_rows('p.raw_json', ['items'], 'item', 'item_index', 'v') }}
    where p.chart_name = 'mostPopular' and p.region_code is not null
),

page_sizes as (
    select
        batch_id,
        line_no,
        region_code,
        fetched_at,
        is_first_page,
        count(*) as n_items
    from page_items
    group by 1, 2, 3, 4, 5
),

calls as (
    -- a first page opens a call; follow-up pages of the same region join the latest open call
    select
        batch_id,
        line_no,
        n_items,
        sum(is_first_page) over (
            partition by region_code
            order by batch_id, line_no
            rows between unbounded preceding and current row
        ) as call_seq,
        region_code
    from page_sizes
),

call_offsets as (
    select
        batch_id,
        line_no,
        region_code,
        call_seq,
        coalesce(sum(n_items) over (
            partition by region_code, call_seq
            order by batch_id, line_no
            rows between unbounded preceding and 1 preceding
        ), 0) as rank_offset
    from calls
),

call_starts as (
    select
        o.region_code,
        o.call_seq,
        min(ps.fetched_at) as call_fetched_at
    from call_offsets as o
    inner join page_sizes as ps
        on o.batch_id = ps.batch_id and o.line_no = ps.line_no
    group by 1, 2
),

items as (
    select
        pi.batch_id,
        pi.line_no,
        pi.region_code,
        cs.call_fetched_at as fetched_at,
        cast(o.rank_offset + pi.item_index as {{ dbt.type_bigint() }}) as chart_rank,
        {{ json_text('pi.item', ['id']) }} as video_id,
        {{ iso_to_timestamp(json_text('pi.item', ['snippet', 'publishedAt'])) }} as published_at,
        {{ json_text('pi.item', ['snippet', 'channelId']) }} as channel_id,
        {{ json_text('pi.item', ['snippet', 'channelTitle']) }} as channel_title,
        {{ json_text('pi.item', ['snippet', 'title']) }} as title,
        length({{ json_text('pi.item', ['snippet', 'description']) }}) as description_length,
        {{ json_text('pi.item', ['snippet', 'categoryId']) }} as category_id,
        {{ json_to_text(json_value('pi.item', ['snippet', 'tags'])) }} as tags,
        {{ json_text('pi.item', ['snippet', 'defaultAudioLanguage']) }} as default_audio_language,
        {{ json_text('pi.item', ['snippet', 'liveBroadcastContent']) }} as live_broadcast_content,
        {{ safe_cast(json_text('pi.item', ['statistics', 'viewCount']), dbt.type_bigint()) }} as view_count,
        {{ safe_cast(json_text('pi.item', ['statistics', 'likeCount']), dbt.type_bigint()) }} as like_count,
        {{ safe_cast(json_text('pi.item', ['statistics', 'commentCount']), dbt.type_bigint()) }} as comment_count
    from page_items as pi
    inner join call_offsets as o
        on pi.batch_id = o.batch_id and pi.line_no = o.line_no
    inner join call_starts as cs
        on o.region_code = cs.region_code and o.call_seq = cs.call_seq
),

deduped as (
    select
        *,
        row_number() over (
            partition by region_code, video_id, fetched_at
            order by chart_rank, batch_id, line_no
        ) as observation_rank
    from items
    where video_id is not null
),

final as (
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
    from deduped
    where observation_rank = 1
)

select * from final
