-- One row per video: platform videos (latest upload/content_update attributes), platform videos
-- seen only in engagement or discovery facts so far (inferred members, attributes NULL until their
-- upload event arrives), TikTok videos (int_tiktok__videos_latest) and YouTube videos
-- (int_youtube__videos_latest), each at its latest fetch.
-- content_key = md5('<platform>:<content_id>'), so facts compute it without a lookup.
with

platform_content as (
    select * from {{ ref('int_platform_content_latest') }}
),

engagements as (
    select * from {{ ref('fact_content_engagements') }}
),

discoveries as (
    select * from {{ ref('fact_discovery_events') }}
),

tiktok_videos as (
    select * from {{ ref('int_tiktok__videos_latest') }}
),

youtube_videos as (
    select * from {{ ref('int_youtube__videos_latest') }}
),

seen_in_facts as (
    select
        content_id,
        max(creator_id) as creator_id
    from (
        select
            content_id,
            creator_id
        from engagements
        where content_id is not null
        union all
        select
            content_id,
            creator_id
        from discoveries
        where content_id is not null
    ) as f
    group by 1
),

platform_rows as (
    select
        'platform' as platform,
        content_id,
        creator_id,
        content_type,
        category,
        duration_seconds,
        music_id,
        hashtags,
        effects_used,
        parent_content_id,
        upload_timestamp,
        false as is_inferred,
        has_upload_event,
        attributes_fetched_at
    from platform_content
),

inferred_rows as (
    select
        'platform' as platform,
        s.content_id,
        s.creator_id,
        cast(null as {{ dbt.type_string() }}) as content_type,
        cast(null as {{ dbt.type_string() }}) as category,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_string() }}) as music_id,
        cast(null as {{ dbt.type_string() }}) as hashtags,
        cast(null as {{ dbt.type_string() }}) as effects_used,
        cast(null as {{ dbt.type_string() }}) as parent_content_id,
        cast(null as {{ type_timestamptz() }}) as upload_timestamp,
        true as is_inferred,
        false as has_upload_event,
        cast(null as {{ type_timestamptz() }}) as attributes_fetched_at
    from seen_in_facts as s
    where not exists (
        select p.content_id
        from platform_content as p
        where p.content_id = s.content_id
    )
),

tiktok_rows as (
    select
        'tiktok' as platform,
        video_id as content_id,
        coalesce(author_id, username) as creator_id,
        cast(null as {{ dbt.type_string() }}) as content_type,
        cast(null as {{ dbt.type_string() }}) as category,
        duration_seconds,
        music_id,
        hashtags_json as hashtags,
        cast(null as {{ dbt.type_string() }}) as effects_used,
        cast(null as {{ dbt.type_string() }}) as parent_content_id,
        created_at as upload_timestamp,
        false as is_inferred,
        false as has_upload_event,
        fetched_at as attributes_fetched_at
    from tiktok_videos
),

youtube_rows as (
    select
        'youtube' as platform,
        video_id as content_id,
        channel_id as creator_id,
        cast(null as {{ dbt.type_string() }}) as content_type,
        -- YouTube's numeric category id (the platform's own categories are names)
        cast(category_id as {{ dbt.type_string() }}) as category,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_string() }}) as music_id,
        cast(tags as {{ dbt.type_string() }}) as hashtags,
        cast(null as {{ dbt.type_string() }}) as effects_used,
        cast(null as {{ dbt.type_string() }}) as parent_content_id,
        published_at as upload_timestamp,
        false as is_inferred,
        false as has_upload_event,
        fetched_at as attributes_fetched_at
    from youtube_videos
),

unioned as (
    select * from platform_rows
    union all
    select * from inferred_rows
    union all
    select * from tiktok_rows
    union all
    select * from youtube_rows
),

final as (
    select
        {{ dbt.hash(dbt.concat(['platform', "':'", 'content_id'])) }} as content_key,
        content_id,
        platform,
        creator_id,
        content_type,
        category,
        duration_seconds,
        music_id,
        hashtags,
        effects_used,
        parent_content_id,
        upload_timestamp,
        is_inferred,
        has_upload_event,
        attributes_fetched_at
    from unioned
)

select * from final
