{#- Settings of the trend feature store in one place (override with --vars). -#}

{# platforms whose APIs report view counts; elsewhere view columns are null #}
{% macro trends_platforms_with_views() -%}
    {{ return(var('trends_platforms_with_views', ['tiktok', 'youtube'])) }}
{%- endmacro %}

{# after its last activity, a hashtag keeps hourly rows (zeros) for this many hours #}
{% macro trends_grid_horizon_hours() -%}
    {{ return(var('trends_grid_horizon_hours', 48) | int) }}
{%- endmacro %}

{# the horizon-long period a timestamp falls in (whole horizons since the epoch): a time and any
   time at most one horizon later fall in the same or the next bucket, an equi-join key for range
   joins bounded by the horizon (hashtag_metrics' grid) #}
{% macro trends_horizon_bucket(expr) -%}
    cast(floor({{ epoch_seconds(expr) }} / {{ 3600 * trends_grid_horizon_hours() }}.0) as {{ dbt.type_bigint() }})
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

{# the `hours`-long bucket of an hour number (whole `hours`-long periods since the epoch): an hour
   and the hours-1 before it fall in the same or the previous bucket, an equi-join key for trailing
   range joins (macros/trends/trailing_pairs.sql) #}
{% macro trends_hour_bucket(hour_number, hours) -%}
    cast(floor({{ hour_number }} / {{ hours }}.0) as {{ dbt.type_bigint() }})
{%- endmacro %}
