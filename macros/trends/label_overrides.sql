{#- The join condition of a rule label (alias `label`) and a human label of
    seeds/viral_label_overrides.csv (alias `override`): the same entity on the same platform,
    as_of_at in [as_of_from, as_of_to), and the window and definition when the human label names
    them (NULL: every window, every definition). -#}
{% macro trends_override_matches(label, override) -%}
    {{ label }}.entity_type = {{ override }}.entity_type
    and {{ label }}.platform = {{ override }}.platform
    and {{ label }}.entity_id = {{ override }}.entity_id
    and {{ label }}.as_of_at >= {{ override }}.as_of_from
    and {{ label }}.as_of_at < {{ override }}.as_of_to
    and ({{ override }}.window_hours is null or {{ label }}.window_hours = {{ override }}.window_hours)
    and ({{ override }}.definition_id is null or {{ label }}.definition_id = {{ override }}.definition_id)
{%- endmacro %}
