{#- Schemas are named by layer (staging, core, trends, ...) exactly, not prefixed with the
    target schema: BI tools and Python read stable names. Test isolation comes from a throwaway
    database (Postgres) or file (DuckDB) per run, not from schema prefixes. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
