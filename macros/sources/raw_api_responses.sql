{#- The processed (valid, first-seen) API calls of one source, as a subquery for staging models.
    Failed and duplicate lines stay in raw.api_responses for audit; staging never reads them.
    with_landed_at adds landed_at, when the line's file was landed (its batch committed, else
    created): what incremental models watermark on, since fetched_at says when the data became
    known, not when it reached the warehouse (a late file can carry old fetch times). -#}
{% macro raw_api_responses(source_name, with_landed_at=false) -%}
    (
        select
            r.batch_id,
            r.line_no,
            r.source,
            r.endpoint,
            r.params,
            r.fetched_at,
            r.raw_json
            {%- if with_landed_at %},
            coalesce(b.completed_at, b.created_at) as landed_at
            {%- endif %}
        from {{ source('raw', 'api_responses') }} as r
        {%- if with_landed_at %}
        left join {{ source('raw', 'ingestion_batches') }} as b
            on r.batch_id = b.batch_id
        {%- endif %}
        where
            r.processing_status = 'processed'
            and r.source = '{{ source_name }}'
            {{ committed_batches_only('r.batch_id') }}
    )
{%- endmacro %}
