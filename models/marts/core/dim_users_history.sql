{{ config(indexes=core_postgres_indexes([['user_key']])) }}
-- SCD2 history of platform users: one row per profile version (registration / profile_update
-- event), valid from its occurred_at until the next version's. user_key is the version's surrogate
-- key (md5 of the profile event id): facts carry the key of the version valid at event time.
-- creator_tier is computed here (macro core_creator_tier, docs/STAR_SCHEMA.md) from the version's
-- follower count and the creator's engagement consistency in the 7 days before the version.
with

versions as (
    select * from {{ ref('int_user_profile_versions') }}
),

engagements as (
    select * from {{ ref('fact_content_engagements') }}
),

uploads as (
    select * from {{ ref('int_platform_entity_events') }}
    where event_type = 'upload'
),

-- the days on which a creator was active: uploaded a video, or one of their videos got a qualified
-- view or an interaction (read from the deduplicated engagement fact, a table: one aggregate, not
-- a scan of the raw stream)
activity as (
    select
        creator_id,
        occurred_at
    from engagements
    where
        creator_id is not null
        and (is_qualified_view or engagement_type in ('like', 'comment', 'share', 'save', 'duet', 'remix'))
    union all
    select
        user_id as creator_id,
        occurred_at
    from uploads
),

active_days as (
    select distinct
        creator_id,
        {{ core_utc_date('occurred_at') }} as activity_date
    from activity
),

first_day as (
    select min(activity_date) as first_activity_date
    from active_days
),

version_days as (
    select
        v.profile_event_id,
        v.user_id,
        {{ core_utc_date('v.valid_from') }} as valid_from_date,
        -- observed days: how many of the 7 days before the version the data covers
        coalesce(
            greatest(
                least({{ dbt.datediff('f.first_activity_date', core_utc_date('v.valid_from'), 'day') }}, 7),
                0
            ),
            0
        ) as observed_days
    from versions as v
    cross join first_day as f
),

activity_7d as (
    select
        vd.profile_event_id,
        vd.observed_days,
        count(a.activity_date) as active_days_7d
    from version_days as vd
    left join active_days as a
        on
            vd.user_id = a.creator_id
            and a.activity_date >= {{ dbt.dateadd('day', -7, 'vd.valid_from_date') }}
            and vd.valid_from_date > a.activity_date
    group by 1, 2
),

scored as (
    select
        v.*,
        a.active_days_7d,
        case
            when a.observed_days > 0
                then cast(a.active_days_7d as {{ type_double() }}) / a.observed_days
        end as engagement_consistency
    from versions as v
    inner join activity_7d as a
        on v.profile_event_id = a.profile_event_id
),

final as (
    select
        user_key,
        user_id,
        version_number,
        valid_from,
        valid_to,
        is_current,
        profile_event_id,
        profile_event_type,
        update_reason,
        {{ core_utc_date('registered_at') }} as registration_date,
        user_type,
        {{ core_creator_tier('user_type', 'follower_count', 'engagement_consistency') }} as creator_tier,
        engagement_consistency,
        active_days_7d,
        region,
        follower_count,
        following_count,
        is_verified,
        fetched_at
    from scored
)

select * from final
