{#- A 64-bit float on every target (dbt.type_float() is a 4-byte REAL on DuckDB). Added for the
    YouTube virality marts; candidates for the lead's casts.sql. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'trendcast')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{# day of week, 0 = Sunday .. 6 = Saturday, as an integer #}
{% macro day_of_week(expr) -%}
    {{ return(adapter.dispatch('day_of_week', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__day_of_week(expr) -%}
    cast(extract(dow from {{ expr }}) as integer)
{%- endmacro %}

{% macro spark__day_of_week(expr) -%}
    (dayofweek({{ expr }}) - 1)
{%- endmacro %}

{# hour of day (0..23) of a timestamp in the session time zone (UTC), as an integer #}
{% macro hour_of_day(expr) -%}
    {{ return(adapter.dispatch('hour_of_day', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__hour_of_day(expr) -%}
    cast(extract(hour from {{ expr }}) as integer)
{%- endmacro %}

{#- Planner hint for the point-in-time feature mart: its freshly built inputs have no statistics
    yet, so Postgres estimates a handful of rows and picks nested loops (minutes instead of
    seconds). Hash/merge joins are right for these equi-joins; other targets need nothing. -#}
{% macro youtube_prefer_hash_joins(enable) -%}
    {{ return(adapter.dispatch('youtube_prefer_hash_joins', 'trendcast')(enable)) }}
{%- endmacro %}

{% macro default__youtube_prefer_hash_joins(enable) -%}
    select 1
{%- endmacro %}

{% macro postgres__youtube_prefer_hash_joins(enable) -%}
    {%- if enable -%}set enable_nestloop = off{%- else -%}reset enable_nestloop{%- endif -%}
{%- endmacro %}
