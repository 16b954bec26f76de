{#- Helpers for the platform stream's smaller event families (experiments, safety, accounts). -#}

{#- 1 for the first delivery of each event (at-least-once delivery repeats an event_id), in the
    delivery order every fact of the star schema uses (core_delivery_key). -#}
{% macro platform_delivery_rank(alias) -%}
    row_number() over (
        partition by {{ alias }}.event_id
        order by {% for column in core_delivery_key() %}{{ alias }}.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    )
{%- endmacro %}
