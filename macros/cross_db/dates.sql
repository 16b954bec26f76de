{#- Date parts and epoch arithmetic, one dispatched macro each (duckdb__ and postgres__).
    The session time zone is UTC on every target, so the parts are UTC parts. -#}

{# hour of day 0..23, as an integer #}
{% macro hour_of_day(expr) -%}
    {{ return(adapter.dispatch('hour_of_day', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__hour_of_day(expr) -%}
    cast(extract(hour from {{ expr }}) as integer)
{%- endmacro %}

{# day of week, 0 = Sunday .. 6 = Saturday, as an integer #}
{% macro day_of_week(expr) -%}
    {{ return(adapter.dispatch('day_of_week', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__day_of_week(expr) -%}
    cast(extract(dow from {{ expr }}) as integer)
{%- endmacro %}

{# ISO day of week, 1 = Monday .. 7 = Sunday, as an integer #}
{% macro iso_day_of_week(expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expr) -%}
    cast(extract(isodow from {{ expr }}) as integer)
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

{# seconds from start_ts to end_ts as a double, sub-second precision kept (stage latencies) #}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between', 'trendcast')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__seconds_between(start_ts, end_ts) -%}
    cast(extract(epoch from {{ end_ts }}) - extract(epoch from {{ start_ts }}) as double precision)
{%- endmacro %}

{#- whole microseconds subtracted first, then one division: exact to the microsecond, as Postgres's
    numeric epoch and Spark (epoch() of each instant is a double near 1.7e9 s, whose difference
    was off by up to about 1e-7 s) -#}
{% macro duckdb__seconds_between(start_ts, end_ts) -%}
    (cast(epoch_us({{ end_ts }}) - epoch_us({{ start_ts }}) as double) / 1000000)
{%- endmacro %}

{% macro postgres__seconds_between(start_ts, end_ts) -%}
    cast(extract(epoch from {{ end_ts }}) - extract(epoch from {{ start_ts }}) as double precision)
{%- endmacro %}
