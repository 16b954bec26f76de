-- The virality model registry (one row per model version), typed; empty until a model is trained.
with

registry as (
    select *
    from {{ trends_relation_or_empty(source('ml', 'model_metadata'), [
        ('model_name', dbt.type_string()),
        ('model_version', dbt.type_string()),
        ('task', dbt.type_string()),
        ('purpose', dbt.type_string()),
        ('trained_at', 'timestamp with time zone'),
    ]) }} as m
),

final as (
    select
        model_name,
        model_version,
        task,
        purpose,
        trained_at
    from registry
)

select * from final
