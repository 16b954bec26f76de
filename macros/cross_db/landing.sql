{#- Which landed lines staging may read. DuckDB and Postgres land a batch in one transaction, so
    every committed line is readable. Spark's Parquet tables have no transactions: the batch row
    in raw.ingestion_batches is written last (trendcast/landing/spark.py) and is the commit mark,
    so on Spark staging reads only the lines of batches that have it. -#}
{% macro committed_batches_only(batch_column) -%}
    {{ return(adapter.dispatch('committed_batches_only', 'trendcast')(batch_column)) }}
{%- endmacro %}

{% macro default__committed_batches_only(batch_column) -%}
{%- endmacro %}

{% macro spark__committed_batches_only(batch_column) -%}
    and {{ batch_column }} in (select committed.batch_id from {{ source('raw', 'ingestion_batches') }} as committed)
{%- endmacro %}
