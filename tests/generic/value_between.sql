{#- Fails for every row whose column is outside [min_value, max_value] (NULLs pass).
    A range is an expectation about data, not a contract: severity warn by default, so a real
    value outside it (likes above views, a counter that goes down) is counted in the run results
    and never stops the build. A range that a model's own code guarantees (calendar parts) sets
    `config: {severity: error}` where it is used. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

{{ config(severity='warn') }}
{%- set below = column_name ~ ' < ' ~ min_value if min_value is not none else 'false' %}
{%- set above = column_name ~ ' > ' ~ max_value if max_value is not none else 'false' %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and ({{ below }} or {{ above }})

{% endtest %}
