{#- Privacy rules of the analytics marts (docs/STAR_SCHEMA.md, privacy), one macro each.

    Analytics consent is point in time: an event counts for user-level analytics only when the
    user's consent state valid at its occurred_at (int_platform_consent_periods) is true. No
    state yet means no consent (privacy by default). Events without consent are counted only in
    anonymised aggregates, whose groups of fewer than privacy_min_group_size() distinct users
    are suppressed. -#}

{#- Smallest number of distinct users an anonymised aggregate may describe. 10 is a common floor
    for published small-cell counts (k-anonymity of k = 10); below it a row is suppressed. -#}
{% macro privacy_min_group_size() -%}10{%- endmacro %}

{#- Join condition: the consent period `periods` of user `user_col` valid at time `at_col`. -#}
{% macro privacy_consent_period_at(periods, user_col, at_col) -%}
    {{ periods }}.user_id = {{ user_col }}
    and {{ at_col }} >= {{ periods }}.valid_from
    and ({{ periods }}.valid_to is null or {{ at_col }} < {{ periods }}.valid_to)
{%- endmacro %}

{#- Whether the left-joined consent period `periods` allows analytics (no period = no). -#}
{% macro privacy_is_consented(periods) -%}
    coalesce({{ periods }}.has_analytics_consent, false)
{%- endmacro %}

{#- `expr` when the group has at least privacy_min_group_size() distinct users, else NULL. -#}
{% macro privacy_suppressed(expr, users_expr) -%}
    case when {{ users_expr }} >= {{ privacy_min_group_size() }} then {{ expr }} end
{%- endmacro %}
