{#- The handle of an X account id: the timeline API's responses carry only the numeric id, so the
    handle comes from var x_account_handles ({account_id: handle}); unknown ids keep the id. -#}
{% macro x_account_handle(account_id) -%}
    {%- set handles = var('x_account_handles', {'44196397': 'elonmusk'}) -%}
    {%- if handles -%}
        case {{ account_id }}
            {% for k, v in handles.items() %}when '{{ k }}' then '{{ v }}' {% endfor -%}
            else {{ account_id }}
        end
    {%- else -%}
        {{ account_id }}
    {%- endif -%}
{%- endmacro %}
