{#- One row per element of a list that platform upload / content_update events state about a video
    (its hashtags, its effects), exploded from the JSON column stg_platform__events already parsed,
    so the event stream is parsed once. Incremental by landing batch and append-only like
    stg_platform__events: a delivery's rows never change once landed. Not deduplicated (one row per
    delivery): consumers dedupe on event_id. Rows without a content_id are left out: an upload whose
    content_id was lost in delivery cannot attach its list to anything; the event itself stays in
    stg_platform__events (and raw) for the data-quality checks. -#}

{# list_column: the events' JSON array column; item_column / index_column / id_column: the output
   names of the element, its 1-based position and the row key; item_expression: the element's SQL,
   with {} standing for its text #}
{% macro platform_content_list_exploded(list_column, item_column, index_column, id_column, item_expression='{}') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy=incremental_strategy_for_target(append=true),
        on_schema_change='fail',
        indexes=core_postgres_indexes([[id_column], ['content_id'], ['batch_id']]),
    ) }}
    with

    content_events as (
        select
            e.batch_id,
            e.line_no,
            e.event_index,
            e.fetched_at,
            e.event_id,
            e.content_id,
            e.occurred_at,
            e.{{ list_column }}
        from {{ ref('stg_platform__events') }} as e
        where
            e.event_type in ('upload', 'content_update')
            and e.{{ list_column }} is not null
        {% if is_incremental() %}
            and {{ batch_not_yet_loaded('e.batch_id') }}
        {% endif %}
    ),

    exploded as (
        select
            c.batch_id,
            c.line_no,
            c.event_index,
            l.{{ index_column }},
            c.fetched_at,
            c.event_id,
            c.content_id,
            c.occurred_at,
            {{ item_expression | replace('{}', json_scalar_text('l.list_element')) }} as {{ item_column }}
        from content_events as c
        {{ json_array_rows(parse_json('c.' ~ list_column), [], 'list_element', index_column, 'l') }}
    ),

    final as (
        select
            {{ dbt.concat([
                'batch_id', "'-'", 'cast(line_no as ' ~ dbt.type_string() ~ ')', "'-'",
                'cast(event_index as ' ~ dbt.type_string() ~ ')', "'-'",
                'cast(' ~ index_column ~ ' as ' ~ dbt.type_string() ~ ')',
            ]) }} as {{ id_column }},
            batch_id,
            line_no,
            event_index,
            {{ index_column }},
            event_id,
            content_id,
            {{ item_column }},
            occurred_at,
            fetched_at
        from exploded
        where {{ item_column }} is not null and {{ item_column }} <> '' and content_id is not null
    )

    select * from final
{%- endmacro %}
