{#- The one place that picks the incremental strategy per target (GUIDE: choose by target.type in
    one macro, not in every model).
    append=false: delete+insert replaces every row whose unique_key appears in the new batch, which
    is what the lookback re-processing needs; Spark has no delete+insert, so it would overwrite the
    affected partitions instead.
    append=true: for tables that only ever gain rows (one landing batch at a time, see
    batch_not_yet_loaded in batches.sql): append, which every target has. -#}
{% macro incremental_strategy_for_target(append=false) -%}
    {%- if append -%}
        append
    {%- elif target.type in ('duckdb', 'postgres') -%}
        delete+insert
    {%- elif target.type in ('spark', 'databricks') -%}
        insert_overwrite
    {%- else -%}
        delete+insert
    {%- endif -%}
{%- endmacro %}

{#- The config of a table incremental on `unique_key` with the target's strategy, so a model states
    only what is its own: the key and `index_columns`, its Postgres indexes (core_postgres_indexes).
    Further keyword arguments (hooks) pass through to config(). -#}
{% macro incremental_table_config(unique_key, index_columns=[]) -%}
    {{ config(
        materialized='incremental',
        unique_key=unique_key,
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes(index_columns),
        **kwargs
    ) }}
{%- endmacro %}
