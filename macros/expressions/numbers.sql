{#- Small numeric helpers (date parts and epochs: cross_db/dates.sql). -#}

{# x / y, null when y is 0 or null, as a double #}
{% macro trends_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}

{# integer remainder (bigint operands) #}
{% macro trends_mod(a, b) -%}
    mod(cast({{ a }} as {{ dbt.type_bigint() }}), {{ b }})
{%- endmacro %}

{# 0 .. 10^digits - 1, one row each, as column `n` (portable: VALUES and cross joins only) #}
{% macro core_integers(digits) -%}
    select
        {% for i in range(digits) -%}
            d{{ i }}.n * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as n
    from
        {% for i in range(digits) -%}
            (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d{{ i }} (n)
            {%- if not loop.last %} cross join {% endif %}
        {% endfor %}
{%- endmacro %}
