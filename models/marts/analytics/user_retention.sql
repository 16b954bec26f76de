-- One row per user who signed up in the stream with analytics consent: whether they were active
-- on day 1, 7 and 30 after the sign-up day (UTC calendar days; day N = the day N days after),
-- and whether and when they closed their account (churn). Activity is any impression or
-- engagement event, counted only while the user consents to analytics (macros/rules/privacy.sql);
-- users without consent at sign-up are left out of this user-level mart. A day not yet covered
-- by the data (after the data's last activity day) is NULL, not "not retained".
with

signups as (
    select * from {{ ref('int_platform_accounts_lifecycle') }}
    where has_signed_up_in_stream
),

impressions as (
    select
        user_id,
        discovery_timestamp as occurred_at
    from {{ ref('fact_discovery_events') }}
),

engagements as (
    select
        user_id,
        occurred_at
    from {{ ref('fact_content_engagements') }}
),

activity as (
    select
        user_id,
        occurred_at,
        {{ core_utc_date('occurred_at') }} as activity_date
    from (
        select * from impressions
        union all
        select * from engagements
    ) as unioned
),

data_end as (
    select max(activity_date) as last_activity_date
    from activity
),

signups_consented as (
    {{ privacy_with_consent('signups', 'user_id', 'signed_up_at', consented_only=true) }}
),

activity_consented as (
    {{ privacy_with_consent('activity', 'user_id', 'occurred_at', consented_only=true) }}
),

consented_users as (
    select
        user_id,
        signed_up_at,
        {{ core_utc_date('signed_up_at') }} as signup_date,
        signup_region,
        closed_at,
        closure_reason
    from signups_consented
),

active_days as (
    select distinct
        u.user_id,
        {{ dbt.datediff('u.signup_date', 'a.activity_date', 'day') }} as day_number  -- noqa: LT05
    from consented_users as u
    inner join activity_consented as a
        on u.user_id = a.user_id
),

retention as (
    select
        user_id,
        max(case when day_number = 1 then 1 else 0 end) as active_day_1,
        max(case when day_number = 7 then 1 else 0 end) as active_day_7,
        max(case when day_number = 30 then 1 else 0 end) as active_day_30,
        count(*) as active_days
    from active_days
    group by user_id
),

covered as (
    select
        u.*,
        {{ dbt.datediff('u.signup_date', 'e.last_activity_date', 'day') }} as days_covered,  -- noqa: LT05
        {{ seconds_between('u.signed_up_at', 'u.closed_at') }} / 86400.0 as days_to_churn
    from consented_users as u
    cross join data_end as e
),

final as (
    select
        u.user_id,
        u.signed_up_at,
        u.signup_date,
        u.signup_region,
        cast(coalesce(r.active_days, 0) as {{ dbt.type_bigint() }}) as active_days,
        case
            when u.days_covered >= 1 then coalesce(r.active_day_1, 0) = 1
        end as is_retained_day_1,
        case
            when u.days_covered >= 7 then coalesce(r.active_day_7, 0) = 1
        end as is_retained_day_7,
        case
            when u.days_covered >= 30 then coalesce(r.active_day_30, 0) = 1
        end as is_retained_day_30,
        u.closed_at is not null as is_churned,
        u.closed_at,
        u.closure_reason,
        cast(u.days_to_churn as {{ type_double() }}) as days_to_churn
    from covered as u
    left join retention as r on u.user_id = r.user_id
)

select * from final
