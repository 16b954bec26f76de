-- One row per version of a user's profile: every registration / profile_update event (deduplicated
-- on event_id in int_platform_entity_events, first delivery wins) in occurred_at order (ties:
-- event_id). user_key = md5(profile event id), the version's surrogate key: the facts take it from
-- here (not from dim_users_history, whose tier reads the facts). The tier is added in dim_users_history.
with

profile_events as (
    select * from {{ ref('int_platform_entity_events') }}
    where event_type in ('registration', 'profile_update')
),

sequenced as (
    select
        event_id as profile_event_id,
        event_type as profile_event_type,
        user_id,
        occurred_at,
        fetched_at,
        update_reason,
        username,
        user_type,
        region,
        registered_at,
        follower_count,
        following_count,
        is_verified,
        cast(row_number() over (partition by user_id order by occurred_at, event_id) as {{ dbt.type_bigint() }})
            as version_number,
        lead(occurred_at) over (partition by user_id order by occurred_at, event_id) as next_occurred_at
    from profile_events
),

final as (
    select
        {{ dbt.hash('profile_event_id') }} as user_key,
        profile_event_id,
        profile_event_type,
        user_id,
        version_number,
        -- the first version also covers anything before it (a snapshot describes a user registered earlier)
        case
            when version_number = 1 and registered_at < occurred_at then registered_at
            else occurred_at
        end as valid_from,
        next_occurred_at as valid_to,
        next_occurred_at is null as is_current,
        occurred_at as profile_occurred_at,
        fetched_at,
        update_reason,
        username,
        user_type,
        region,
        registered_at,
        follower_count,
        following_count,
        is_verified
    from sequenced
)

select * from final
