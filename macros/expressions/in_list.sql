{# sql list literal: ('a', 'b') #}
{% macro trends_in_list(values) -%}
    ({% for v in values %}'{{ v }}'{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
