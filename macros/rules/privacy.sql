{#- Privacy rules of the analytics marts (docs/STAR_SCHEMA.md, privacy), one macro each.

    Analytics consent is point in time: an event counts for user-level analytics only when the
    user's consent state valid at its occurred_at (int_platform_consent_periods) is true. No
    state yet means no consent (privacy by default). Events without consent are counted only in
    anonymised aggregates, whose groups of fewer than privacy_min_group_size() distinct users
    are suppressed. -#}

{#- Smallest number of distinct users an anonymised aggregate may describe: var
    privacy_min_group_size, 10 by default, a common floor for published small-cell counts
    (k-anonymity of k = 10); below it a count is suppressed. -#}
{% macro privacy_min_group_size() -%}{{ var('privacy_min_group_size', 10) }}{%- endmacro %}

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

{#- The rows of `relation` (a ref or a CTE name) with is_analytics_consented: whether user
    `user_col` consented to analytics at `at_col` (the rule above, point in time). With
    consented_only the rows without consent are left out: what a user-level mart reads. -#}
{% macro privacy_with_consent(relation, user_col, at_col, consented_only=false) -%}
    select
        privacy_rows.*,
        {{ privacy_is_consented('privacy_periods') }} as is_analytics_consented
    from {{ relation }} as privacy_rows
    left join {{ ref('int_platform_consent_periods') }} as privacy_periods
        on {{ privacy_consent_period_at(
            'privacy_periods', 'privacy_rows.' ~ user_col, 'privacy_rows.' ~ at_col
        ) }}
    {%- if consented_only %}
    where {{ privacy_is_consented('privacy_periods') }}
    {%- endif %}
{%- endmacro %}

{#- The stream's activity the anonymised aggregates count, one row per event: impressions and
    engagements (views only when qualified, >= 3 s), with user_id, region, occurred_at,
    activity_type and is_analytics_consented. -#}
{% macro privacy_platform_activity() -%}
    {%- set activity -%}
    (
        select
            user_id,
            region,
            discovery_timestamp as occurred_at,
            'impression' as activity_type
        from {{ ref('fact_discovery_events') }}
        union all
        select
            user_id,
            region,
            occurred_at,
            engagement_type as activity_type
        from {{ ref('fact_content_engagements') }}
        where engagement_type <> 'view' or is_qualified_view
    )
    {%- endset -%}
    {{ privacy_with_consent(activity, 'user_id', 'occurred_at') }}
{%- endmacro %}
