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

{# 0 .. 10^digits - 1, one row each, as column `n` (portable: VALUES and cross joins only) #}
{% macro core_integers(digits) -%}
    select
        {% for i in range(digits) -%}
            d{{ i }}.n * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as n
    from
        {% for i in range(digits) -%}
            (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d{{ i }} (n)
            {%- if not loop.last %} cross join {% endif %}
        {% endfor %}
{%- endmacro %}

{#- Incremental window: rows whose `column` is at or after the latest value already in the model
    minus var('lookback_hours') are (re)processed; older rows are final. Returns a scalar
    subquery (a timestamptz; 1900-01-01 when the model is still empty); only meaningful inside
    is_incremental(). Models downstream of other incremental facts pass lookback_factor=2: their
    watermark can run slightly ahead of the upstream fact's, and a wider window only re-computes
    more rows (still exactly), never fewer. -#}
{% macro core_incremental_cutoff(column='fetched_at', relation=none, lookback_factor=1) -%}
    {%- set rel = relation if relation is not none else this -%}
    (
        select
            coalesce(
                {{ dbt.dateadd('hour', -1 * lookback_factor * (var('lookback_hours') | int), 'max(' ~ column ~ ')') }},
                cast('1900-01-01 00:00:00+00' as {{ type_timestamptz() }})
            )
        from {{ rel }}
    )
{%- endmacro %}

{#- Indexes for the incremental tables on Postgres only (the delete+insert on event_id, the
    anti-join on re-deliveries and max(fetched_at) of the window use them). DuckDB gets none: its
    ART indexes would slow the bulk inserts and deletes down. -#}
{% macro core_postgres_indexes(column_lists) -%}
    {%- set out = [] -%}
    {%- if target.type == 'postgres' -%}
        {%- for cols in column_lists -%}
            {%- do out.append({'columns': cols}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}
