-- Fitted post-count models (python_ml/forecast), one row per model_metadata_id. Empty and typed
-- until the first forecast or backtest run creates ml.forecast_models.
with

models as (
    select * from {{ ml_relation_or_empty(source('ml', 'forecast_models'), [
        ['model_metadata_id', dbt.type_string()],
        ['model_name', dbt.type_string()],
        ['model_version', dbt.type_string()],
        ['account', dbt.type_string()],
        ['granularity', dbt.type_string()],
        ['trained_at', 'timestamp with time zone'],
        ['training_start', 'timestamp with time zone'],
        ['training_end', 'timestamp with time zone'],
        ['hyperparameters', dbt.type_string()],
        ['rmse', type_double()],
        ['mae', type_double()],
        ['mape', type_double()],
        ['log_likelihood', type_double()],
        ['coverage_95', type_double()],
        ['is_chosen', dbt.type_boolean()],
        ['artifact_path', dbt.type_string()],
    ]) }} as m
),

final as (
    select * from models
)

select * from final
