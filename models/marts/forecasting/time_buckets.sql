-- Postgres: indexes on the lookup paths (an account's buckets in time order; the forecast
-- actuals backfill matches target times to bucket_start)
{{ config(indexes=core_postgres_indexes([['account_id', 'granularity', 'bucket_start'], ['bucket_start']])) }}

-- Every post-count bucket of every account in one table, for BI and for anyone who wants one
-- grain switch instead of three models: hourly and daily on the UTC calendar, and local_daily on
-- the calendar of var('local_timezone'). Gap buckets keep post_count for audit; observed_count is
-- NULL on them (a collection gap is not zero posts).

with

hourly as (
    select * from {{ ref('fct_post_counts_hourly') }}
),

daily as (
    select * from {{ ref('fct_post_counts_daily') }}
),

local_daily as (
    select * from {{ ref('fct_post_counts_local_daily') }}
),

hourly_buckets as (
    select
        account_id,
        account,
        'hourly' as granularity,
        'UTC' as bucket_timezone,
        bucket_start,
        {{ dbt.dateadd('hour', 1, 'bucket_start') }} as bucket_end,
        cast(bucket_start as date) as bucket_date,
        post_count,
        is_gap,
        gap_reason
    from hourly
),

daily_buckets as (
    select
        account_id,
        account,
        'daily' as granularity,
        'UTC' as bucket_timezone,
        bucket_start,
        {{ dbt.dateadd('day', 1, 'bucket_start') }} as bucket_end,
        bucket_date,
        post_count,
        is_gap,
        gap_reason
    from daily
),

local_daily_buckets as (
    select
        account_id,
        account,
        'local_daily' as granularity,
        local_timezone as bucket_timezone,
        bucket_start,
        {{ dbt.dateadd('hour', 'hours_in_day', 'bucket_start') }} as bucket_end,
        local_date as bucket_date,
        post_count,
        is_gap,
        case when is_gap then 'gap_hours' end as gap_reason
    from local_daily
),

unioned as (
    select * from hourly_buckets
    union all
    select * from daily_buckets
    union all
    select * from local_daily_buckets
),

final as (
    select
        account_id,
        account,
        cast(granularity as {{ dbt.type_string() }}) as granularity,
        cast(bucket_timezone as {{ dbt.type_string() }}) as bucket_timezone,
        cast(bucket_start as {{ type_timestamptz() }}) as bucket_start,
        cast(bucket_end as {{ type_timestamptz() }}) as bucket_end,
        cast(bucket_date as date) as bucket_date,
        cast(post_count as {{ dbt.type_bigint() }}) as post_count,
        cast(case when not is_gap then post_count end as {{ dbt.type_bigint() }}) as observed_count,
        is_gap,
        cast(gap_reason as {{ dbt.type_string() }}) as gap_reason,
        cast({{ dbt.current_timestamp() }} as {{ type_timestamptz() }}) as computed_at
    from unioned
)

select * from final
