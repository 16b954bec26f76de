{#- Small numeric helpers for the trend feature store (date parts and epochs: cross_db/dates.sql). -#}

{# x / y, null when y is 0 or null, as a double #}
{% macro trends_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}

{# integer remainder (bigint operands) #}
{% macro trends_mod(a, b) -%}
    mod(cast({{ a }} as {{ dbt.type_bigint() }}), {{ b }})
{%- endmacro %}
