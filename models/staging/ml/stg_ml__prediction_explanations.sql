-- Per-feature LightGBM contributions of scored entities, typed; empty until written.
with

explanations as (
    select *
    from {{ trends_relation_or_empty(source('ml', 'prediction_explanations'), [
        ('task', dbt.type_string()),
        ('entity_id', dbt.type_string()),
        ('region', dbt.type_string()),
        ('as_of', 'timestamp with time zone'),
        ('model_version', dbt.type_string()),
        ('feature', dbt.type_string()),
        ('feature_value', type_double()),
        ('contribution', type_double()),
        ('computed_at', 'timestamp with time zone'),
    ]) }} as e
),

final as (
    select
        task,
        entity_id,
        region,
        as_of,
        model_version,
        feature,
        feature_value,
        contribution,
        computed_at
    from explanations
)

select * from final
