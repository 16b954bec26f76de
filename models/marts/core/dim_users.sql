{{ config(indexes=core_postgres_indexes([['user_key']])) }}
-- One row per platform user: the current version of dim_users_history (same user_key, so a
-- fact row whose user_key is the current version joins either). For the attributes valid at
-- event time, join facts to dim_users_history on user_key.
with

history as (
    select * from {{ ref('dim_users_history') }}
),

first_versions as (
    select
        user_id,
        valid_from as first_seen_at
    from history
    where version_number = 1
),

final as (
    select
        h.user_key,
        h.user_id,
        h.registration_date,
        h.user_type,
        h.creator_tier,
        h.engagement_consistency,
        h.region,
        h.follower_count,
        h.following_count,
        h.is_verified,
        h.version_number as version_count,
        f.first_seen_at,
        h.valid_from as current_since
    from history as h
    inner join first_versions as f
        on h.user_id = f.user_id
    where h.is_current
)

select * from final
