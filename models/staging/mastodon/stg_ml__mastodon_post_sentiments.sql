{{ config(materialized='view') }}
-- One sentiment analysis per Mastodon post version, as written by python_ml (ml schema, not dbt):
-- the audit fields say which model and ruleset produced it from which input. Until the first
-- analysis run the table does not exist, and this model is empty with the same columns.
-- depends_on: {{ source('ml_mastodon', 'mastodon_post_sentiments') }}
with

sentiments as (
    select * from {{ trends_relation_or_empty(source('ml_mastodon', 'mastodon_post_sentiments'), [
        ['instance', dbt.type_string()],
        ['status_id', dbt.type_string()],
        ['version_valid_from', dbt.type_timestamp()],
        ['status_version_seq', dbt.type_bigint()],
        ['language_code', dbt.type_string()],
        ['analysis_status', dbt.type_string()],
        ['sentiment_label', dbt.type_string()],
        ['compound_score', type_double()],
        ['positive_score', type_double()],
        ['neutral_score', type_double()],
        ['negative_score', type_double()],
        ['model', dbt.type_string()],
        ['prompt_version', dbt.type_string()],
        ['input_hash', dbt.type_string()],
        ['analyzed_at', dbt.type_timestamp()],
        ['is_reused', dbt.type_boolean()],
    ]) }} as s
),

final as (
    select * from sentiments
)

select * from final
