-- Every engagement and impression carries the profile version valid at its event time: the
-- version's [valid_from, valid_to) contains occurred_at (the first version also covers earlier
-- events), and a NULL user_key only where the user has no profile version at all.
with

history as (
    select * from {{ ref('dim_users_history') }}
),

events as (
    select
        event_id,
        user_id,
        user_key,
        occurred_at
    from {{ ref('fact_content_engagements') }}
    union all
    select
        event_id,
        user_id,
        user_key,
        discovery_timestamp as occurred_at
    from {{ ref('fact_discovery_events') }}
),

final as (
    select
        e.event_id,
        e.user_id,
        e.user_key,
        e.occurred_at
    from events as e
    left join history as h
        on e.user_key = h.user_key
    where
        (e.user_key is not null and h.user_key is null)
        or h.user_id != e.user_id
        or (h.valid_to is not null and e.occurred_at >= h.valid_to)
        or (h.version_number > 1 and e.occurred_at < h.valid_from)
        or (
            e.user_key is null
            and exists (
                select h2.user_key
                from history as h2
                where h2.user_id = e.user_id
            )
        )
)

select * from final
