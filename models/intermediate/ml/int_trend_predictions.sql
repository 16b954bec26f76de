-- Scores of the trend models (hashtag and video entities), whose errors become the residual
-- features of the feature marts (macro trends_residual_features). Empty until the first scoring.
with

predictions as (
    select * from {{ ref('stg_ml__predictions') }}
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
    where entity_type in ('hashtag', 'video')
)

select * from final
