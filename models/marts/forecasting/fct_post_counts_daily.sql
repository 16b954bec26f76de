-- Postgres: indexes on the lookup paths (an account's buckets in time order; the forecast
-- actuals backfill matches target times to bucket_start)
{{ config(indexes=core_postgres_indexes([['account_id', 'bucket_start'], ['bucket_start']])) }}

-- Daily (UTC) post counts per account, zero-filled, with collection gaps flagged from data
-- quality instead of being read as zero posts:
--   no_request       not every hour of the day was covered by a complete collection window;
--   anomalously_low  fewer posts than gap_low_ratio x the median of the previous
--                    gap_window_days covered days (needs gap_min_history_days of them).
-- Only earlier days enter the median, so a day's flag is known once the day has been fetched.
{%- set low_ratio = var('gap_low_ratio', 0.2) %}
{%- set window_days = var('gap_window_days', 28) %}
{%- set min_history = var('gap_min_history_days', 7) %}

with

daily as (
    select * from {{ ref('int_post_counts_daily_aggregated') }}
),

flagged_coverage as (
    select
        *,
        covered_hours = 24 as is_fully_covered
    from daily
),

trailing_stats as (
    select
        d.account_id,
        d.bucket_start,
        count(h.bucket_start) as trailing_days,
        percentile_cont(0.5) within group (order by h.post_count) as trailing_median
    from flagged_coverage as d
    inner join flagged_coverage as h
        on
            d.account_id = h.account_id
            and h.is_fully_covered
            and d.bucket_start > h.bucket_start
            and h.bucket_start >= {{ dbt.dateadd('day', -window_days, 'd.bucket_start') }}
    group by d.account_id, d.bucket_start
),

final as (
    select
        d.account_id,
        d.account,
        d.bucket_start,
        cast(d.bucket_start as date) as bucket_date,
        d.post_count,
        d.covered_hours,
        d.is_fully_covered as has_request,
        cast(t.trailing_median as {{ type_double() }}) as trailing_median,
        case
            when not d.is_fully_covered then 'no_request'
            when
                coalesce(t.trailing_days, 0) >= {{ min_history }}
                and d.post_count < {{ low_ratio }} * t.trailing_median
                then 'anomalously_low'
        end as gap_reason
    from flagged_coverage as d
    left join trailing_stats as t
        on d.account_id = t.account_id and d.bucket_start = t.bucket_start
    where d.hours_in_bucket = 24
)

select
    *,
    gap_reason is not null as is_gap
from final
