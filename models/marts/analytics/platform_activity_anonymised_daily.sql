-- One row per UTC day, region and activity type (impression, qualified view, like, comment,
-- share, save, follow, unfollow, duet, remix): the anonymised aggregate of the stream, the one
-- place where events of users WITHOUT analytics consent are counted. Every count is NULL (and
-- is_suppressed true) when fewer than privacy_min_group_size() distinct users make up the row,
-- so no row describes a small, identifiable group. Short views (< 3 s) are not activity
-- (macro privacy_platform_activity, shared with consent_daily).
with

activity as (
    {{ privacy_platform_activity() }}
),

flagged as (
    select
        user_id,
        coalesce(region, 'unknown') as region,
        activity_type,
        {{ core_utc_date('occurred_at') }} as activity_date,
        is_analytics_consented as is_consented
    from activity
),

grouped as (
    select
        activity_date,
        region,
        activity_type,
        count(distinct user_id) as user_count,
        count(*) as events,
        sum(case when is_consented then 0 else 1 end) as events_without_consent
    from flagged
    group by activity_date, region, activity_type
),

final as (
    select
        activity_date,
        region,
        activity_type,
        user_count < {{ privacy_min_group_size() }} as is_suppressed,
        cast({{ privacy_suppressed('user_count', 'user_count') }} as {{ dbt.type_bigint() }})
            as user_count,
        cast({{ privacy_suppressed('events', 'user_count') }} as {{ dbt.type_bigint() }}) as events,
        cast(
            {{ privacy_suppressed('events_without_consent', 'user_count') }} as {{ dbt.type_bigint() }}
        ) as events_without_consent
    from grouped
)

select * from final
