{#- A relation that may not exist yet (tables written by Python steps: ml.predictions,
    ml.hashtag_themes). When it exists, select `columns` from it; otherwise an empty select with
    the same typed columns, so the models that read it build before the first Python run.

    relation: a source() or ref() relation.  columns: list of [name, type] pairs (types as SQL). -#}
{% macro trends_relation_or_empty(relation, columns) -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
    {%- endif -%}
    {%- if found is not none -%}
        {%- set present = adapter.get_columns_in_relation(found) | map(attribute='name') | map('lower') | list -%}
    (
        select
        {%- for col in columns %}
            {% if col[0] in present -%}
            cast({{ col[0] }} as {{ trendcast.type_name(col[1]) }}) as {{ col[0] }}
            {%- else -%}
            cast(null as {{ trendcast.type_name(col[1]) }}) as {{ col[0] }}
            {%- endif -%}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ relation }}
    )
    {%- else -%}
    (
        select
        {%- for col in columns %}
            cast(null as {{ trendcast.type_name(col[1]) }}) as {{ col[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
        where 1 = 0
    )
    {%- endif -%}
{%- endmacro %}
