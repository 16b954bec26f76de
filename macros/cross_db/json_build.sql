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

{#- A JSON array, as text, of expr over the group, in order_by order (an aggregate). -#}
{% macro json_array_agg_text(expr, order_by) -%}
    {{ return(adapter.dispatch('json_array_agg_text', 'trendcast')(expr, order_by)) }}
{%- endmacro %}

{% macro duckdb__json_array_agg_text(expr, order_by) -%}
    cast(to_json(list({{ expr }} order by {{ order_by }})) as varchar)
{%- endmacro %}

{% macro postgres__json_array_agg_text(expr, order_by) -%}
    cast(json_agg({{ expr }} order by {{ order_by }}) as text)
{%- endmacro %}

{#- A JSON object, as text, of key_expr: value_expr over the group, keys in order_by order. -#}
{% macro json_object_agg_text(key_expr, value_expr, order_by) -%}
    {{ return(adapter.dispatch('json_object_agg_text', 'trendcast')(key_expr, value_expr, order_by)) }}
{%- endmacro %}

{#- json_group_object is a macro in DuckDB and takes no ORDER BY: a map built from two ordered
    lists keeps the key order, so the text is the same on every run -#}
{% macro duckdb__json_object_agg_text(key_expr, value_expr, order_by) -%}
    cast(to_json(map(
        list({{ key_expr }} order by {{ order_by }}), list({{ value_expr }} order by {{ order_by }})
    )) as varchar)
{%- endmacro %}

{% macro postgres__json_object_agg_text(key_expr, value_expr, order_by) -%}
    cast(json_object_agg({{ key_expr }}, {{ value_expr }} order by {{ order_by }}) as text)
{%- endmacro %}
