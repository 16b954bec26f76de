{#- The processed (valid, first-seen) API calls of one source, as a subquery for staging models.
    Failed and duplicate lines stay in raw.api_responses for audit; staging never reads them. -#}
{% macro raw_api_responses(source_name) -%}
    (
        select
            batch_id,
            line_no,
            source,
            endpoint,
            params,
            fetched_at,
            raw_json
        from {{ source('raw', 'api_responses') }}
        where
            processing_status = 'processed'
            and source = '{{ source_name }}'
    )
{%- endmacro %}
