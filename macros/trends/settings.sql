{#- Settings of the trend feature store in one place (override with --vars). -#}

{# platforms whose APIs report view counts; elsewhere view columns are null #}
{% macro trends_platforms_with_views() -%}
    {{ return(var('trends_platforms_with_views', ['tiktok', 'youtube'])) }}
{%- endmacro %}

{# after its last activity, a hashtag keeps hourly rows (zeros) for this many hours #}
{% macro trends_grid_horizon_hours() -%}
    {{ return(var('trends_grid_horizon_hours', 48) | int) }}
{%- endmacro %}

{# prediction windows of viral_labels, hours #}
{% macro trends_label_windows() -%}
    {{ return(var('trends_label_windows', [6, 12, 24, 48])) }}
{%- endmacro %}

{# baseline period of the novelty features, days before the current 24 h #}
{% macro trends_baseline_days() -%}
    {{ return(var('trends_baseline_days', 7) | int) }}
{%- endmacro %}

{# length of the trailing window of the `_24h` features, hours (the frames are written for 24) #}
{% macro trends_feature_window_hours() -%}
    {{ return(24) }}
{%- endmacro %}
