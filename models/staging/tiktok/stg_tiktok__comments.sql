-- One row per comment from Research API v2/research/video/comment/list pages (latest fetch wins).
with

responses as (
    select * from {{ raw_api_responses('tiktok') }} as r
),

comments as (
    select
        r.fetched_at,
        r.batch_id,
        r.line_no,
        c.item_index,
        {{ json_text('c.item', ['id']) }} as comment_id,
        coalesce({{ json_text('c.item', ['video_id']) }}, {{ json_text('r.params', ['video_id']) }}) as video_id,
        {{ json_text('c.item', ['parent_comment_id']) }} as parent_comment_id,
        {{ json_text('c.item', ['text']) }} as comment_text,
        {{ epoch_to_timestamp(safe_cast(json_text('c.item', ['create_time']), dbt.type_bigint())) }} as created_at,
        {{ safe_cast(json_text('c.item', ['like_count']), dbt.type_bigint()) }} as like_count,
        {{ safe_cast(json_text('c.item', ['reply_count']), dbt.type_bigint()) }} as reply_count
    from responses as r
    {{ json_array_rows('r.raw_json', ['data', 'comments'], 'item', 'item_index', 'c') }}
    where r.endpoint like 'v2/research/video/comment/list%'
),

deduped as (
    select
        *,
        row_number() over (
            partition by comment_id
            order by fetched_at desc, batch_id desc, line_no desc, item_index desc
        ) as recency_rank
    from comments
    where comment_id is not null
),

final as (
    select
        comment_id,
        video_id,
        parent_comment_id,
        comment_text,
        created_at,
        like_count,
        reply_count,
        fetched_at
    from deduped
    where recency_rank = 1
)

select * from final
