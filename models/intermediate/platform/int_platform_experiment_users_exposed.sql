-- One row per user and recommendation experiment in the analysed population: users first
-- assigned to a variant of the experiment's design (seed recommendation_experiments), logged in
-- one variant only, and with analytics consent when assigned (privacy_consent_period_at). The
-- A/B metrics and the sample-ratio check share this population, so a mismatch in it is a
-- mismatch in what the metrics compare.
with

assignments as (
    select * from {{ ref('int_platform_experiment_assignments_first') }}
),

design as (
    select * from {{ ref('recommendation_experiments') }}
),

consent as (
    select * from {{ ref('int_platform_consent_periods') }}
),

final as (
    select
        a.assignment_id,
        a.experiment_id,
        a.variant,
        a.user_id,
        a.assigned_at
    from assignments as a
    inner join design as d
        on a.experiment_id = d.experiment_id and a.variant = d.variant
    left join consent as c
        on {{ privacy_consent_period_at('c', 'a.user_id', 'a.assigned_at') }}
    where
        not a.has_conflicting_variants
        and {{ privacy_is_consented('c') }}
)

select * from final
