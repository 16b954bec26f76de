-- One row per TikTok video per fetch, from three API shapes:
-- the Research API (v2/research/video/query), the web item list (api/*/item_list, as the
-- unofficial TikTokApi returns it) and the tiktok-scraper trending dump.
with

responses as (
    select * from {{ raw_api_responses('tiktok') }} as r
),

research as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        'research_api' as api_shape,
        v.item_index,
        coalesce({{ json_text('v.item', ['id']) }}, {{ json_text('v.item', ['video_id']) }}) as video_id,
        {{ json_text('v.item', ['username']) }} as username,
        cast(null as {{ dbt.type_string() }}) as author_id,
        {{ json_text('v.item', ['region_code']) }} as region_code,
        {{ epoch_to_timestamp(safe_cast(json_text('v.item', ['create_time']), dbt.type_bigint())) }} as created_at,
        {{ json_text('v.item', ['video_description']) }} as description,
        {{ json_text('v.item', ['music_id']) }} as music_id,
        {{ safe_cast(json_text('v.item', ['video_duration']), dbt.type_bigint()) }} as duration_seconds,
        {{ safe_cast(json_text('v.item', ['view_count']), dbt.type_bigint()) }} as view_count,
        {{ safe_cast(json_text('v.item', ['like_count']), dbt.type_bigint()) }} as like_count,
        {{ safe_cast(json_text('v.item', ['comment_count']), dbt.type_bigint()) }} as comment_count,
        {{ safe_cast(json_text('v.item', ['share_count']), dbt.type_bigint()) }} as share_count,
        {{ json_to_text(json_value('v.item', ['hashtag_names'])) }} as hashtags_json
    from responses as r
    {{ json_array_rows('r.raw_json', ['data', 'videos'], 'item', 'item_index', 'v') }}
    where r.endpoint like 'v2/research/video/query%'
),

web as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        'web_item_list' as api_shape,
        v.item_index,
        {{ json_text('v.item', ['id']) }} as video_id,
        {{ json_text('v.item', ['author', 'uniqueId']) }} as username,
        {{ json_text('v.item', ['author', 'id']) }} as author_id,
        cast(null as {{ dbt.type_string() }}) as region_code,
        {{ epoch_to_timestamp(safe_cast(json_text('v.item', ['createTime']), dbt.type_bigint())) }} as created_at,
        {{ json_text('v.item', ['desc']) }} as description,
        {{ json_text('v.item', ['music', 'id']) }} as music_id,
        {{ safe_cast(json_text('v.item', ['video', 'duration']), dbt.type_bigint()) }} as duration_seconds,
        {{ safe_cast(json_text('v.item', ['stats', 'playCount']), dbt.type_bigint()) }} as view_count,
        {{ safe_cast(json_text('v.item', ['stats', 'diggCount']), dbt.type_bigint()) }} as like_count,
        {{ safe_cast(json_text('v.item', ['stats', 'commentCount']), dbt.type_bigint()) }} as comment_count,
        {{ safe_cast(json_text('v.item', ['stats', 'shareCount']), dbt.type_bigint()) }} as share_count,
        {{ json_to_text(json_value('v.item', ['challenges'])) }} as hashtags_json
    from responses as r
    {{ json_array_rows('r.raw_json', ['itemList'], 'item', 'item_index', 'v') }}
    where r.endpoint like 'api/%item_list%'
),

scraper as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        'scraper' as api_shape,
        v.item_index,
        {{ json_text('v.item', ['id']) }} as video_id,
        {{ json_text('v.item', ['authorMeta', 'name']) }} as username,
        {{ json_text('v.item', ['authorMeta', 'id']) }} as author_id,
        cast(null as {{ dbt.type_string() }}) as region_code,
        {{ epoch_to_timestamp(safe_cast(json_text('v.item', ['createTime']), dbt.type_bigint())) }} as created_at,
        {{ json_text('v.item', ['text']) }} as description,
        {{ json_text('v.item', ['musicMeta', 'musicId']) }} as music_id,
        {{ safe_cast(json_text('v.item', ['videoMeta', 'duration']), dbt.type_bigint()) }} as duration_seconds,
        {{ safe_cast(json_text('v.item', ['playCount']), dbt.type_bigint()) }} as view_count,
        {{ safe_cast(json_text('v.item', ['diggCount']), dbt.type_bigint()) }} as like_count,
        {{ safe_cast(json_text('v.item', ['commentCount']), dbt.type_bigint()) }} as comment_count,
        {{ safe_cast(json_text('v.item', ['shareCount']), dbt.type_bigint()) }} as share_count,
        {{ json_to_text(json_value('v.item', ['hashtags'])) }} as hashtags_json
    from responses as r
    {{ json_array_rows('r.raw_json', ['collector'], 'item', 'item_index', 'v') }}
    where r.endpoint = 'scraper/trending'
),

unioned as (
    select * from research
    union all
    select * from web
    union all
    select * from scraper
),

deduped as (
    select
        *,
        row_number() over (
            partition by video_id, fetched_at
            order by batch_id, line_no, item_index
        ) as observation_rank
    from unioned
    where video_id is not null
),

final as (
    select
        video_id,
        fetched_at,
        api_shape,
        username,
        author_id,
        region_code,
        created_at,
        description,
        music_id,
        duration_seconds,
        view_count,
        like_count,
        comment_count,
        share_count,
        hashtags_json,
        batch_id,
        line_no
    from deduped
    where observation_rank = 1
)

select * from final
