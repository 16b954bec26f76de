{#- JSON access, one dispatched macro per operation. Paths are lists of keys (strings) or array
    positions (integers, 0-based). Missing paths give NULL, never an error.
    DuckDB stores raw JSON as `json`, Postgres as `jsonb`; Spark (later): get_json_object/from_json. -#}

{% macro _duckdb_json_path(keys) -%}
    '${% for k in keys %}{% if k is number %}[{{ k }}]{% else %}."{{ k }}"{% endif %}{% endfor %}'
{%- endmacro %}

{% macro _postgres_json_path(keys) -%}
    '{ {%- for k in keys -%}{{ k }}{% if not loop.last %},{% endif %}{%- endfor -%} }'
{%- endmacro %}

{# text value at the path (strings unquoted, numbers/booleans as their literal text) #}
{% macro json_text(column, keys) -%}
    {{ return(adapter.dispatch('json_text', 'trendcast')(column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_text(column, keys) -%}
    json_extract_string({{ column }}, {{ trendcast._duckdb_json_path(keys) }})
{%- endmacro %}

{% macro postgres__json_text(column, keys) -%}
    ({{ column }} #>> {{ trendcast._postgres_json_path(keys) }})
{%- endmacro %}

{# JSON sub-document at the path #}
{% macro json_value(column, keys) -%}
    {{ return(adapter.dispatch('json_value', 'trendcast')(column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_value(column, keys) -%}
    json_extract({{ column }}, {{ trendcast._duckdb_json_path(keys) }})
{%- endmacro %}

{% macro postgres__json_value(column, keys) -%}
    ({{ column }} #> {{ trendcast._postgres_json_path(keys) }})
{%- endmacro %}

{# text of a JSON scalar (e.g. an element produced by json_array_rows) #}
{% macro json_scalar_text(column) -%}
    {{ return(adapter.dispatch('json_scalar_text', 'trendcast')(column)) }}
{%- endmacro %}

{% macro duckdb__json_scalar_text(column) -%}
    json_extract_string({{ column }}, '$')
{%- endmacro %}

{% macro postgres__json_scalar_text(column) -%}
    ({{ column }} #>> '{}')
{%- endmacro %}

{# JSON type name at the path, lower case: object, array, string, number, boolean, null #}
{% macro json_type_of(column, keys) -%}
    {{ return(adapter.dispatch('json_type_of', 'trendcast')(column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_type_of(column, keys) -%}
    case lower(json_type({{ column }}, {{ trendcast._duckdb_json_path(keys) }}))
        when 'varchar' then 'string'
        when 'ubigint' then 'number'
        when 'bigint' then 'number'
        when 'double' then 'number'
        else lower(json_type({{ column }}, {{ trendcast._duckdb_json_path(keys) }}))
    end
{%- endmacro %}

{% macro postgres__json_type_of(column, keys) -%}
    jsonb_typeof({{ column }} #> {{ trendcast._postgres_json_path(keys) }})
{%- endmacro %}

{# A FROM-clause fragment: one row per element of the array at the path, as
   <alias>.<element_name> (json) and <alias>.<index_name> (1-based). Non-arrays give no rows. #}
{% macro json_array_rows(column, keys, element_name='item', index_name='item_index', alias=none) -%}
    {{ return(adapter.dispatch('json_array_rows', 'trendcast')(
        column, keys, element_name, index_name, alias or element_name ~ '_rows'
    )) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(column, keys, element_name, index_name, alias) -%}
    {#- A lateral select of unnest + generate_subscripts: `cross join unnest(...) with ordinality`
        measured 5x slower and 4x the memory on the event stream (DuckDB 2.0). -#}
    {%- set arr -%}
        case
            when json_type({{ column }}, {{ trendcast._duckdb_json_path(keys) }}) = 'ARRAY'
                then cast(json_extract({{ column }}, {{ trendcast._duckdb_json_path(keys) }}) as json [])
            else cast([] as json [])
        end
    {%- endset %}
    cross join lateral (
        select
            unnest({{ arr }}) as {{ element_name }},
            generate_subscripts({{ arr }}, 1) as {{ index_name }}
    ) as {{ alias }}
{%- endmacro %}

{% macro postgres__json_array_rows(column, keys, element_name, index_name, alias) -%}
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof({{ column }} #> {{ trendcast._postgres_json_path(keys) }}) = 'array'
                then {{ column }} #> {{ trendcast._postgres_json_path(keys) }}
            else '[]'::jsonb
        end
    ) with ordinality as {{ alias }} ({{ element_name }}, {{ index_name }})
{%- endmacro %}

{# number of elements of the array at the path (0 when it is not an array) #}
{% macro json_array_length(column, keys) -%}
    {{ return(adapter.dispatch('json_array_length', 'trendcast')(column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_array_length(column, keys) -%}
    coalesce(json_array_length({{ column }}, {{ trendcast._duckdb_json_path(keys) }}), 0)
{%- endmacro %}

{% macro postgres__json_array_length(column, keys) -%}
    case
        when jsonb_typeof({{ column }} #> {{ trendcast._postgres_json_path(keys) }}) = 'array'
            then jsonb_array_length({{ column }} #> {{ trendcast._postgres_json_path(keys) }})
        else 0
    end
{%- endmacro %}

{# JSON text of a document, for hashing or storing as text #}
{% macro json_to_text(column) -%}
    {{ return(adapter.dispatch('json_to_text', 'trendcast')(column)) }}
{%- endmacro %}

{% macro duckdb__json_to_text(column) -%}
    cast({{ column }} as varchar)
{%- endmacro %}

{% macro postgres__json_to_text(column) -%}
    cast({{ column }} as text)
{%- endmacro %}

{# text holding a JSON document -> the dialect's JSON type #}
{% macro parse_json(expr) -%}
    {{ return(adapter.dispatch('parse_json', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro duckdb__parse_json(expr) -%}
    cast({{ expr }} as json)
{%- endmacro %}

{% macro postgres__parse_json(expr) -%}
    cast({{ expr }} as jsonb)
{%- endmacro %}

{# For arrays of objects whose fields are known (TikTok video lists), in three steps over
   three CTEs, all in the select list:
     1. json_array_records(column, keys, fields) as records   -- parse each document once
     2. {{ unnest_records('records', 'event_record', 'event_index') }}  -- a row per element
     3. {{ json_record_fields('x.event_record', fields) }}    -- the fields as columns
        (named prefix ~ field name: a prefix keeps keys such as `desc` or `text` legal names)
   `fields` maps a field name to 'text' (the value's text: strings unquoted, numbers/booleans as
   literals) or 'json' (the sub-document). Missing fields are NULL; non-arrays give no rows;
   elements that are not objects give all-NULL fields.
   Why not a FROM-clause fragment like json_array_rows: DuckDB decorrelates a lateral join on the
   raw document by hashing every distinct document (out of memory at 1M events, measured), while
   an unnest in the select list streams; and from_json parses each document once instead of once
   per field (stg_tiktok__videos: 27.5 s and 14.5 GB with the lateral form at 10M events, ~1 s now).
   When the elements are already one per row (raw.response_items), json_object_record parses one
   object, and json_record_fields works the same on it. #}
{% macro json_array_records(column, keys, fields) -%}
    {{ return(adapter.dispatch('json_array_records', 'trendcast')(column, keys, fields)) }}
{%- endmacro %}

{% macro unnest_records(records, record_name, index_name) -%}
    {{ return(adapter.dispatch('unnest_records', 'trendcast')(records, record_name, index_name)) }}
{%- endmacro %}

{% macro json_record_fields(record, fields, prefix='') -%}
    {{ return(adapter.dispatch('json_record_fields', 'trendcast')(record, fields, prefix)) }}
{%- endmacro %}

{% macro _duckdb_record_spec(fields) -%}
    {
    {%- for name, kind in fields.items() -%}
        "{{ name }}":"{{ 'JSON' if kind == 'json' else 'VARCHAR' }}"{{ ',' if not loop.last }}
    {%- endfor -%}
    }
{%- endmacro %}

{% macro duckdb__json_array_records(column, keys, fields) -%}
    {%- set ns = namespace(spec='[' ~ trendcast._duckdb_record_spec(fields) ~ ']', expr='') -%}
    {%- for k in keys | reverse -%}
        {%- set ns.spec = '{"' ~ k ~ '":' ~ ns.spec ~ '}' -%}
    {%- endfor -%}
    {%- set ns.expr = "from_json(" ~ column ~ ", '" ~ ns.spec ~ "')" -%}
    {%- for k in keys -%}
        {%- set ns.expr = "struct_extract(" ~ ns.expr ~ ", '" ~ k ~ "')" -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}

{% macro duckdb__unnest_records(records, record_name, index_name) -%}
    unnest({{ records }}) as {{ record_name }},
    generate_subscripts({{ records }}, 1) as {{ index_name }}
{%- endmacro %}

{% macro duckdb__json_record_fields(record, fields, prefix) -%}
    {%- for name in fields %}
    struct_extract({{ record }}, '{{ name }}') as {{ prefix }}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# One JSON object already on its own row (raw.response_items) parsed once for json_record_fields. #}
{% macro json_object_record(column, fields) -%}
    {{ return(adapter.dispatch('json_object_record', 'trendcast')(column, fields)) }}
{%- endmacro %}

{% macro duckdb__json_object_record(column, fields) -%}
    from_json({{ column }}, '{{ trendcast._duckdb_record_spec(fields) }}')
{%- endmacro %}

{% macro postgres__json_object_record(column, fields) -%}
    {{ column }}
{%- endmacro %}

{% macro postgres__json_array_records(column, keys, fields) -%}
    case
        when jsonb_typeof({{ column }} #> {{ trendcast._postgres_json_path(keys) }}) = 'array'
            then {{ column }} #> {{ trendcast._postgres_json_path(keys) }}
        else '[]'::jsonb
    end
{%- endmacro %}

{% macro postgres__unnest_records(records, record_name, index_name) -%}
    {#- Set-returning functions in one select list run in lockstep (PostgreSQL 10+). -#}
    jsonb_array_elements({{ records }}) as {{ record_name }},
    generate_series(1, jsonb_array_length({{ records }})) as {{ index_name }}
{%- endmacro %}

{% macro postgres__json_record_fields(record, fields, prefix) -%}
    {%- for name, kind in fields.items() %}
    ({{ record }} {{ '->' if kind == 'json' else '->>' }} '{{ name }}') as {{ prefix }}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
