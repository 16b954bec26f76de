-- One row per scored forecast bucket: its actual is known and it is not a collection gap, with the
-- model's name and version and the bucket's errors and interval coverage (forecast_accuracy sums
-- them per day). Empty until the first forecast or backtest run.
with

forecasts as (
    select * from {{ ref('stg_ml__forecasts') }}
),

models as (
    select * from {{ ref('stg_ml__forecast_models') }}
),

final as (
    select
        f.model_metadata_id,
        m.model_name,
        m.model_version,
        f.account,
        f.granularity,
        f.run_type,
        f.forecast_time,
        f.target_time,
        cast({{ dbt.date_trunc('day', 'f.forecast_time') }} as date) as forecast_date,
        abs(f.predicted_count - f.actual_count) as abs_error,
        (f.predicted_count - f.actual_count) * (f.predicted_count - f.actual_count) as sq_error,
        case
            when f.actual_count between f.lower_bound_95 and f.upper_bound_95 then 1 else 0
        end as is_covered
    from forecasts as f
    inner join models as m
        on f.model_metadata_id = m.model_metadata_id
    where f.actual_count is not null and not f.is_gap
)

select * from final
