{#- Incremental plumbing for the trend feature store (models/marts/trends).

    trends_incremental_strategy(): the strategy by target type, chosen in one place
    (delete+insert on DuckDB and Postgres, insert_overwrite on Spark, merge elsewhere).
    If the star-schema macro `incremental_strategy()` (macros/incremental_strategy.sql) lands,
    this can delegate to it; the trends marts only call this one.

    trends_incremental_cutoff(column, extra_hours): on an incremental run, the time from which rows
    are recomputed: max(column) already in the table minus var('lookback_hours') (late data) minus
    `extra_hours` (history a window function needs). On a full refresh: none (everything). -#}

{% macro trends_incremental_strategy() -%}
    {%- if target.type in ('duckdb', 'postgres') -%}
        delete+insert
    {%- elif target.type == 'spark' -%}
        insert_overwrite
    {%- else -%}
        merge
    {%- endif -%}
{%- endmacro %}

{% macro trends_incremental_cutoff(this_column, extra_hours=0) -%}
    {%- set hours = (var('lookback_hours', 48) | int) + (extra_hours | int) -%}
    {{ dbt.dateadd('hour', -1 * hours, '(select max(' ~ this_column ~ ') from ' ~ this ~ ')') }}
{%- endmacro %}

{#- `and <expr> >= cutoff` on incremental runs, nothing on a full refresh. `this_column` is the
    column of the model's own table the cutoff is taken from (default: expr). -#}
{% macro trends_incremental_filter(expr, extra_hours=0, this_column=none) -%}
    {%- if is_incremental() %}
        and {{ expr }} >= {{ trends_incremental_cutoff(this_column or expr, extra_hours) }}
    {%- endif -%}
{%- endmacro %}

{#- Postgres plans the joins of freshly built tables (no statistics yet, e.g. ml.predictions right
    after a scoring run) as nested loops over "1 row" estimates: minutes instead of seconds. Every
    trends join has an equality key, so the feature marts turn nested loops off for their own
    statement and reset it afterwards. Use: config(pre_hook=trends_pre_hook(), post_hook=trends_post_hook()). -#}
{% macro trends_pre_hook() -%}
    {%- if target.type == 'postgres' -%}set enable_nestloop = off{%- else -%}select 1{%- endif -%}
{%- endmacro %}

{% macro trends_post_hook() -%}
    {%- if target.type == 'postgres' -%}reset enable_nestloop{%- else -%}select 1{%- endif -%}
{%- endmacro %}
