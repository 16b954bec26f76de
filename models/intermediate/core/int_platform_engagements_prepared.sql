-- One row per delivery of an engagement event (view, like, comment, share, save, follow, unfollow,
-- duet, remix), with the business columns the engagement fact needs. Not deduplicated: the fact
-- dedupes on event_id after its new-batch filter, so the filter reaches the parsed stream.
with

events as (
    select * from {{ ref('stg_platform__events') }}
),

final as (
    select
        e.event_id,
        e.event_type as engagement_type,
        e.occurred_at,
        e.received_at,
        e.fetched_at,
        e.user_id,
        e.content_id,
        -- follows point at a creator (target_user_id), engagements at the video's creator
        case
            when e.event_type in ('follow', 'unfollow') then e.target_user_id
            else e.creator_id
        end as creator_id,
        e.discovery_source,
        -- where the engagement happened: the feed it came from, else video/profile for follows
        case
            when e.discovery_source is not null then e.discovery_source
            when e.event_type in ('follow', 'unfollow') and e.content_id is not null then 'video'
            when e.event_type in ('follow', 'unfollow') then 'profile'
            else 'unknown'
        end as engagement_context,
        cast(e.watch_duration_seconds as {{ type_double() }}) as watch_duration_seconds,
        e.video_duration_seconds,
        cast(e.completion_percentage as {{ type_double() }}) as completion_percentage,
        {{ core_is_qualified_view('e.event_type', 'e.watch_duration_seconds') }} as is_qualified_view,
        e.comment_length,
        e.share_channel,
        e.new_content_id,
        e.device_os,
        e.region,
        e.batch_id,
        e.line_no,
        e.event_index
    from events as e
    -- the types of seeds/engagement_types.csv, as literals: a join to the seed makes Postgres
    -- plan a nested loop over the JSON-exploding staging view
    where e.event_type in ('view', 'like', 'comment', 'share', 'save', 'follow', 'unfollow', 'duet', 'remix')
)

select * from final
