{#- Date parts and epoch arithmetic, one dispatched macro each (duckdb__/postgres__/spark__).
    The session time zone is UTC on every target, so the parts are UTC parts. -#}

{# hour of day 0..23, as an integer #}
{% macro hour_of_day(expr) -%}
    {{ return(adapter.dispatch('hour_of_day', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__hour_of_day(expr) -%}
    cast(extract(hour from {{ expr }}) as integer)
{%- endmacro %}

{% macro spark__hour_of_day(expr) -%}
    hour({{ expr }})
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

{# whole seconds since the Unix epoch of a timestamptz, as bigint (numeric RANGE window frames) #}
{% macro epoch_seconds(expr) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__epoch_seconds(expr) -%}
    cast(floor(extract(epoch from {{ expr }})) as bigint)
{%- endmacro %}

{% macro duckdb__epoch_seconds(expr) -%}
    cast(floor(epoch({{ expr }})) as bigint)
{%- endmacro %}

{% macro spark__epoch_seconds(expr) -%}
    cast(unix_timestamp({{ expr }}) as bigint)
{%- endmacro %}
