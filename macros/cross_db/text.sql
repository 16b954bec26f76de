{#- Regular expressions and text helpers. -#}

{% macro regex_like(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_like', 'trendcast')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_like(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_like(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{# A FROM-clause fragment: one row per match of the first capture group of `pattern` in `expr`,
   as <alias>.<name>. #}
{% macro regex_match_rows(expr, pattern, name, alias) -%}
    {{ return(adapter.dispatch('regex_match_rows', 'trendcast')(expr, pattern, name, alias)) }}
{%- endmacro %}

{% macro duckdb__regex_match_rows(expr, pattern, name, alias) -%}
    cross join lateral (
        select unnest(regexp_extract_all({{ expr }}, '{{ pattern }}', 1)) as {{ name }}
    ) as {{ alias }}
{%- endmacro %}

{% macro postgres__regex_match_rows(expr, pattern, name, alias) -%}
    cross join lateral (
        select (regexp_matches({{ expr }}, '{{ pattern }}', 'g'))[1] as {{ name }}
    ) as {{ alias }}
{%- endmacro %}
