{#- Indexes for the incremental tables on Postgres only (the delete+insert on event_id, the
    anti-join on re-deliveries and max(fetched_at) of the window use them). DuckDB gets none: its
    ART indexes would slow the bulk inserts and deletes down. -#}
{% macro core_postgres_indexes(column_lists) -%}
    {%- set out = [] -%}
    {%- if target.type == 'postgres' -%}
        {%- for cols in column_lists -%}
            {%- do out.append({'columns': cols}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}
