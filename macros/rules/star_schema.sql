{#- Business rules of the star schema, one macro each, so every model applies the same rule and
    the unit tests in models/marts/*/_*__models.yml pin them. Documented in docs/STAR_SCHEMA.md. -#}

{# minimum watch time for a view to count (EVENTS.md: shorter views are real events, not views) #}
{% macro core_min_view_seconds() -%}3{%- endmacro %}

{# a qualified view: a view event with at least 3 s of watch time #}
{% macro core_is_qualified_view(type_expr, watch_seconds_expr) -%}
    coalesce({{ type_expr }} = 'view' and {{ watch_seconds_expr }} >= {{ core_min_view_seconds() }}, false)
{%- endmacro %}

{# completion bonus multiplier of the viral score: x1.25 when the completion rate is above 80 % #}
{% macro core_completion_bonus(completion_rate_expr) -%}
    case when {{ completion_rate_expr }} > 0.8 then 1.25 else 1.0 end
{%- endmacro %}

{# recency factor of the viral score: halves every 7 days of content age at the performance day
   (age 0 -> 1.0, 7 days -> 0.5); unknown upload time -> 1.0 #}
{% macro core_recency_factor(age_days_expr) -%}
    coalesce(power(0.5, cast(greatest({{ age_days_expr }}, 0) as {{ type_double() }}) / 7.0), 1.0)
{%- endmacro %}

{# creator boost of the viral score: the factor of the creator's tier at the start of the
   performance day from seeds/creator_tier_boosts.csv; no known tier (no profile version yet, a
   tier the seed lacks) -> 1.0, neither preference nor penalty #}
{% macro core_creator_boost(boost_factor_expr) -%}
    coalesce({{ boost_factor_expr }}, 1.0)
{%- endmacro %}

{# Viral / Trending / Normal from the ratio of a content's engagement score to its creator's
   30-day average engagement score per content-day #}
{% macro core_trend_status(ratio_expr) -%}
    case
        when {{ ratio_expr }} > 10 then 'Viral'
        when {{ ratio_expr }} > 5 then 'Trending'
        else 'Normal'
    end
{%- endmacro %}

{#- Creator tier from follower count and engagement consistency (share of observed days in the
    7 days before the version on which the creator posted or received a qualified view or an
    interaction; NULL when no day was observed yet):
      consumers                                   -> none
      followers >= 1,000,000                      -> top
      followers >=   100,000                      -> established
      followers >=     1,000                      -> rising
      otherwise                                   -> casual
    and a creator whose consistency is known and below 0.4 drops one tier (never below casual). -#}
{% macro core_creator_tier(user_type_expr, followers_expr, consistency_expr) -%}
    case
        when {{ user_type_expr }} = 'consumer' then 'none'
        when coalesce({{ followers_expr }}, 0) >= 1000000
            then case when {{ consistency_expr }} < 0.4 then 'established' else 'top' end
        when coalesce({{ followers_expr }}, 0) >= 100000
            then case when {{ consistency_expr }} < 0.4 then 'rising' else 'established' end
        when coalesce({{ followers_expr }}, 0) >= 1000
            then case when {{ consistency_expr }} < 0.4 then 'casual' else 'rising' end
        else 'casual'
    end
{%- endmacro %}

{# order of the creator tiers (none 0 .. top 4), so a tier change has a direction and a size #}
{% macro core_tier_rank(tier_expr) -%}
    case {{ tier_expr }}
        when 'casual' then 1
        when 'rising' then 2
        when 'established' then 3
        when 'top' then 4
        else 0
    end
{%- endmacro %}
