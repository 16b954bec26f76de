-- Post-count forecast buckets written by python_ml/forecast, typed; empty until the first run.
with

forecasts as (
    select *
    from {{ trends_relation_or_empty(source('ml', 'forecasts'), [
        ('model_metadata_id', dbt.type_string()),
        ('account', dbt.type_string()),
        ('granularity', dbt.type_string()),
        ('run_type', dbt.type_string()),
        ('forecast_time', 'timestamp with time zone'),
        ('target_time', 'timestamp with time zone'),
        ('predicted_count', type_double()),
        ('predicted_mean', type_double()),
        ('lower_bound_95', type_double()),
        ('upper_bound_95', type_double()),
        ('actual_count', type_double()),
        ('is_gap', 'boolean'),
        ('created_at', 'timestamp with time zone'),
    ]) }} as f
),

final as (
    select
        model_metadata_id,
        account,
        granularity,
        run_type,
        forecast_time,
        target_time,
        predicted_count,
        predicted_mean,
        lower_bound_95,
        upper_bound_95,
        actual_count,
        is_gap,
        created_at
    from forecasts
)

select * from final
