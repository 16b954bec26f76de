{#- Business rules of the seed's analytics marts (models/marts/analytics), one macro each, pinned
    by the unit tests in _analytics__models.yml. -#}

{# Duration bucket of a video (seconds): the lengths the app's editor offers (15 s, 60 s, longer) #}
{% macro analytics_duration_bucket(seconds) -%}
    case
        when {{ seconds }} is null then 'unknown'
        when {{ seconds }} < 15 then 'under_15s'
        when {{ seconds }} < 30 then '15_29s'
        when {{ seconds }} < 60 then '30_59s'
        else '60s_plus'
    end
{%- endmacro %}

{# Hashtag-count bucket of a video #}
{% macro analytics_hashtag_count_bucket(n) -%}
    case
        when {{ n }} = 0 then '0'
        when {{ n }} <= 2 then '1_2'
        when {{ n }} <= 4 then '3_4'
        else '5_plus'
    end
{%- endmacro %}

{# Posting time of day (UTC hour, 6-hour blocks): night 0-5, morning 6-11, afternoon 12-17, evening 18-23 #}
{% macro analytics_posting_daypart(hour_expr) -%}
    case
        when {{ hour_expr }} is null then 'unknown'
        when {{ hour_expr }} < 6 then 'night'
        when {{ hour_expr }} < 12 then 'morning'
        when {{ hour_expr }} < 18 then 'afternoon'
        else 'evening'
    end
{%- endmacro %}

{# Normalised handle for the cross-platform match: lower case, no leading '@', no surrounding blanks #}
{% macro analytics_normalized_handle(expr) -%}
    nullif(trim(lower(replace({{ expr }}, '@', ''))), '')
{%- endmacro %}

{# Echo chamber: a user's impressions of the week are concentrated on one category. Category HHI
   (sum of squared shares) of a feed that follows the platform's category mix is about 0.1 (the
   simulator's 14 categories: 0.095); 0.5 means one category holds about 70 % of the feed. Below
   20 impressions a week the concentration is noise, so no flag. #}
{% macro analytics_min_items_for_echo_flag() -%}20{%- endmacro %}
{% macro analytics_echo_hhi_threshold() -%}0.5{%- endmacro %}

{% macro analytics_is_echo_chamber(items, category_hhi) -%}
    (
        {{ items }} >= {{ analytics_min_items_for_echo_flag() }}
        and {{ category_hhi }} >= {{ analytics_echo_hhi_threshold() }}
    )
{%- endmacro %}

{# An interaction: an engagement beyond watching that a user chose to make on a video #}
{% macro analytics_interaction_types() -%}
    ('like', 'comment', 'share', 'save')
{%- endmacro %}

{# The (user, video) pairs with at least one interaction: an impression of the pair that was
   clicked through led to an interaction (feed_position_impact, recommendation_performance) #}
{% macro analytics_interacted_pairs(engagements) -%}
    select distinct
        user_id,
        content_id
    from {{ engagements }}
    where engagement_type in {{ analytics_interaction_types() }}
{%- endmacro %}
