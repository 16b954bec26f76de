-- Postgres: indexes on the lookup paths (an account's buckets in time order; the forecast
-- actuals backfill matches target times to bucket_start)
{{ config(indexes=core_postgres_indexes([['account_id', 'bucket_start'], ['bucket_start']])) }}

-- Hourly (UTC) post counts per account, zero-filled. An hour is a gap when its UTC day is a gap
-- (fct_post_counts_daily) or no complete collection window covered it: gap hours keep their
-- (incomplete) post_count for audit, but observed_count is NULL so no model reads them as zero.
with

hourly as (
    select * from {{ ref('int_post_counts_hourly_spined') }}
),

daily as (
    select * from {{ ref('fct_post_counts_daily') }}
),

final as (
    select
        h.account_id,
        h.account,
        h.bucket_start,
        h.post_count,
        h.is_covered,
        coalesce(d.gap_reason, case when not h.is_covered then 'no_request' end) as gap_reason,
        coalesce(d.is_gap, true) or not h.is_covered as is_gap
    from hourly as h
    left join daily as d
        on
            h.account_id = d.account_id
            and {{ dbt.date_trunc('day', 'h.bucket_start') }} = d.bucket_start
)

select
    account_id,
    account,
    bucket_start,
    post_count,
    case when is_gap then null else post_count end as observed_count,
    is_covered,
    is_gap,
    case when is_gap then coalesce(gap_reason, 'partial_day') end as gap_reason
from final
