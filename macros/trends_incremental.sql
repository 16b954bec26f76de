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
