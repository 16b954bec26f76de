-- Record counts of the data-quality checks that look at data as parsed (staging): per check and
-- subject, the rows a rule applies to and the rows that fail it, with the rule's text.
-- python_ml/quality/checks.py turns them into severities (through the mart
-- staging_quality_counts); the rules live once, in macros/rules/data_quality.sql.
with

counted as (
    {{ staging_quality_counts_sql(staging_quality_rules()) }}
),

final as (
    select * from counted
)

select * from final
