{#- Spark (dbt-spark) variants of the cross-database macros, in one file so what exists on Spark
    is visible at a glance (docs/SPARK.md lists what builds on Spark and what does not yet).
    Checked with dbt-spark 1.11 and PySpark 4.3 (ANSI mode on, session time zone UTC).

    JSON is stored as text on Spark (no JSON type): access is get_json_object / from_json.
    from_json with a `string` field keeps any JSON value as text (objects and arrays as their
    JSON, numbers and booleans as their literal), which is exactly what the 'text' and 'json'
    kinds of json_record_fields promise. Timestamps are Spark's TIMESTAMP (an instant, shown in
    the session zone), the equivalent of timestamptz. -#}

{# ---- json.sql ------------------------------------------------------------------------------ #}

{% macro _spark_json_path(keys) -%}
    '${% for k in keys %}{% if k is number %}[{{ k }}]{% else %}.{{ k }}{% endif %}{% endfor %}'
{%- endmacro %}

{% macro spark__json_text(column, keys) -%}
    get_json_object({{ column }}, {{ trendcast._spark_json_path(keys) }})
{%- endmacro %}

{% macro spark__json_value(column, keys) -%}
    get_json_object({{ column }}, {{ trendcast._spark_json_path(keys) }})
{%- endmacro %}

{#- a JSON null is SQL NULL, as json_extract_string gives on DuckDB (get_json_object returns the
    text 'null'); text that is not JSON is returned as it is -#}
{% macro spark__json_scalar_text(column) -%}
    case when {{ column }} <> 'null' then coalesce(get_json_object({{ column }}, '$'), {{ column }}) end
{%- endmacro %}

{% macro spark__json_array_length(column, keys) -%}
    coalesce(json_array_length(get_json_object({{ column }}, {{ trendcast._spark_json_path(keys) }})), 0)
{%- endmacro %}

{% macro spark__json_to_text(column) -%}
    cast({{ column }} as string)
{%- endmacro %}

{% macro spark__parse_json(expr) -%}
    cast({{ expr }} as string)
{%- endmacro %}

{% macro _spark_record_type(fields) -%}
    struct<
    {%- for name in fields -%}
        `{{ name }}`: string{{ ',' if not loop.last }}
    {%- endfor -%}
    >
{%- endmacro %}

{% macro spark__json_array_records(column, keys, fields) -%}
    from_json(
        get_json_object({{ column }}, {{ trendcast._spark_json_path(keys) }}),
        'array<{{ trendcast._spark_record_type(fields) }}>'
    )
{%- endmacro %}

{#- one row per element with a 1-based index, like the DuckDB and Postgres variants (posexplode
    counts from 0, so the index is added inside the array before it is exploded) -#}
{% macro spark__unnest_records(records, record_name, index_name) -%}
    inline(transform({{ records }}, (x, i) -> named_struct(
        '{{ record_name }}', x, '{{ index_name }}', cast(i + 1 as bigint)
    ))) as ({{ record_name }}, {{ index_name }})
{%- endmacro %}

{% macro spark__json_record_fields(record, fields, prefix) -%}
    {%- for name in fields %}
    {{ record }}.`{{ name }}` as {{ prefix }}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro spark__json_object_record(column, fields) -%}
    from_json({{ column }}, '{{ trendcast._spark_record_type(fields) }}')
{%- endmacro %}

{#- one row per element with a 1-based index, like generate_subscripts on DuckDB and `with
    ordinality` on Postgres. Each element is its JSON text (from_json to array<variant>, then
    to_json), as on DuckDB, where the elements are JSON: a string element keeps its quotes, so
    json_scalar_text reads `"2025 trailers"` as that string. (from_json to array<string> gave the
    bare text, which get_json_object's lenient parser then read as the number 2025.) A value
    that is not an array gives no row. -#}
{% macro spark__json_array_rows(column, keys, element_name, index_name, alias) -%}
    lateral view inline(transform(
        coalesce(
            from_json(get_json_object({{ column }}, {{ trendcast._spark_json_path(keys) }}), 'array<variant>'),
            array()
        ),
        (x, i) -> named_struct('{{ element_name }}', to_json(x), '{{ index_name }}', cast(i + 1 as bigint))
    )) {{ alias }} as {{ element_name }}, {{ index_name }}
{%- endmacro %}

{#- JSON type name at the path through Spark 4's VARIANT (schema_of_variant names the type);
    compiles and is checked by hand, not yet by a test on Spark (docs/SPARK.md) -#}
{% macro spark__json_type_of(column, keys) -%}
    case split(lower(schema_of_variant(
        variant_get(try_parse_json({{ column }}), {{ trendcast._spark_json_path(keys) }}, 'variant')
    )), '[<(]')[0]
        when 'object' then 'object'
        when 'array' then 'array'
        when 'string' then 'string'
        when 'boolean' then 'boolean'
        when 'void' then 'null'
        when null then null
        else 'number'
    end
{%- endmacro %}

{#- NULL values stay in the object as JSON nulls, as DuckDB's json_object and Postgres's
    json_build_object keep them (Spark's to_json drops NULL fields by default) -#}
{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct(
        {%- for key, expr in pairs %}'{{ key }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor -%}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- ordered JSON aggregates (json_build.sql): one ascending order_by expression; compile on Spark,
    not yet compared with DuckDB by a test -#}
{% macro spark__json_array_agg_text(expr, order_by) -%}
    to_json(transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expr }} as item))), x -> x.item
    ))
{%- endmacro %}

{% macro spark__json_object_agg_text(key_expr, value_expr, order_by) -%}
    to_json(map_from_entries(transform(
        array_sort(collect_list(struct(
            {{ order_by }} as sort_key, cast({{ key_expr }} as string) as entry_key, {{ value_expr }} as entry_value
        ))),
        x -> struct(x.entry_key as key, x.entry_value as value)
    )))
{%- endmacro %}

{# ---- casts.sql ----------------------------------------------------------------------------- #}

{#- the portable type names the models and contracts use, in Spark's words -#}
{% macro spark_type(type) -%}
    {%- set t = type | trim | lower -%}
    {%- set names = {
        'text': 'string',
        'varchar': 'string',
        'double precision': 'double',
        'float8': 'double',
        'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp',
        'timestamp without time zone': 'timestamp_ntz',
        'integer': 'int',
        'int4': 'int',
        'int8': 'bigint',
    } -%}
    {{- names.get(t, type) -}}
{%- endmacro %}

{% macro spark__type_name(type) -%}
    {{ trendcast.spark_type(type) }}
{%- endmacro %}

{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ trendcast.spark_type(type) }})
{%- endmacro %}

{% macro spark__epoch_to_timestamp(expr) -%}
    timestamp_micros(cast(cast({{ expr }} as double) * 1000000 as bigint))
{%- endmacro %}

{#- a wall-clock time in `tz` as a zone-less timestamp; from_utc_timestamp reads its input as UTC,
    which it is in this session (spark.sql.session.timeZone = UTC, profiles.yml) -#}
{% macro spark__to_local_timestamp(expr, tz) -%}
    cast(from_utc_timestamp({{ expr }}, '{{ tz }}') as timestamp_ntz)
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}

{# ---- dates.sql ----------------------------------------------------------------------------- #}

{% macro spark__day_of_week(expr) -%}
    (dayofweek({{ expr }}) - 1)
{%- endmacro %}

{% macro spark__iso_day_of_week(expr) -%}
    cast(extract(dow_iso from {{ expr }}) as integer)
{%- endmacro %}

{% macro spark__epoch_seconds(expr) -%}
    unix_seconds({{ expr }})
{%- endmacro %}

{% macro spark__seconds_between(start_ts, end_ts) -%}
    (cast(unix_micros({{ end_ts }}) - unix_micros({{ start_ts }}) as double) / 1000000)
{%- endmacro %}

{#- dbt-spark's dateadd goes through unix seconds (sub-second precision lost) and raises on a NULL
    input (an empty table's max()); timestampadd keeps both. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{#- datediff in hours, minutes or seconds counts the boundaries crossed, as DuckDB's date_diff and
    dbt-postgres's datediff do (10:30 -> 10:00 is 0 hours, 10:00 -> 11:59 is 1); dbt-spark's
    rounds the elapsed time away from zero instead (-1 and 2). Both ends are truncated to the
    part, so the division is exact. Days and longer parts: dbt-spark's (date-based, the same). -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set micros = {'hour': 3600000000, 'minute': 60000000, 'second': 1000000} -%}
    {%- if datepart | lower in micros -%}
        ((unix_micros(date_trunc('{{ datepart | lower }}', {{ second_date }}))
        - unix_micros(date_trunc('{{ datepart | lower }}', {{ first_date }})))
        div {{ micros[datepart | lower] }})
    {%- else -%}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}

{# ---- aggregates.sql ------------------------------------------------------------------------ #}

{% macro spark__percentile_cont(expr, p) -%}
    percentile({{ expr }}, {{ p }})
{%- endmacro %}

{#- dbt-spark's listagg ignores the order (a warning, then any order): here `order by <expr>`
    [asc|desc] is honoured by sorting (key, value) pairs. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set ns = namespace(key=none, descending=false) -%}
    {%- if order_by_clause -%}
        {%- set clause = order_by_clause | trim -%}
        {%- if clause[:9] | lower != 'order by ' or ',' in clause -%}
            {{ exceptions.raise_compiler_error(
                "listagg on Spark takes one `order by <expr> [asc|desc]`, got: " ~ order_by_clause
            ) }}
        {%- endif -%}
        {%- set ns.key = clause[9:] | trim -%}
        {%- if (ns.key | lower).endswith(' desc') -%}
            {%- set ns.key = ns.key[:-5] -%}
            {%- set ns.descending = true -%}
        {%- elif (ns.key | lower).endswith(' asc') -%}
            {%- set ns.key = ns.key[:-4] -%}
        {%- endif -%}
    {%- endif -%}
    {%- if ns.key is none -%}
        {%- set values = 'collect_list(' ~ measure ~ ')' -%}
    {%- else -%}
        {%- set sorted = 'array_sort(collect_list(struct(' ~ ns.key ~ ' as k, ' ~ measure ~ ' as v)))' -%}
        {%- if ns.descending -%}{%- set sorted = 'reverse(' ~ sorted ~ ')' -%}{%- endif -%}
        {%- set values = 'transform(' ~ sorted ~ ', x -> x.v)' -%}
    {%- endif -%}
    {%- if limit_num -%}{%- set values = 'slice(' ~ values ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    array_join({{ values }}, {{ delimiter_text }})
{%- endmacro %}

{# ---- text.sql / regex_replace.sql ---------------------------------------------------------- #}

{#- Spark unescapes backslashes in string literals: a pattern's backslash reaches Java's regex engine
    only when written with two. Spark's regexp_replace replaces every match. -#}
{#- a POSIX regex (what the models write, for DuckDB's RE2 and Postgres) as a Java regex literal:
    backslashes doubled for Spark's string literal, and POSIX bracket classes such as
    `[[:alnum:]_]`, which Java reads as the characters `:alnum` and `_`, as the equivalent
    ASCII \p{...} classes (`[\p{Alnum}_]`; RE2's and Java's classes are both ASCII-only) -#}
{% macro _spark_pattern(pattern) -%}
    {%- set classes = {
        'alnum': 'Alnum', 'alpha': 'Alpha', 'digit': 'Digit', 'lower': 'Lower', 'upper': 'Upper',
        'space': 'Space', 'punct': 'Punct', 'xdigit': 'XDigit', 'blank': 'Blank', 'cntrl': 'Cntrl',
        'graph': 'Graph', 'print': 'Print',
    } -%}
    {%- set ns = namespace(p=pattern) -%}
    {%- for posix, java in classes.items() -%}
        {%- set ns.p = ns.p | replace('[:' ~ posix ~ ':]', '\\p{' ~ java ~ '}') -%}
    {%- endfor -%}
    '{{ ns.p | replace('\\', '\\\\') }}'
{%- endmacro %}

{#- DuckDB's trim: the Unicode space separators (Zs) at both ends, not tabs or line breaks -#}
{% macro spark__trim_spaces(expr) -%}
    regexp_replace({{ expr }}, '^\\p{Zs}+|\\p{Zs}+$', '')
{%- endmacro %}

{% macro spark__regex_like(expr, pattern) -%}
    ({{ expr }} rlike {{ trendcast._spark_pattern(pattern) }})
{%- endmacro %}

{% macro spark__regex_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ trendcast._spark_pattern(pattern) }}, {{ replacement }})
{%- endmacro %}

{% macro spark__regex_match_rows(expr, pattern, name, alias) -%}
    lateral view explode(regexp_extract_all({{ expr }}, {{ trendcast._spark_pattern(pattern) }}, 1)) {{ alias }} as {{ name }}
{%- endmacro %}

{#- trim_spaces, not trim: DuckDB's trim removes the Unicode spaces (a post ending in an ideographic
    space U+3000 or a no-break space), Spark's only the ASCII space -#}
{% macro spark__html_to_text(expr) -%}
    {{ trendcast.trim_spaces("regexp_replace(" ~ trendcast._html_entities(
        "regexp_replace(regexp_replace(" ~ expr ~ ", '<br ?/?>|</p>', ' '), '<[^>]*>', '')"
    ) ~ ", '[ \\\\t\\\\n\\\\r\\\\f]+', ' ')") }}
{%- endmacro %}

{# ---- domains_functions.sql: the dashboard functions and the text index are not built on
   Spark yet (docs/SPARK.md); the hooks are no-ops so the project parses and the rest builds #}

{% macro spark__create_domain_functions() -%}
    select 1
{%- endmacro %}

{% macro spark__create_comment_search_index() -%}
    select 1
{%- endmacro %}

{# ---- security.sql and contracts ------------------------------------------------------------ #}

{#- Open-source Spark has no GRANT (a managed platform's catalog does; configure it there): the
    grants config is a no-op instead of an error on every model. -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

{#- Enforced contracts name portable types (text, double precision, timestamp with time zone):
    the expected schema is built from their Spark names (spark_type), so a contract is still
    checked column by column and type by type on Spark. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    select
    {% for i in columns -%}
        {%- set col = columns[i] -%}
        {%- if col['data_type'] is not defined -%}
            {{ exceptions.raise_compiler_error("contract column " ~ col['name'] ~ " has no data_type") }}
        {%- endif %}
        cast(null as {{ trendcast.spark_type(col['data_type']) }}) as {{ col['name'] }}{{ ", " if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# ---- incremental_strategy.sql: delete+insert on plain Parquet ------------------------------ #}

{#- Spark's insert_overwrite for models with a unique_key (incremental_strategy_for_target gives
    insert_overwrite on Spark where DuckDB and Postgres run delete+insert). dbt-spark's own
    insert_overwrite would replace the table (or, with partition_by, the partitions the new rows
    fall in) by the new rows alone; a model here emits only new and changed rows, so the stored
    rows must come along. Without Delta or Iceberg (no MERGE), this is delete+insert by rewrite:
      1. the partitions to rewrite: those of the new rows and those holding a stored row whose key
         comes again (the whole table when the model has no partition_by);
      2. stage = the new rows + the stored rows of those partitions whose key does not come
         again, written to a Parquet table (Spark cannot overwrite a table the same query reads);
      3. insert overwrite the target from the stage (dynamic partition overwrite with
         partition_by), then drop the stage.
    With partition_by, a key's partition must not change between runs (the partition column is
    part of the key, or a function of it: an event's hour): a dynamic overwrite replaces only
    the partitions the stage has rows in, so a row that moved out of a partition holding
    nothing else would stay behind. Keys compare NULL-safe (<=>). Models without a unique_key, and Iceberg tables, keep
    dbt-spark's behaviour. Steps 1-2 run here (run_query); the statement returned is step 3.
    With file_format delta/iceberg a user can set incremental_strategy='merge' instead. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) -%}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set dest_cols_csv = dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if existing_relation.is_iceberg -%}
        insert overwrite {{ target_relation }}
        select {{ dest_cols_csv }} from {{ source_relation }}
    {%- elif not unique_key -%}
        insert overwrite table {{ target_relation }}
        {{ partition_cols(label="partition") }}
        select {{ dest_cols_csv }} from {{ source_relation }}
    {%- else -%}
        {%- set keys = [unique_key] if unique_key is string else unique_key -%}
        {%- set partitions = config.get('partition_by') or [] -%}
        {%- set partitions = [partitions] if partitions is string else partitions -%}
        {%- set stage = target_relation.incorporate(path={"identifier": target_relation.identifier ~ '__dbt_stage'}) -%}
        {%- set key_match -%}
            {%- for k in keys %}{{ 'and ' if not loop.first }}s.{{ k }} <=> t.{{ k }} {% endfor -%}
        {%- endset -%}
        {%- call statement('spark_stage_drop') -%}
            drop table if exists {{ stage }}
        {%- endcall -%}
        {%- call statement('spark_stage') -%}
            create table {{ stage }} using parquet as
            select {{ dest_cols_csv }} from {{ source_relation }}
            union all
            select {% for c in dest_columns %}t.{{ c.quoted }}{{ ', ' if not loop.last }}{% endfor %}
            from {{ target_relation }} as t
            where
                not exists (select 1 from {{ source_relation }} as s where {{ key_match }})
                {%- if partitions %}
                and ({% for p in partitions %}t.{{ p }}{{ ', ' if not loop.last }}{% endfor %}) in (
                    select {% for p in partitions %}s.{{ p }}{{ ', ' if not loop.last }}{% endfor %}
                    from {{ source_relation }} as s
                    union
                    select {% for p in partitions %}t2.{{ p }}{{ ', ' if not loop.last }}{% endfor %}
                    from {{ target_relation }} as t2
                    inner join {{ source_relation }} as s
                        on {{ key_match | replace('t.', 't2.') }}
                )
                {%- endif %}
        {%- endcall -%}
        {%- call statement('spark_overwrite') -%}
            insert overwrite table {{ target_relation }}
            {{ partition_cols(label="partition") }}
            select {{ dest_cols_csv }} from {{ stage }}
        {%- endcall -%}
        drop table if exists {{ stage }}
    {%- endif -%}
{%- endmacro %}

{# ---- seeds --------------------------------------------------------------------------------- #}

{#- dbt-spark's session method pastes seed values into the SQL without escaping quotes (a value
    such as "user's" breaks the statement): here every value is rendered as an escaped literal. -#}
{% macro _spark_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is boolean -%}{{ 'true' if value else 'false' }}
    {%- elif value is number -%}{{ value }}
    {%- elif value is string -%}'{{ value | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- else -%}'{{ value.isoformat() }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ trendcast._spark_literal(row[loop.index0]) }} as {{ trendcast.spark_type(type) }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{#- the seeds' column_types name portable types (text, double precision): in Spark's words -#}
{% macro spark__create_csv_table(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set sql -%}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ trendcast.spark_type(type) }}
                {%- if not loop.last -%}, {% endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(sql) }}
{%- endmacro %}

{#- dbt-spark writes a contract's constraints (ALTER COLUMN ... SET NOT NULL) when file_format is
    unset, as if it were delta; plain Parquet tables refuse the statement. Constraints go to the
    table only with Delta; elsewhere the contract's not_null stays a dbt test. -#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format', 'parquet') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{%- endmacro %}

{# ---- the forecasting lineage ---------------------------------------------------------------- #}

{#- Spark's text of a timestamp has no zone ('2025-05-23 00:00:00', fractions trimmed as on
    DuckDB and Postgres); the session is UTC (profiles.yml), so the others' '+00' is appended -#}
{% macro spark__timestamptz_text(expr) -%}
    concat(cast({{ expr }} as string), '+00')
{%- endmacro %}
