-- The latest enrichment of each domain (one row per domain by construction of the writer).
with

enrichment as (
    select * from {{ ref('stg_domains__enrichment') }}
),

final as (
    select
        domain_name,
        metadata_json,
        is_reachable,
        checked_at,
        error
    from enrichment
)

select * from final
