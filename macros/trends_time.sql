{#- Time helpers for the trend feature store (dispatched; duckdb__/postgres__/spark__). -#}

{# seconds since the Unix epoch of a timestamptz, as bigint (for numeric RANGE window frames) #}
{% macro trends_epoch_seconds(expr) -%}
    {{ return(adapter.dispatch('trends_epoch_seconds', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__trends_epoch_seconds(expr) -%}
    cast(floor(extract(epoch from {{ expr }})) as bigint)
{%- endmacro %}

{% macro duckdb__trends_epoch_seconds(expr) -%}
    cast(floor(epoch({{ expr }})) as bigint)
{%- endmacro %}

{% macro spark__trends_epoch_seconds(expr) -%}
    cast(unix_timestamp({{ expr }}) as bigint)
{%- endmacro %}

{# hour of day 0..23 (session time zone is UTC) #}
{% macro trends_hour_of_day(expr) -%}
    {{ return(adapter.dispatch('trends_hour_of_day', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__trends_hour_of_day(expr) -%}
    cast(extract(hour from {{ expr }}) as integer)
{%- endmacro %}

{% macro spark__trends_hour_of_day(expr) -%}
    hour({{ expr }})
{%- endmacro %}

{# day of week 0 = Sunday .. 6 = Saturday #}
{% macro trends_day_of_week(expr) -%}
    {{ return(adapter.dispatch('trends_day_of_week', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__trends_day_of_week(expr) -%}
    cast(extract(dow from {{ expr }}) as integer)
{%- endmacro %}

{% macro spark__trends_day_of_week(expr) -%}
    (dayofweek({{ expr }}) - 1)
{%- endmacro %}

{# a 64-bit float on every target (dbt.type_float() is a 4-byte REAL on DuckDB) #}
{% macro trends_type_double() -%}
    {{ return(adapter.dispatch('trends_type_double', 'trendcast')()) }}
{%- endmacro %}

{% macro default__trends_type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__trends_type_double() -%}
    double
{%- endmacro %}

{# natural log that is null (not an error) for non-positive input #}
{% macro trends_safe_ln(expr) -%}
    case when ({{ expr }}) > 0 then ln({{ expr }}) end
{%- endmacro %}

{# x / y, null when y is 0 or null, as a double #}
{% macro trends_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ trends_type_double() }}) / nullif(cast({{ denominator }} as {{ trends_type_double() }}), 0)
{%- endmacro %}

{# integer remainder (bigint operands) #}
{% macro trends_mod(a, b) -%}
    mod(cast({{ a }} as {{ dbt.type_bigint() }}), {{ b }})
{%- endmacro %}
