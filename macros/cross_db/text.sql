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

{# `expr` without its leading and trailing space separators: DuckDB's trim() removes the Unicode
   space separators (category Zs: the ASCII space, no-break space, ideographic space U+3000, ...),
   not tabs or line breaks; Postgres's trim() removes the ASCII space only. #}
{% macro trim_spaces(expr) -%}
    {{ return(adapter.dispatch('trim_spaces', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro default__trim_spaces(expr) -%}
    trim({{ expr }})
{%- endmacro %}

{# The visible text of an HTML fragment (Mastodon's `content`): tags removed, <br> and </p> as
   spaces, the five entities Mastodon escapes unescaped, whitespace collapsed. #}
{% macro html_to_text(expr) -%}
    {{ return(adapter.dispatch('html_to_text', 'trendcast')(expr)) }}
{%- endmacro %}

{% macro _html_entities(expr) -%}
    replace(replace(replace(replace(replace(replace({{ expr }},
        '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&apos;', ''''), '&amp;', '&')
{%- endmacro %}

{% macro duckdb__html_to_text(expr) -%}
    trim(regexp_replace({{ trendcast._html_entities(
        "regexp_replace(regexp_replace(" ~ expr ~ ", '<br ?/?>|</p>', ' ', 'g'), '<[^>]*>', '', 'g')"
    ) }}, '\s+', ' ', 'g'))
{%- endmacro %}

{% macro postgres__html_to_text(expr) -%}
    btrim(regexp_replace({{ trendcast._html_entities(
        "regexp_replace(regexp_replace(" ~ expr ~ ", '<br ?/?>|</p>', ' ', 'g'), '<[^>]*>', '', 'g')"
    ) }}, '\s+', ' ', 'g'))
{%- endmacro %}
