-- One row per user and experiment: the user's first logged assignment (a user is logged again in
-- every run they are active in; the variant is sticky, and a user logged with two variants is
-- kept in the first and flagged, since an analysis must not count them in both).
with

events as (
    select * from {{ ref('stg_platform__events') }}
    where event_type = 'experiment_assignment'
),

deliveries as (
    select
        e.event_id,
        e.user_id,
        e.experiment_id,
        e.variant,
        e.occurred_at,
        e.fetched_at,
        {{ platform_delivery_rank('e') }} as delivery_rank
    from events as e
    where e.experiment_id is not null and e.variant is not null and e.occurred_at is not null
),

ranked as (
    select
        d.*,
        row_number() over (
            partition by d.experiment_id, d.user_id
            order by d.occurred_at, d.event_id
        ) as assignment_rank,
        min(d.variant) over (partition by d.experiment_id, d.user_id) as first_variant_name,
        max(d.variant) over (partition by d.experiment_id, d.user_id) as last_variant_name
    from deliveries as d
    where d.delivery_rank = 1
),

final as (
    select
        {{ dbt.concat(['experiment_id', "'-'", 'user_id']) }} as assignment_id,
        experiment_id,
        user_id,
        variant,
        occurred_at as assigned_at,
        fetched_at,
        event_id,
        first_variant_name <> last_variant_name as has_conflicting_variants
    from ranked
    where assignment_rank = 1
)

select * from final
