-- Domain mentions the extractor wrote (trendcast/domains/store.py); empty before its first run.
with

mentions as (
    select * from {{ trends_relation_or_empty(source('domains_extracted', 'mentions'), [
        ['comment_key', dbt.type_string()],
        ['mention_index', dbt.type_bigint()],
        ['domain_name', dbt.type_string()],
        ['domain_unicode', dbt.type_string()],
        ['suffix', dbt.type_string()],
        ['subdomain', dbt.type_string()],
        ['host', dbt.type_string()],
        ['position', dbt.type_bigint()],
        ['match_length', dbt.type_bigint()],
        ['confidence', 'double precision'],
        ['method', dbt.type_string()],
        ['is_shortener', dbt.type_boolean()],
        ['context', dbt.type_string()],
        ['extracted_at', 'timestamp with time zone'],
        ['extractor_version', dbt.type_string()],
    ]) }} as src
),

final as (
    select * from mentions
)

select * from final
