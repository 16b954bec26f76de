-- The virality model registry (python_ml/registry.py), one row per (model_name, model_version).
-- Empty and typed until the first training run creates ml.model_metadata.
with

registry as (
    select * from {{ ml_relation_or_empty(source('ml', 'model_metadata'), [
        ['model_name', dbt.type_string()],
        ['model_version', dbt.type_string()],
        ['task', dbt.type_string()],
        ['purpose', dbt.type_string()],
        ['trained_at', 'timestamp with time zone'],
        ['train_start', 'date'],
        ['train_end', 'date'],
        ['hyperparameters', dbt.type_string()],
        ['features', dbt.type_string()],
        ['metrics', dbt.type_string()],
        ['artifact_path', dbt.type_string()],
        ['artifact_sha256', dbt.type_string()],
    ]) }} as m
),

final as (
    select * from registry
)

select * from final
