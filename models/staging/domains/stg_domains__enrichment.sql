-- Enrichment results (trendcast/domains/enrich.py); empty until `trendcast domains enrich` runs.
with

enrichment as (
    select * from {{ trends_relation_or_empty(source('domains_extracted', 'enrichment'), [
        ['domain_name', dbt.type_string()],
        ['metadata_json', dbt.type_string()],
        ['is_reachable', dbt.type_boolean()],
        ['checked_at', 'timestamp with time zone'],
        ['error', dbt.type_string()],
    ]) }} as src
),

final as (
    select * from enrichment
)

select * from final
