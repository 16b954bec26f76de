{#- Planner hint for marts whose freshly built inputs have no statistics yet: Postgres then
    estimates a handful of rows and picks nested loops (minutes instead of seconds). Hash/merge
    joins are right for these equi-joins; other targets need nothing. -#}
{% macro prefer_hash_joins(enable) -%}
    {{ return(adapter.dispatch('prefer_hash_joins', 'trendcast')(enable)) }}
{%- endmacro %}

{% macro default__prefer_hash_joins(enable) -%}
    select 1
{%- endmacro %}

{% macro postgres__prefer_hash_joins(enable) -%}
    {%- if enable -%}set enable_nestloop = off{%- else -%}reset enable_nestloop{%- endif -%}
{%- endmacro %}
