{#- Planner hint for marts whose freshly built inputs have no statistics yet: Postgres then
    estimates a handful of rows and picks nested loops (minutes instead of seconds). Hash/merge
    joins are right for these equi-joins; other targets need nothing. -#}
{% macro prefer_hash_joins(enable) -%}
    {{ return(adapter.dispatch('prefer_hash_joins', 'trendcast')(enable)) }}
{%- endmacro %}

{% macro default__prefer_hash_joins(enable) -%}
    select 1
{%- endmacro %}

{% macro postgres__prefer_hash_joins(enable) -%}
    {%- if enable -%}set enable_nestloop = off{%- else -%}reset enable_nestloop{%- endif -%}
{%- endmacro %}

{#- Stronger than prefer_hash_joins, for a mart that joins several CTEs of its own on one key
    (youtube_chart_features: five feature CTEs on (region_code, video_id)). Postgres has no
    statistics for a CTE's window or union output, estimates tens of rows for hundreds of
    thousands, and then reorders the joins: on six years of charts it joined two of the CTEs on
    region_code alone (a merge join with video_id as a filter: quadratic in a region's entries)
    and ran for over 45 minutes. Here Postgres joins in the order the SQL is written (each CTE
    to the entries on the whole key) and by hash only. Other targets need nothing. -#}
{% macro join_as_written(enable) -%}
    {{ return(adapter.dispatch('join_as_written', 'trendcast')(enable)) }}
{%- endmacro %}

{% macro default__join_as_written(enable) -%}
    select 1
{%- endmacro %}

{% macro postgres__join_as_written(enable) -%}
    {%- if enable -%}
        set join_collapse_limit = 1; set from_collapse_limit = 1;
        set enable_nestloop = off; set enable_mergejoin = off
    {%- else -%}
        reset join_collapse_limit; reset from_collapse_limit; reset enable_nestloop; reset enable_mergejoin
    {%- endif -%}
{%- endmacro %}

{#- Session memory for the warehouse's big sorts and hashes, run before every model
    (dbt_project.yml +pre-hook). Postgres' default work_mem (4 MB) sends every sort and hash of a
    10M-row fact to temp files: at 10M events/day `trending_content` and `content_lifecycle`
    wrote 20 GB of temp files and ran for minutes (measured). TRENDCAST_PG_WORK_MEM sets it
    (default 256MB; dbt runs two models at a time). DuckDB manages its own memory. -#}
{% macro session_settings() -%}
    {{ return(adapter.dispatch('session_settings', 'trendcast')()) }}
{%- endmacro %}

{% macro default__session_settings() -%}
    select 1
{%- endmacro %}

{% macro postgres__session_settings() -%}
    set work_mem = '{{ env_var("TRENDCAST_PG_WORK_MEM", "256MB") }}'
{%- endmacro %}

{#- Fresh statistics for every table a model writes (dbt_project.yml +post-hook). Postgres'
    autovacuum analyzes a new table only later, so the next model plans with default estimates:
    at 10M events/day trending_content estimated 400 groups for ~100k, joined them to dim_content
    in a nested loop and ran for minutes (measured). ANALYZE samples a fixed number of rows
    (about a second on a 10M-row table). Views need none; DuckDB keeps its own statistics. -#}
{% macro refresh_statistics() -%}
    {{ return(adapter.dispatch('refresh_statistics', 'trendcast')()) }}
{%- endmacro %}

{% macro default__refresh_statistics() -%}
    select 1
{%- endmacro %}

{% macro postgres__refresh_statistics() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- One DuckDB thread while a model runs, for the two kinds of model whose working set grows with
    the thread count:
    - models that explode large documents (YouTube chart pages: 50 items with descriptions up to
      5,000 characters, ~100 KB each). DuckDB scans 2,048 rows per vector, so each thread holds a
      few hundred MB of raw JSON plus its parsed copy; with two threads the dedupe behind the
      parse ran out of memory at a 2.5 GB limit on six years of charts, with one it finished;
    - hashtag_features, whose ~20 trailing-window sums over one partition order each hold a
      partition of wide rows pinned per thread: on six years of charts (10.8M rows) it ran out of
      memory at 2.5 GB after 30 s with two threads and finished with one (measured).
    DuckDB's thread count is per database, so it is set back after the model (post-hook).
    Postgres bounds each sort and hash by work_mem and needs nothing. -#}
{% macro single_thread(enable) -%}
    {{ return(adapter.dispatch('single_thread', 'trendcast')(enable)) }}
{%- endmacro %}

{% macro default__single_thread(enable) -%}
    select 1
{%- endmacro %}

{% macro duckdb__single_thread(enable) -%}
    {%- if enable -%}set threads = 1{%- else -%}reset threads{%- endif -%}
{%- endmacro %}
