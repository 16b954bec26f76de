{#- Incremental by landing batch, for tables derived from raw rows one batch at a time (the parsed
    event stream): the batches not yet in {{ this }}. Batches are immutable once landed (one
    transaction each) and every row key carries its batch_id, so these models append and still
    equal a full refresh, whatever a late file's fetched_at. NOT IN against the distinct batch
    ids (a few per hour), not a correlated NOT EXISTS: DuckDB decorrelates NOT EXISTS into a join
    that materialises every candidate row first; NOT IN is an uncorrelated hash probe on both
    engines (Postgres: a hashed subplan). batch_id is never NULL (raw primary key), so NOT IN's
    NULL rule cannot bite. Use inside `{% if is_incremental() %}`. -#}
{% macro batch_not_yet_loaded(batch_column) -%}
    {{ batch_column }} not in ({{ processed_batch_ids() }})
{%- endmacro %}

{# the batch ids {{ this }} already holds: one row per batch (a few per hour), not one per row;
   batch_not_yet_loaded and the event tables' CTE processed_batches (event_deliveries.sql) #}
{% macro processed_batch_ids() -%}
    select distinct processed.batch_id
    from {{ this }} as processed
    where processed.batch_id is not null
{%- endmacro %}

{#- For staging tables that keep one row per key (the latest observation): on an incremental run,
    the stored rows of the keys the new batches saw again, appended to the new candidates
    (`relation`, a CTE with `columns`), so the ranking after it sees the stored and the new
    observation together and an incremental run equals a full refresh. `keys` are the columns
    that identify an observation. Renders nothing on a full refresh. -#}
{% macro union_stored_rows_of_seen_keys(relation, columns, keys) -%}
    {%- if is_incremental() %}
        union all
        select
            t.{{ columns | join(',\n            t.') }}
        from {{ this }} as t
        inner join (select distinct {{ keys | join(', ') }} from {{ relation }}) as seen
            on
            {%- for key in keys %}
                {% if not loop.first %}and {% endif %}t.{{ key }} = seen.{{ key }}
            {%- endfor %}
    {%- endif %}
{%- endmacro %}
