-- The post-count model registry, typed; empty until the first forecast run.
with

models as (
    select *
    from {{ trends_relation_or_empty(source('ml', 'forecast_models'), [
        ('model_metadata_id', dbt.type_string()),
        ('model_name', dbt.type_string()),
        ('model_version', dbt.type_string()),
        ('account', dbt.type_string()),
        ('granularity', dbt.type_string()),
        ('trained_at', 'timestamp with time zone'),
        ('mae', type_double()),
        ('coverage_95', type_double()),
        ('is_chosen', 'boolean'),
    ]) }} as m
),

final as (
    select
        model_metadata_id,
        model_name,
        model_version,
        account,
        granularity,
        trained_at,
        mae,
        coverage_95,
        is_chosen
    from models
)

select * from final
