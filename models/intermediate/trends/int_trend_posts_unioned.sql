-- Materialized as a table: the trend models and a dozen tests read it, and a view would re-parse
-- the raw JSON of three sources for each of them.
{{ config(materialized='table') }}
-- One row per post (TikTok video, YouTube video, Mastodon status) per fetch, in one shape: the
-- cumulative counts as reported at fetched_at. Creator and post ids are prefixed with the platform
-- where the native id is not globally unique (Mastodon ids are per instance).
with

tiktok_videos as (
    select * from {{ ref('stg_tiktok__videos') }}
),

youtube_videos as (
    select * from {{ ref('stg_youtube__video_snapshots') }}
),

mastodon_statuses as (
    select * from {{ ref('stg_mastodon__statuses') }}
),

tiktok as (
    select
        'tiktok' as platform,
        video_id as post_id,
        fetched_at,
        'tiktok:' || coalesce(username, author_id, '(unknown)') as creator_id,
        coalesce(username, author_id) as creator_handle,
        music_id as sound_id,
        region_code,
        cast(null as {{ dbt.type_string() }}) as language_code,
        created_at as post_created_at,
        description as post_text,
        duration_seconds,
        view_count,
        like_count,
        comment_count,
        share_count
    from tiktok_videos
),

youtube_ranked as (
    -- a video charted in several regions at the same instant counts once (its best chart position)
    select
        *,
        row_number() over (partition by video_id, fetched_at order by chart_rank, region_code) as region_rank
    from youtube_videos
),

youtube as (
    select
        'youtube' as platform,
        video_id as post_id,
        fetched_at,
        'youtube:' || coalesce(channel_id, '(unknown)') as creator_id,
        channel_title as creator_handle,
        cast(null as {{ dbt.type_string() }}) as sound_id,
        region_code,
        default_audio_language as language_code,
        published_at as post_created_at,
        title as post_text,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        view_count,
        like_count,
        comment_count,
        cast(null as {{ dbt.type_bigint() }}) as share_count
    from youtube_ranked
    where region_rank = 1
),

mastodon as (
    select
        'mastodon' as platform,
        instance || ':' || status_id as post_id,
        fetched_at,
        'mastodon:' || coalesce(account_acct, account_id, '(unknown)') || '@' || instance as creator_id,
        account_acct as creator_handle,
        cast(null as {{ dbt.type_string() }}) as sound_id,
        cast(null as {{ dbt.type_string() }}) as region_code,
        language_code,
        created_at as post_created_at,
        content_html as post_text,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_bigint() }}) as view_count,
        favourites_count as like_count,
        replies_count as comment_count,
        reblogs_count as share_count
    from mastodon_statuses
    where not coalesce(is_reblog, false)
),

unioned as (
    select * from tiktok
    union all
    select * from youtube
    union all
    select * from mastodon
),

final as (
    select * from unioned
)

select * from final
