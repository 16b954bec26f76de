-- Scores written by python_ml (YouTube, TikTok hashtags and videos), typed; empty until the
-- first scoring run creates ml.predictions.
with

predictions as (
    select *
    from {{ trends_relation_or_empty(source('ml', 'predictions'), [
        ('task', dbt.type_string()),
        ('entity_type', dbt.type_string()),
        ('entity_id', dbt.type_string()),
        ('region', dbt.type_string()),
        ('as_of', 'timestamp with time zone'),
        ('score', type_double()),
        ('model_version', dbt.type_string()),
        ('scored_at', 'timestamp with time zone'),
    ]) }} as p
),

final as (
    select
        task,
        entity_type,
        entity_id,
        region,
        as_of,
        score,
        model_version,
        scored_at
    from predictions
)

select * from final
