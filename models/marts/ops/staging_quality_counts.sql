-- The data-quality counts over data as parsed, for python_ml/quality/checks.py (Python reads
-- marts only): the rules and their counting are in int_staging_rows_checked.
-- A view: the quality step reads the counts of the data as it is when the step runs, and the
-- hourly build has nothing to refresh.
{{ config(materialized='view') }}

with

counts as (
    select * from {{ ref('int_staging_rows_checked') }}
),

final as (
    select * from counts
)

select * from final
