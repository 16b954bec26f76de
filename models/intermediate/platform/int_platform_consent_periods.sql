-- One row per analytics-consent state of a user and the time it holds: from its consent_change
-- event until the user's next one (valid_to NULL = still current). An event whose consent flag
-- was lost in delivery changes nothing and is left out. A user has no consent before their first
-- state (privacy by default: docs/STAR_SCHEMA.md, privacy).
with

events as (
    select * from {{ ref('stg_platform__events') }}
    where event_type = 'consent_change'
),

deliveries as (
    select
        e.event_id,
        e.user_id,
        e.analytics_consent,
        e.update_reason,
        e.occurred_at,
        e.fetched_at,
        {{ platform_delivery_rank('e') }} as delivery_rank
    from events as e
    where
        e.analytics_consent is not null
        and e.occurred_at is not null
        and e.user_id is not null
),

states as (
    select
        d.*,
        lead(d.occurred_at) over (
            partition by d.user_id order by d.occurred_at, d.event_id
        ) as valid_to
    from deliveries as d
    where d.delivery_rank = 1
),

final as (
    select
        event_id as consent_period_id,
        user_id,
        analytics_consent as has_analytics_consent,
        update_reason,
        occurred_at as valid_from,
        valid_to,
        fetched_at
    from states
)

select * from final
