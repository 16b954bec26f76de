{#- The lookback window of models incremental by time (the core facts fed by snapshots, the trend
    feature store): on an incremental run, rows at or after the latest value already stored minus
    var('lookback_hours') are recomputed (late data); older rows are final. -#}

{#- The cutoff: max(`column`) of `relation` (default: the model itself) minus
    lookback_factor * var('lookback_hours') minus `extra_hours`, as a scalar subquery (a
    timestamptz; 1900-01-01 when the table is still empty, so an incremental run on an empty table
    takes everything, like a full refresh). Only meaningful inside is_incremental().
    lookback_factor=2: models downstream of other incremental facts, whose watermark can run
    slightly ahead of the upstream fact's; a wider window only recomputes more rows (still
    exactly), never fewer. extra_hours: history a window function needs before the first
    recomputed row (the trend features' baselines, the label windows). -#}
{% macro core_incremental_cutoff(column='fetched_at', relation=none, lookback_factor=1, extra_hours=0) -%}
    {%- set rel = relation if relation is not none else this -%}
    {%- set hours = lookback_factor * (var('lookback_hours') | int) + (extra_hours | int) -%}
    (
        select
            coalesce(
                {{ dbt.dateadd('hour', -1 * hours, 'max(' ~ column ~ ')') }},
                cast('1900-01-01 00:00:00+00' as {{ type_timestamptz() }})
            )
        from {{ rel }}
    )
{%- endmacro %}

{#- `and <expr> >= cutoff` on incremental runs, nothing on a full refresh. `this_column` is the
    column of the model's own table the cutoff is taken from (default: expr). -#}
{% macro trends_incremental_filter(expr, extra_hours=0, this_column=none) -%}
    {%- if is_incremental() %}
        and {{ expr }} >= {{ core_incremental_cutoff(this_column or expr, extra_hours=extra_hours) }}
    {%- endif -%}
{%- endmacro %}
