{#- Safe casts: NULL instead of an error on bad input. dbt's own safe_cast is a plain cast on
    DuckDB and Postgres, so these override it (dbt dispatch looks in the root project first):
    both `safe_cast(...)` and `dbt.safe_cast(...)` land here. -#}

{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro postgres__safe_cast(field, type) -%}
    {%- set t = type | lower -%}
    {%- if t in ('bigint', 'integer', 'int', 'smallint', 'int8', 'int4') -%}
        case when trim(cast({{ field }} as text)) ~ '^[+-]?[0-9]{1,18}$'
            then cast(trim(cast({{ field }} as text)) as {{ type }}) end
    {%- elif t in ('double precision', 'float', 'float8', 'real', 'numeric', 'double') -%}
        case when trim(cast({{ field }} as text)) ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$'
            then cast(trim(cast({{ field }} as text)) as {{ type }}) end
    {%- elif t in ('timestamptz', 'timestamp with time zone', 'timestamp', 'timestamp without time zone') -%}
        case when cast({{ field }} as text) ~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$'
            then cast(cast({{ field }} as text) as {{ type }}) end
    {%- elif t == 'date' -%}
        case when cast({{ field }} as text) ~ '^\d{4}-\d{2}-\d{2}$'
            then cast(cast({{ field }} as text) as date) end
    {%- elif t in ('boolean', 'bool') -%}
        case when lower(cast({{ field }} as text)) in ('true', 'false', 't', 'f', '1', '0')
            then cast(cast({{ field }} as text) as boolean) end
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{# seconds since the Unix epoch -> UTC timestamptz #}
{% macro epoch_to_timestamp(expr) -%}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__epoch_to_timestamp(expr) -%}
    to_timestamp(cast({{ expr }} as double precision))
{%- endmacro %}

{% macro duckdb__epoch_to_timestamp(expr) -%}
    to_timestamp(cast({{ expr }} as double))
{%- endmacro %}

{# ISO-8601 text -> UTC timestamptz, NULL when unparseable (offsets are honoured, never dropped) #}
{% macro iso_to_timestamp(expr) -%}
    {{ safe_cast(expr, 'timestamptz') }}
{%- endmacro %}

{# a timestamptz rendered in a named time zone, as a local (zone-less) timestamp #}
{% macro to_local_timestamp(expr, tz) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'trendcast')(expr, tz)) }}
{%- endmacro %}

{% macro duckdb__to_local_timestamp(expr, tz) -%}
    timezone('{{ tz }}', {{ expr }})
{%- endmacro %}

{% macro postgres__to_local_timestamp(expr, tz) -%}
    ({{ expr }} at time zone '{{ tz }}')
{%- endmacro %}

{# an instant in time (timestamp with time zone) on every target: Spark calls it timestamp #}
{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz', 'trendcast')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}
    timestamptz
{%- endmacro %}

{# a portable type name ('text', 'timestamp with time zone', 'double precision', ...) in the
   target's words, for casts in macros that take column types as arguments #}
{% macro type_name(type) -%}
    {{ return(adapter.dispatch('type_name', 'trendcast')(type)) }}
{%- endmacro %}

{% macro default__type_name(type) -%}
    {{ type }}
{%- endmacro %}

{# a 64-bit float on every target (dbt.type_float() is a 4-byte REAL on DuckDB) #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'trendcast')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{# a UTC instant as text in DuckDB's and Postgres's spelling ('2025-05-23 00:00:00+00',
   fractions trimmed: '...00:00:00.5+00'), so keys hashed from it are the same on every target #}
{% macro timestamptz_text(expr) -%}
    {{ return(adapter.dispatch('timestamptz_text', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__timestamptz_text(expr) -%}
    {{ dbt.safe_cast(expr, dbt.type_string()) }}
{%- endmacro %}
