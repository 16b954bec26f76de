-- One row per UTC day with stream activity: how much of it came from users with and without
-- analytics consent at the time of each event (the activity of platform_activity_anonymised_daily:
-- impressions and engagements, qualified views only; macro privacy_platform_activity). An
-- anonymised aggregate: each side's users and events are NULL (and its is_*_suppressed true) when
-- fewer than privacy_min_group_size() distinct users make it up. A user whose consent changed
-- during the day counts on both sides; events without a user count as without consent.
with

activity as (
    {{ privacy_platform_activity() }}
),

dated as (
    select
        {{ core_utc_date('occurred_at') }} as activity_date,
        user_id,
        is_analytics_consented
    from activity
),

grouped as (
    select
        activity_date,
        count(distinct case when is_analytics_consented then user_id end) as consented_users,
        sum(case when is_analytics_consented then 1 else 0 end) as consented_events,
        count(distinct case when not is_analytics_consented then user_id end) as unconsented_users,
        sum(case when is_analytics_consented then 0 else 1 end) as unconsented_events
    from dated
    group by activity_date
),

final as (
    select
        activity_date,
        consented_users < {{ privacy_min_group_size() }} as is_with_consent_suppressed,
        cast(
            {{ privacy_suppressed('consented_users', 'consented_users') }} as {{ dbt.type_bigint() }}
        ) as users_with_consent,
        cast(
            {{ privacy_suppressed('consented_events', 'consented_users') }} as {{ dbt.type_bigint() }}
        ) as events_with_consent,
        unconsented_users < {{ privacy_min_group_size() }} as is_without_consent_suppressed,
        cast(
            {{ privacy_suppressed('unconsented_users', 'unconsented_users') }} as {{ dbt.type_bigint() }}
        ) as users_without_consent,
        cast(
            {{ privacy_suppressed('unconsented_events', 'unconsented_users') }} as {{ dbt.type_bigint() }}
        ) as events_without_consent
    from grouped
)

select * from final
