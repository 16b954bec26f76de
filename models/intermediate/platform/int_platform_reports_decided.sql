-- One row per user report of a video, with the first moderation decision on it (NULL while the
-- report is open). Both events are deduplicated on event_id; a report whose decision arrived
-- but whose report event was lost keeps the decision's video and creator.
with

events as (
    select * from {{ ref('stg_platform__events') }}
    where event_type in ('report', 'moderation_action')
),

deliveries as (
    select
        e.*,
        {{ platform_delivery_rank('e') }} as delivery_rank
    from events as e
    where e.report_id is not null
),

reports as (
    select
        report_id,
        min(occurred_at) as reported_at,
        min(user_id) as reporter_id,
        min(content_id) as content_id,
        min(creator_id) as creator_id,
        min(report_reason) as report_reason
    from deliveries
    where delivery_rank = 1 and event_type = 'report'
    group by report_id
),

actions as (
    select
        d.report_id,
        d.occurred_at as actioned_at,
        d.content_id,
        d.creator_id,
        d.moderation_action,
        d.actor_type,
        row_number() over (
            partition by d.report_id order by d.occurred_at nulls last, d.event_id
        ) as action_rank
    from deliveries as d
    where d.delivery_rank = 1 and d.event_type = 'moderation_action'
),

first_actions as (
    select * from actions
    where action_rank = 1
),

final as (
    select
        coalesce(r.report_id, a.report_id) as report_id,
        r.reported_at,
        r.reporter_id,
        coalesce(r.content_id, a.content_id) as content_id,
        coalesce(r.creator_id, a.creator_id) as creator_id,
        r.report_reason,
        a.actioned_at,
        a.moderation_action,
        a.actor_type,
        a.actioned_at is not null as is_actioned,
        r.report_id is not null as has_report_event
    from reports as r
    full outer join first_actions as a
        on r.report_id = a.report_id
)

select * from final
