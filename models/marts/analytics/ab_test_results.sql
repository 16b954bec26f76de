-- One row per recommendation experiment, variant and metric: the metric over the variant's
-- exposed users with a 95 % confidence interval, and for each treatment its difference and
-- relative lift against the control with their intervals (macros/rules/ab_testing.sql).
-- The unit is the user (the unit of randomisation): a user's events count from their first
-- assignment on, and only while they consent to analytics. Ratio metrics (clicks per
-- impression, likes per qualified view) are pooled over users with a delta-method variance, so
-- heavy users do not shrink the interval as if their impressions were independent.
{# Each metric as the ratio sum(y) / sum(x) over a variant's users (per_user's columns). #}
{% set ab_metrics = [
    {'name': 'click_through_rate', 'y': 'clicks', 'x': 'impressions'},
    {'name': 'like_rate', 'y': 'likes', 'x': 'qualified_views'},
    {'name': 'conversion_rate', 'y': 'case when interactions > 0 then 1.0 else 0.0 end', 'x': '1.0'},
    {'name': 'engagements_per_user', 'y': 'interactions', 'x': '1.0'},
] %}

with

exposed as (
    select * from {{ ref('int_platform_experiment_users_exposed') }}
),

design as (
    select * from {{ ref('recommendation_experiments') }}
),

consent as (
    select * from {{ ref('int_platform_consent_periods') }}
),

impressions as (
    select * from {{ ref('fact_discovery_events') }}
),

engagements as (
    select * from {{ ref('fact_content_engagements') }}
),

user_impressions as (
    select
        x.assignment_id,
        count(*) as impressions,
        sum(case when i.clicked_through then 1 else 0 end) as clicks
    from exposed as x
    inner join impressions as i
        on x.user_id = i.user_id and x.assigned_at <= i.discovery_timestamp
    left join consent as c
        on {{ privacy_consent_period_at('c', 'i.user_id', 'i.discovery_timestamp') }}
    where {{ privacy_is_consented('c') }}
    group by x.assignment_id
),

user_engagements as (
    select
        x.assignment_id,
        sum(case when e.is_qualified_view then 1 else 0 end) as qualified_views,
        sum(case when e.engagement_type = 'like' then 1 else 0 end) as likes,
        sum(
            case when e.engagement_type in {{ analytics_interaction_types() }} then 1 else 0 end
        ) as interactions
    from exposed as x
    inner join engagements as e
        on x.user_id = e.user_id and x.assigned_at <= e.occurred_at
    left join consent as c
        on {{ privacy_consent_period_at('c', 'e.user_id', 'e.occurred_at') }}
    where {{ privacy_is_consented('c') }}
    group by x.assignment_id
),

per_user as (
    select
        x.experiment_id,
        x.variant,
        cast(coalesce(i.impressions, 0) as {{ type_double() }}) as impressions,
        cast(coalesce(i.clicks, 0) as {{ type_double() }}) as clicks,
        cast(coalesce(e.qualified_views, 0) as {{ type_double() }}) as qualified_views,
        cast(coalesce(e.likes, 0) as {{ type_double() }}) as likes,
        cast(coalesce(e.interactions, 0) as {{ type_double() }}) as interactions
    from exposed as x
    left join user_impressions as i on x.assignment_id = i.assignment_id
    left join user_engagements as e on x.assignment_id = e.assignment_id
),

-- every metric as sum(y) / sum(x) over users; a per-user mean is x = 1
metric_values as (
    {% for metric in ab_metrics %}
    {% if not loop.first %}
    union all
    {% endif %}
    select
        experiment_id,
        variant,
        '{{ metric.name }}' as metric,
        {{ metric.y }} as y,
        {{ metric.x }} as x
    from per_user
    {% endfor %}
),

sums as (
    select
        experiment_id,
        variant,
        metric,
        count(*) as exposed_users,
        sum(y) as numerator,
        sum(x) as denominator,
        avg(x) as mean_x,
        coalesce(var_samp(y), 0) as var_y,
        coalesce(var_samp(x), 0) as var_x,
        coalesce(covar_samp(x, y), 0) as cov_xy
    from metric_values
    group by experiment_id, variant, metric
),

estimates as (
    select
        experiment_id,
        variant,
        metric,
        exposed_users,
        numerator,
        denominator,
        mean_x,
        var_y,
        var_x,
        cov_xy,
        numerator / nullif(denominator, 0) as metric_value
    from sums
),

variances as (
    select
        *,
        {{ ab_ratio_variance('exposed_users', 'metric_value', 'mean_x', 'var_y', 'var_x', 'cov_xy') }}
            as metric_variance
    from estimates
),

compared as (
    select
        t.experiment_id,
        t.variant,
        d.is_control,
        t.metric,
        t.exposed_users,
        t.numerator,
        t.denominator,
        t.metric_value,
        t.metric_variance,
        c.metric_value as control_value,
        c.metric_variance as control_variance
    from variances as t
    inner join design as d
        on t.experiment_id = d.experiment_id and t.variant = d.variant
    left join design as dc
        on t.experiment_id = dc.experiment_id and dc.is_control
    left join variances as c
        on
            t.experiment_id = c.experiment_id
            and t.metric = c.metric
            and dc.variant = c.variant
),

-- the three estimates and the half-widths of their 95 % intervals (z times the standard error)
intervals as (
    select
        *,
        case when not is_control then metric_value - control_value end as absolute_difference,
        case when not is_control then metric_value / nullif(control_value, 0) - 1 end as relative_lift,
        {{ ab_z_95() }} * sqrt(metric_variance) as ci_half_width,
        {{ ab_z_95() }} * sqrt(metric_variance + control_variance) as absolute_difference_ci_half_width,
        {{ ab_z_95() }} * sqrt({{ ab_relative_lift_variance(
            'metric_value', 'metric_variance', 'control_value', 'control_variance'
        ) }}) as relative_lift_ci_half_width
    from compared
),

final as (
    select
        experiment_id,
        variant,
        is_control,
        metric,
        cast(exposed_users as {{ dbt.type_bigint() }}) as exposed_users,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator,
        cast(metric_value as {{ type_double() }}) as metric_value,
        cast(metric_value - ci_half_width as {{ type_double() }}) as ci_low,
        cast(metric_value + ci_half_width as {{ type_double() }}) as ci_high,
        cast(control_value as {{ type_double() }}) as control_value,
        cast(absolute_difference as {{ type_double() }}) as absolute_difference,
        cast(absolute_difference - absolute_difference_ci_half_width as {{ type_double() }})
            as absolute_difference_ci_low,
        cast(absolute_difference + absolute_difference_ci_half_width as {{ type_double() }})
            as absolute_difference_ci_high,
        cast(relative_lift as {{ type_double() }}) as relative_lift,
        cast(relative_lift - relative_lift_ci_half_width as {{ type_double() }}) as relative_lift_ci_low,
        cast(relative_lift + relative_lift_ci_half_width as {{ type_double() }}) as relative_lift_ci_high
    from intervals
)

select
    *,
    coalesce(not is_control and (absolute_difference_ci_low > 0 or absolute_difference_ci_high < 0), false)
        as is_significant
from final
