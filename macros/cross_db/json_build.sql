{#- A JSON object, as text, from (key, SQL expression) pairs; NULL values stay JSON null. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'trendcast')(pairs)) }}
{%- endmacro %}

{% macro duckdb__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, expr in pairs %}'{{ key }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor -%}
    ) as varchar)
{%- endmacro %}

{% macro postgres__json_object_text(pairs) -%}
    cast(json_build_object(
        {%- for key, expr in pairs %}'{{ key }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor -%}
    ) as text)
{%- endmacro %}
