{#- Incremental plumbing for the trend feature store (models/marts/trends).

    The strategy comes from incremental_strategy_for_target() (macros/incremental_strategy.sql) and
    the Postgres join hint from prefer_hash_joins (macros/cross_db/planner_hints.sql), like every
    other model.

    trends_incremental_cutoff(column, extra_hours): on an incremental run, the time from which rows
    are recomputed: max(column) already in the table minus var('lookback_hours') (late data) minus
    `extra_hours` (history a window function needs). On a full refresh: none (everything). -#}

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
