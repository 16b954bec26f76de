{#- A/B testing statistics (docs/STAR_SCHEMA.md, A/B testing), one macro each, pinned by the
    unit tests of analytics.ab_test_results and analytics.ab_test_sample_ratio. -#}

{#- Two-sided 95 % normal quantile. -#}
{% macro ab_z_95() -%}1.959964{%- endmacro %}

{#- Variance of a ratio metric sum(y) / sum(x) over n users (delta method):
    (var(y) - 2 R cov(x, y) + R^2 var(x)) / (n mean(x)^2). A mean metric is the case x = 1. -#}
{% macro ab_ratio_variance(n, ratio, mean_x, var_y, var_x, cov_xy) -%}
    (
        ({{ var_y }}) - 2 * ({{ ratio }}) * ({{ cov_xy }}) + ({{ ratio }}) * ({{ ratio }}) * ({{ var_x }})
    ) / nullif(({{ n }}) * ({{ mean_x }}) * ({{ mean_x }}), 0)
{%- endmacro %}

{#- Variance of the relative lift t / c - 1 of two independent estimates (delta method). -#}
{% macro ab_relative_lift_variance(t, var_t, c, var_c) -%}
    ({{ var_t }}) / nullif(({{ c }}) * ({{ c }}), 0)
    + ({{ t }}) * ({{ t }}) * ({{ var_c }}) / nullif(({{ c }}) * ({{ c }}) * ({{ c }}) * ({{ c }}), 0)
{%- endmacro %}

{#- Chi-square critical value at p = 0.001 for 1-5 degrees of freedom: the usual sample-ratio-
    mismatch threshold (an SRM alarm must be rare on a healthy experiment, since it voids it). -#}
{% macro ab_srm_critical_value(df_expr) -%}
    case {{ df_expr }}
        when 1 then 10.828
        when 2 then 13.816
        when 3 then 16.266
        when 4 then 18.467
        when 5 then 20.515
    end
{%- endmacro %}
