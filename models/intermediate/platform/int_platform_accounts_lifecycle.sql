-- One row per platform user who signed up or closed their account in the stream: the sign-up
-- (registration event) and the closure (account_closure event), each the first delivery's.
-- Users registered before the stream began have no sign-up row here (their registered_at is on
-- their profile, dim_users); a closure without a sign-up is still a churned account.
with

events as (
    select * from {{ ref('stg_platform__events') }}
    where event_type in ('registration', 'account_closure')
),

deliveries as (
    select
        e.*,
        {{ platform_delivery_rank('e') }} as delivery_rank
    from events as e
    where e.user_id is not null and e.occurred_at is not null
),

firsts as (
    select
        user_id,
        min(case when event_type = 'registration' then occurred_at end) as signed_up_at,
        min(case when event_type = 'registration' then region end) as signup_region,
        min(case when event_type = 'registration' then device_os end) as signup_device_os,
        min(case when event_type = 'account_closure' then occurred_at end) as closed_at,
        min(case when event_type = 'account_closure' then closure_reason end) as closure_reason
    from deliveries
    where delivery_rank = 1
    group by user_id
),

final as (
    select
        user_id,
        signed_up_at,
        signup_region,
        signup_device_os,
        closed_at,
        closure_reason,
        signed_up_at is not null as has_signed_up_in_stream,
        closed_at is not null as is_closed
    from firsts
)

select * from final
