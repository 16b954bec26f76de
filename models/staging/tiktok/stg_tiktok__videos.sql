{{
    config(
        materialized='incremental',
        unique_key=['video_id', 'fetched_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per TikTok video per fetch, from three API shapes:
-- the Research API (v2/research/video/query), the web item list (api/*/item_list, as the
-- unofficial TikTokApi returns it) and the tiktok-scraper trending dump.
-- Parsed like the event stream (json_array_records -> unnest_records -> json_record_fields):
-- each response is parsed once and the array unnested in the select list. The lateral
-- json_array_rows form made DuckDB hash every raw document (27.5 s and 14.5 GB peak for 307k
-- rows at 10M simulated events/day, measured).
-- Incremental by landing batch: a run parses only the batches landed since the last one. The
-- same (video_id, fetched_at) seen again in a new batch is ranked against the stored row, and
-- delete+insert on that key keeps the winner, so the table equals a full refresh exactly.
{%- set columns = [
    'video_id', 'fetched_at', 'api_shape', 'username', 'author_id', 'region_code', 'created_at',
    'description', 'music_id', 'duration_seconds', 'view_count', 'like_count', 'comment_count',
    'share_count', 'hashtags_json', 'effect_ids_json', 'is_duet', 'sound_title', 'sound_artist',
    'sound_duration_seconds', 'is_original_sound', 'author_bio', 'author_follower_count',
    'author_following_count', 'author_like_count', 'batch_id', 'line_no', 'item_index',
] %}
{%- set research_fields = {
    'id': 'text', 'video_id': 'text', 'username': 'text', 'region_code': 'text',
    'create_time': 'text', 'video_description': 'text', 'music_id': 'text',
    'video_duration': 'text', 'view_count': 'text', 'like_count': 'text',
    'comment_count': 'text', 'share_count': 'text', 'hashtag_names': 'json', 'effect_ids': 'json',
} %}
{%- set web_fields = {
    'id': 'text', 'author': 'json', 'createTime': 'text', 'desc': 'text', 'music': 'json',
    'video': 'json', 'stats': 'json', 'challenges': 'json', 'duetInfo': 'json', 'authorStats': 'json',
} %}
{%- set scraper_fields = {
    'id': 'text', 'authorMeta': 'json', 'createTime': 'text', 'text': 'text',
    'musicMeta': 'json', 'videoMeta': 'json', 'playCount': 'text', 'diggCount': 'text',
    'commentCount': 'text', 'shareCount': 'text', 'hashtags': 'json',
} %}
with

responses as (
    select * from {{ raw_api_responses('tiktok') }} as r
    {% if is_incremental() %}
        where {{ batch_not_yet_loaded('r.batch_id') }}
    {% endif %}
),

research_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ json_array_records('r.raw_json', ['data', 'videos'], research_fields) }} as records
    from responses as r
    where r.endpoint like 'v2/research/video/query%'
),

research_items as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        {{ unnest_records('d.records', 'item', 'item_index') }}
    from research_documents as d
),

research_fields as (
    select
        i.batch_id,
        i.line_no,
        i.fetched_at,
        i.item_index,
        {{ json_record_fields('i.item', research_fields, 'f_') }}
    from research_items as i
),

web_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ json_array_records('r.raw_json', ['itemList'], web_fields) }} as records
    from responses as r
    where r.endpoint like 'api/%item_list%'
),

web_items as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        {{ unnest_records('d.records', 'item', 'item_index') }}
    from web_documents as d
),

web_fields as (
    select
        i.batch_id,
        i.line_no,
        i.fetched_at,
        i.item_index,
        {{ json_record_fields('i.item', web_fields, 'f_') }}
    from web_items as i
),

scraper_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        {{ json_array_records('r.raw_json', ['collector'], scraper_fields) }} as records
    from responses as r
    where r.endpoint = 'scraper/trending'
),

scraper_items as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        {{ unnest_records('d.records', 'item', 'item_index') }}
    from scraper_documents as d
),

scraper_fields as (
    select
        i.batch_id,
        i.line_no,
        i.fetched_at,
        i.item_index,
        {{ json_record_fields('i.item', scraper_fields, 'f_') }}
    from scraper_items as i
),

research as (
    select
        batch_id,
        line_no,
        fetched_at,
        'research_api' as api_shape,
        item_index,
        coalesce(f_id, f_video_id) as video_id,
        f_username as username,
        cast(null as {{ dbt.type_string() }}) as author_id,
        f_region_code as region_code,
        {{ epoch_to_timestamp(safe_cast('f_create_time', dbt.type_bigint())) }} as created_at,
        f_video_description as description,
        f_music_id as music_id,
        {{ safe_cast('f_video_duration', dbt.type_bigint()) }} as duration_seconds,
        {{ safe_cast('f_view_count', dbt.type_bigint()) }} as view_count,
        {{ safe_cast('f_like_count', dbt.type_bigint()) }} as like_count,
        {{ safe_cast('f_comment_count', dbt.type_bigint()) }} as comment_count,
        {{ safe_cast('f_share_count', dbt.type_bigint()) }} as share_count,
        {{ json_to_text('f_hashtag_names') }} as hashtags_json,
        {{ json_to_text('f_effect_ids') }} as effect_ids_json,
        -- the Research API carries no duet/stitch flag, no sound metadata and no author profile
        -- (that is v2/research/user/info: stg_tiktok__users)
        cast(null as boolean) as is_duet,
        cast(null as {{ dbt.type_string() }}) as sound_title,
        cast(null as {{ dbt.type_string() }}) as sound_artist,
        cast(null as {{ dbt.type_bigint() }}) as sound_duration_seconds,
        cast(null as boolean) as is_original_sound,
        cast(null as {{ dbt.type_string() }}) as author_bio,
        cast(null as {{ dbt.type_bigint() }}) as author_follower_count,
        cast(null as {{ dbt.type_bigint() }}) as author_following_count,
        cast(null as {{ dbt.type_bigint() }}) as author_like_count
    from research_fields
),

web as (
    select
        batch_id,
        line_no,
        fetched_at,
        'web_item_list' as api_shape,
        item_index,
        f_id as video_id,
        {{ json_text('f_author', ['uniqueId']) }} as username,
        {{ json_text('f_author', ['id']) }} as author_id,
        cast(null as {{ dbt.type_string() }}) as region_code,
        {{ epoch_to_timestamp(safe_cast('f_createtime', dbt.type_bigint())) }} as created_at,
        f_desc as description,
        {{ json_text('f_music', ['id']) }} as music_id,
        {{ safe_cast(json_text('f_video', ['duration']), dbt.type_bigint()) }} as duration_seconds,
        {{ safe_cast(json_text('f_stats', ['playCount']), dbt.type_bigint()) }} as view_count,
        {{ safe_cast(json_text('f_stats', ['diggCount']), dbt.type_bigint()) }} as like_count,
        {{ safe_cast(json_text('f_stats', ['commentCount']), dbt.type_bigint()) }} as comment_count,
        {{ safe_cast(json_text('f_stats', ['shareCount']), dbt.type_bigint()) }} as share_count,
        {{ json_to_text('f_challenges') }} as hashtags_json,
        cast(null as {{ dbt.type_string() }}) as effect_ids_json,
        -- a duet names the video it answers (duetInfo.duetFromId, '0' when it is none)
        case
            when {{ json_text('f_duetinfo', ['duetFromId']) }} is null then cast(null as boolean)
            else {{ json_text('f_duetinfo', ['duetFromId']) }} not in ('0', '')
        end as is_duet,
        {{ json_text('f_music', ['title']) }} as sound_title,
        {{ json_text('f_music', ['authorName']) }} as sound_artist,
        {{ safe_cast(json_text('f_music', ['duration']), dbt.type_bigint()) }} as sound_duration_seconds,
        case
            when {{ json_text('f_music', ['original']) }} is null then cast(null as boolean)
            else {{ json_text('f_music', ['original']) }} = 'true'
        end as is_original_sound,
        {{ json_text('f_author', ['signature']) }} as author_bio,
        {{ safe_cast(json_text('f_authorstats', ['followerCount']), dbt.type_bigint()) }} as author_follower_count,
        {{ safe_cast(json_text('f_authorstats', ['followingCount']), dbt.type_bigint()) }} as author_following_count,
        {{ safe_cast(json_text('f_authorstats', ['heartCount']), dbt.type_bigint()) }} as author_like_count
    from web_fields
),

scraper as (
    select
        batch_id,
        line_no,
        fetched_at,
        'scraper' as api_shape,
        item_index,
        f_id as video_id,
        {{ json_text('f_authormeta', ['name']) }} as username,
        {{ json_text('f_authormeta', ['id']) }} as author_id,
        cast(null as {{ dbt.type_string() }}) as region_code,
        {{ epoch_to_timestamp(safe_cast('f_createtime', dbt.type_bigint())) }} as created_at,
        f_text as description,
        {{ json_text('f_musicmeta', ['musicId']) }} as music_id,
        {{ safe_cast(json_text('f_videometa', ['duration']), dbt.type_bigint()) }} as duration_seconds,
        {{ safe_cast('f_playcount', dbt.type_bigint()) }} as view_count,
        {{ safe_cast('f_diggcount', dbt.type_bigint()) }} as like_count,
        {{ safe_cast('f_commentcount', dbt.type_bigint()) }} as comment_count,
        {{ safe_cast('f_sharecount', dbt.type_bigint()) }} as share_count,
        {{ json_to_text('f_hashtags') }} as hashtags_json,
        cast(null as {{ dbt.type_string() }}) as effect_ids_json,
        cast(null as boolean) as is_duet,
        {{ json_text('f_musicmeta', ['musicName']) }} as sound_title,
        {{ json_text('f_musicmeta', ['musicAuthor']) }} as sound_artist,
        cast(null as {{ dbt.type_bigint() }}) as sound_duration_seconds,
        case
            when {{ json_text('f_musicmeta', ['musicOriginal']) }} is null then cast(null as boolean)
            else {{ json_text('f_musicmeta', ['musicOriginal']) }} = 'true'
        end as is_original_sound,
        {{ json_text('f_authormeta', ['signature']) }} as author_bio,
        cast(null as {{ dbt.type_bigint() }}) as author_follower_count,
        cast(null as {{ dbt.type_bigint() }}) as author_following_count,
        cast(null as {{ dbt.type_bigint() }}) as author_like_count
    from scraper_fields
),

unioned as (
    select * from research
    union all
    select * from web
    union all
    select * from scraper
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from unioned
    where video_id is not null
    {{ union_stored_rows_of_seen_keys('unioned', columns, ['video_id', 'fetched_at']) }}
),

deduped as (
    select
        *,
        row_number() over (
            partition by video_id, fetched_at
            order by batch_id, line_no, item_index
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
