-- One row per recommendation experiment and variant: the analysed users in the variant against
-- the number its intended traffic share (seed recommendation_experiments) predicts, and the
-- experiment's chi-square goodness-of-fit statistic. A sample-ratio mismatch (statistic above
-- the p = 0.001 critical value, macro ab_srm_critical_value) means the split is not what was
-- designed, usually a logging or assignment bug, and the experiment's results cannot be trusted.
with

design as (
    select * from {{ ref('recommendation_experiments') }}
),

exposed as (
    select * from {{ ref('int_platform_experiment_users_exposed') }}
),

observed as (
    select
        experiment_id,
        variant,
        count(*) as observed_users
    from exposed
    group by experiment_id, variant
),

variants as (
    select
        d.experiment_id,
        d.variant,
        d.is_control,
        cast(d.traffic_share as {{ type_double() }}) as traffic_share,
        coalesce(o.observed_users, 0) as observed_users
    from design as d
    left join observed as o
        on d.experiment_id = o.experiment_id and d.variant = o.variant
),

expected as (
    select
        *,
        sum(observed_users) over (partition by experiment_id) as experiment_users,
        sum(traffic_share) over (partition by experiment_id) as experiment_share,
        count(*) over (partition by experiment_id) as experiment_variants
    from variants
),

terms as (
    select
        *,
        experiment_users * traffic_share / nullif(experiment_share, 0) as expected_users
    from expected
),

chi_square as (
    select
        *,
        sum(
            (observed_users - expected_users) * (observed_users - expected_users)
            / nullif(expected_users, 0)
        ) over (partition by experiment_id) as chi_square_statistic
    from terms
),

final as (
    select
        experiment_id,
        variant,
        is_control,
        traffic_share,
        cast(observed_users as {{ dbt.type_bigint() }}) as observed_users,
        cast(expected_users as {{ type_double() }}) as expected_users,
        cast(observed_users as {{ type_double() }}) / nullif(experiment_users, 0)
            as observed_share,
        cast(experiment_users as {{ dbt.type_bigint() }}) as experiment_users,
        cast(experiment_variants - 1 as integer) as degrees_of_freedom,
        cast(chi_square_statistic as {{ type_double() }}) as chi_square_statistic,
        cast({{ ab_srm_critical_value('experiment_variants - 1') }} as {{ type_double() }})
            as critical_value,
        coalesce(
            chi_square_statistic > {{ ab_srm_critical_value('experiment_variants - 1') }}, false
        ) as has_sample_ratio_mismatch
    from chi_square
)

select * from final
