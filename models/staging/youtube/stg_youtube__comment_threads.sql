-- One row per comment from youtube/v3/commentThreads pages: each thread's top-level comment and
-- the replies the page carries (part=replies), latest fetch wins.
with

responses as (
    select * from {{ raw_api_responses('youtube') }} as r
),

threads as (
    select
        r.fetched_at,
        r.batch_id,
        r.line_no,
        t.item_index,
        t.item
    from responses as r
    {{ json_array_rows('r.raw_json', ['items'], 'item', 'item_index', 't') }}
    where r.endpoint = 'youtube/v3/commentThreads'
),

top_level as (
    select
        fetched_at,
        batch_id,
        line_no,
        item_index,
        0 as reply_index,
        {{ json_text('item', ['snippet', 'topLevelComment', 'id']) }} as comment_id,
        {{ json_text('item', ['snippet', 'videoId']) }} as thread_video_id,
        {{ json_value('item', ['snippet', 'topLevelComment', 'snippet']) }} as comment_doc,
        cast(null as {{ dbt.type_string() }}) as parent_comment_id
    from threads
),

replies as (
    select
        t.fetched_at,
        t.batch_id,
        t.line_no,
        t.item_index,
        c.reply_index,
        {{ json_text('c.reply', ['id']) }} as comment_id,
        {{ json_text('t.item', ['snippet', 'videoId']) }} as thread_video_id,
        {{ json_value('c.reply', ['snippet']) }} as comment_doc,
        {{ json_text('t.item', ['snippet', 'topLevelComment', 'id']) }} as parent_comment_id
    from threads as t
    {{ json_array_rows('t.item', ['replies', 'comments'], 'reply', 'reply_index', 'c') }}
),

comments as (
    select * from top_level
    union all
    select * from replies
),

parsed as (
    select
        comment_id,
        coalesce({{ json_text('comment_doc', ['videoId']) }}, thread_video_id) as video_id,
        coalesce(parent_comment_id, {{ json_text('comment_doc', ['parentId']) }}) as parent_comment_id,
        coalesce(
            {{ json_text('comment_doc', ['textOriginal']) }},
            {{ json_text('comment_doc', ['textDisplay']) }}
        ) as comment_text,
        {{ json_text('comment_doc', ['textDisplay']) }} as comment_html,
        {{ json_text('comment_doc', ['authorDisplayName']) }} as author_display_name,
        {{ json_text('comment_doc', ['authorChannelId', 'value']) }} as author_channel_id,
        {{ iso_to_timestamp(json_text('comment_doc', ['publishedAt'])) }} as published_at,
        {{ iso_to_timestamp(json_text('comment_doc', ['updatedAt'])) }} as updated_at,
        {{ safe_cast(json_text('comment_doc', ['likeCount']), dbt.type_bigint()) }} as like_count,
        fetched_at,
        row_number() over (
            partition by comment_id
            order by fetched_at desc, batch_id desc, line_no desc, item_index desc, reply_index desc
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
        comment_html,
        author_display_name,
        author_channel_id,
        published_at,
        updated_at,
        like_count,
        fetched_at
    from parsed
    where recency_rank = 1
)

select * from final
