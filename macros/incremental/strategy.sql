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

{#- The storage partitioning of an incremental table, chosen here as the strategy is above.
    On Spark an incremental run rewrites what it touches (insert_overwrite by delete+insert,
    get_insert_overwrite_sql in macros/cross_db/spark.sql): partitioned by a date column, an hourly
    run rewrites the days its rows fall in instead of the whole table. DuckDB and Postgres update
    rows in place and keep one unpartitioned table (none). -#}
{% macro partition_by_for_target(column) -%}
    {%- if column and target.type in ('spark', 'databricks') -%}
        {{ return(column) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}

{#- The config of a table incremental on `unique_key` with the target's strategy, so a model states
    only what is its own: the key, `index_columns` (its Postgres indexes, core_postgres_indexes)
    and `partition_date`, the date column its rows are stored by on Spark (partition_by_for_target).
    Further keyword arguments (hooks) pass through to config(). -#}
{% macro incremental_table_config(unique_key, index_columns=[], partition_date=none) -%}
    {{ config(
        materialized='incremental',
        unique_key=unique_key,
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes(index_columns),
        partition_by=partition_by_for_target(partition_date),
        **kwargs
    ) }}
{%- endmacro %}
