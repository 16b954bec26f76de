-- One row per creator tier change: a profile version of dim_users_history whose tier (macro
-- core_creator_tier, point in time) differs from the creator's previous version's tier. A tier
-- that holds across several versions (profile edits, follower snapshots) is one stay: from_tier's
-- stay began at the version that first had it, so days_in_previous_tier is the whole stay.
with

versions as (
    select * from {{ ref('dim_users_history') }}
),

sequenced as (
    select
        user_id,
        user_key,
        version_number,
        valid_from,
        creator_tier,
        follower_count,
        lag(creator_tier) over (partition by user_id order by version_number) as previous_tier
    from versions
),

tier_starts as (
    -- the first version and every version that changes the tier
    select
        *,
        lag(valid_from) over (partition by user_id order by version_number) as previous_tier_since
    from sequenced
    where previous_tier is null or previous_tier != creator_tier
),

final as (
    select
        user_key,
        user_id,
        version_number,
        valid_from as changed_at,
        previous_tier as from_tier,
        creator_tier as to_tier,
        cast({{ core_tier_rank('creator_tier') }} - {{ core_tier_rank('previous_tier') }} as integer)
            as tier_steps,
        case
            when {{ core_tier_rank('creator_tier') }} > {{ core_tier_rank('previous_tier') }} then 'up'
            else 'down'
        end as direction,
        previous_tier_since,
        cast(
            {{ dbt.datediff(core_utc_date('previous_tier_since'), core_utc_date('valid_from'), 'day') }}
            as integer
        ) as days_in_previous_tier,
        follower_count
    from tier_starts
    where previous_tier is not null
)

select * from final
