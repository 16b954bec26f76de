-- Each account's most recent live forecast run per granularity, with the model that made it:
-- the fan chart a reader wants, with actuals once backfilled.
with

forecasts as (
    select * from {{ ref('stg_ml__forecasts') }}
    where run_type = 'forecast'
),

models as (
    select * from {{ ref('stg_ml__forecast_models') }}
),

latest_origin as (
    select
        account,
        granularity,
        max(forecast_time) as forecast_time
    from forecasts
    group by account, granularity
),

final as (
    select
        f.account,
        f.granularity,
        f.forecast_time,
        f.target_time,
        f.model_metadata_id,
        m.model_name,
        f.predicted_count,
        f.predicted_mean,
        f.lower_bound_95,
        f.upper_bound_95,
        f.actual_count,
        f.is_gap,
        f.created_at
    from forecasts as f
    inner join latest_origin as o
        on
            f.account = o.account
            and f.granularity = o.granularity
            and f.forecast_time = o.forecast_time
    left join models as m
        on f.model_metadata_id = m.model_metadata_id
)

select * from final
