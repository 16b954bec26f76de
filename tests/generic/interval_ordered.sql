{#- Fails for every row whose interval is inverted (lower above upper); NULL bounds pass. -#}
{% test interval_ordered(model, lower, upper) %}

select {{ lower }}, {{ upper }}
from {{ model }}
where {{ lower }} is not null and {{ upper }} is not null and {{ lower }} > {{ upper }}

{% endtest %}
