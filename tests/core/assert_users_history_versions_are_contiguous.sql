-- SCD2 integrity of dim_users_history: per user exactly one current version, versions numbered
-- 1..n without gaps, and each version's valid_to equal to the next version's valid_from.
with

history as (
    select * from {{ ref('dim_users_history') }}
),

per_user as (
    select
        user_id,
        count(*) as versions,
        max(version_number) as max_version,
        sum(case when is_current then 1 else 0 end) as current_versions
    from history
    group by 1
),

bad_users as (
    select user_id
    from per_user
    where current_versions != 1 or max_version != versions
),

bad_links as (
    select h.user_id
    from history as h
    inner join history as n
        on h.user_id = n.user_id and h.version_number + 1 = n.version_number
    where h.valid_to is null or h.valid_to != n.valid_from
),

final as (
    select user_id from bad_users
    union all
    select user_id from bad_links
)

select * from final
