-- Post-count forecast buckets (python_ml/forecast), one row per (model_metadata_id, account,
-- granularity, run_type, forecast_time, target_time). Empty and typed until the first forecast
-- or backtest run creates ml.forecasts.
with

forecasts as (
    select * from {{ ml_relation_or_empty(source('ml', 'forecasts'), [
        ['model_metadata_id', dbt.type_string()],
        ['account', dbt.type_string()],
        ['granularity', dbt.type_string()],
        ['run_type', dbt.type_string()],
        ['forecast_time', 'timestamp with time zone'],
        ['target_time', 'timestamp with time zone'],
        ['predicted_count', type_double()],
        ['predicted_mean', type_double()],
        ['lower_bound_95', type_double()],
        ['upper_bound_95', type_double()],
        ['actual_count', type_double()],
        ['is_gap', dbt.type_boolean()],
        ['created_at', 'timestamp with time zone'],
    ]) }} as f
),

final as (
    select * from forecasts
)

select * from final
