-- One row per platform video: its latest attributes from upload / content_update events
-- (deduplicated on event_id; latest occurred_at wins, ties by event_id), with when they were
-- first and last fetched. The source of dim_content's platform rows.
with

content_events as (
    select * from {{ ref('int_platform_entity_events') }}
    where event_type in ('upload', 'content_update')
),

per_content as (
    select
        content_id,
        max(fetched_at) as attributes_fetched_at,
        count(*) as version_count,
        max(case when event_type = 'upload' then 1 else 0 end) = 1 as has_upload_event
    from content_events
    group by 1
),

ranked as (
    select
        *,
        row_number() over (
            partition by content_id
            order by occurred_at desc, event_id desc
        ) as recency_rank
    from content_events
),

final as (
    select
        r.content_id,
        r.creator_id,
        r.content_type,
        r.category,
        r.duration_seconds,
        r.sound_id as music_id,
        r.sound_title as music_title,
        r.sound_is_original as is_original_sound,
        r.hashtags_json as hashtags,
        r.effect_ids_json as effects_used,
        r.parent_content_id,
        r.created_at as upload_timestamp,
        p.has_upload_event,
        p.version_count,
        p.attributes_fetched_at
    from ranked as r
    inner join per_content as p
        on r.content_id = p.content_id
    where r.recency_rank = 1
)

select * from final
