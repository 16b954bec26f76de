{#- Time helpers of the star schema (UTC everywhere). -#}

{# a timestamptz as a zone-less UTC timestamp, whatever the session time zone is #}
{% macro core_utc(expr) -%}
    {{ to_local_timestamp(expr, 'UTC') }}
{%- endmacro %}

{# date_key yyyymmddhh (bigint), the key of dim_date, in UTC. grain='hour': of a timestamptz (its
   UTC hour); grain='day': of a date (its first hour, hh = 00: daily facts join dim_date on it) #}
{% macro core_date_key(expr, grain='hour') -%}
    {%- set at = core_utc(expr) if grain == 'hour' else expr -%}
    (
        cast(extract(year from {{ at }}) as {{ dbt.type_bigint() }}) * 1000000
        + cast(extract(month from {{ at }}) as {{ dbt.type_bigint() }}) * 10000
        + cast(extract(day from {{ at }}) as {{ dbt.type_bigint() }}) * 100
        {%- if grain == 'hour' %}
        + cast(extract(hour from {{ at }}) as {{ dbt.type_bigint() }})
        {%- endif %}
    )
{%- endmacro %}

{# the UTC calendar date of a timestamptz #}
{% macro core_utc_date(expr) -%}
    cast({{ core_utc(expr) }} as date)
{%- endmacro %}

{# Join predicate: `day` lies in the `days`-day window ending at `window_end` (both dates), that
   day included; the trailing windows of the daily marts (7-day rolls, 30-day baselines) #}
{% macro in_trailing_days(day, window_end, days) -%}
    {{ day }} > {{ dbt.dateadd('day', -days, window_end) }}
    and {{ window_end }} >= {{ day }}
{%- endmacro %}
