-- Postgres: indexes on the lookup paths (an account's buckets in time order; the forecast
-- actuals backfill matches target times to bucket_start)
{{ config(indexes=core_postgres_indexes([['account_id', 'bucket_start']])) }}

-- Point-in-time features per account and UTC hour, for the bucket starting at bucket_start: every
-- lag and rolling window ends strictly before the bucket (rows ... 1 preceding), gap hours enter as
-- NULL (skipped by avg/stddev, never read as zero), and events count only once they had started.
-- The Python forecaster builds the same definitions at each forecast origin
-- (python_ml/forecast/features.py), adding target-hour seasonal terms for multi-step horizons.
with

hourly as (
    select * from {{ ref('fct_post_counts_hourly') }}
),

events as (
    select * from {{ ref('int_exogenous_events_hourly') }}
),

windowed as (
    select
        account_id,
        account,
        bucket_start,
        observed_count,
        is_gap,
        lag(observed_count, 1) over by_hour as lag_1h,
        lag(observed_count, 6) over by_hour as lag_6h,
        lag(observed_count, 12) over by_hour as lag_12h,
        lag(observed_count, 24) over by_hour as lag_24h,
        lag(observed_count, 168) over by_hour as lag_7d,
        avg(observed_count) over (
            partition by account_id order by bucket_start
            rows between 24 preceding and 1 preceding
        ) as rolling_mean_24h,
        stddev_samp(observed_count) over (
            partition by account_id order by bucket_start
            rows between 24 preceding and 1 preceding
        ) as rolling_std_24h,
        avg(observed_count) over (
            partition by account_id order by bucket_start
            rows between 168 preceding and 1 preceding
        ) as rolling_mean_7d,
        stddev_samp(observed_count) over (
            partition by account_id order by bucket_start
            rows between 168 preceding and 1 preceding
        ) as rolling_std_7d
    from hourly
    window by_hour as (partition by account_id order by bucket_start)
),

final as (
    select
        w.account_id,
        w.account,
        w.bucket_start,
        w.observed_count as post_count,
        w.is_gap,
        w.lag_1h,
        w.lag_6h,
        w.lag_12h,
        w.lag_24h,
        w.lag_7d,
        cast(w.rolling_mean_24h as {{ type_double() }}) as rolling_mean_24h,
        cast(w.rolling_std_24h as {{ type_double() }}) as rolling_std_24h,
        cast(w.rolling_mean_7d as {{ type_double() }}) as rolling_mean_7d,
        cast(w.rolling_std_7d as {{ type_double() }}) as rolling_std_7d,
        cast(extract(hour from {{ to_local_timestamp('w.bucket_start', 'UTC') }}) as integer) as hour_of_day,
        {{ iso_day_of_week(to_local_timestamp('w.bucket_start', 'UTC')) }} - 1 as day_of_week,
        {{ iso_day_of_week(to_local_timestamp('w.bucket_start', 'UTC')) }} in (6, 7) as is_weekend,
        coalesce(e.event_count_24h, 0) as event_count_24h,
        cast(coalesce(e.event_intensity_max_24h, 0) as {{ type_double() }}) as event_intensity_max_24h,
        {{ dbt.current_timestamp() }} as computed_at
    from windowed as w
    left join events as e
        on w.bucket_start = e.bucket_start
)

select * from final
