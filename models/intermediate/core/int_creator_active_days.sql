-- One row per creator and UTC day on which the creator was active: uploaded a video, or one of
-- their videos got a qualified view or an interaction. Feeds the engagement-consistency part of
-- the creator tier (dim_users_history). Reads the deduplicated engagement fact (a table), so it
-- costs one aggregate, not a raw scan.
with

engagements as (
    select * from {{ ref('fact_content_engagements') }}
    where
        creator_id is not null
        and (is_qualified_view or engagement_type in ('like', 'comment', 'share', 'save', 'duet', 'remix'))
),

uploads as (
    select * from {{ ref('int_platform_entity_events') }}
    where event_type = 'upload'
),

activity as (
    select
        creator_id,
        occurred_at
    from engagements
    union all
    select
        user_id as creator_id,
        occurred_at
    from uploads
),

final as (
    select distinct
        creator_id,
        {{ core_utc_date('occurred_at') }} as activity_date
    from activity
)

select * from final
