-- The latest youtube_persists_2d score per (region, video, chart day) among production models:
-- a video re-scored by a newer run or model keeps only its latest score (scored_at, then
-- model_version). Empty until a model has been trained and has scored.
with

predictions as (
    select * from {{ ref('stg_ml__predictions') }}
    where task = 'youtube_persists_2d'
),

production_models as (
    select model_version
    from {{ ref('stg_ml__model_metadata') }}
    where purpose = 'production'
),

ranked as (
    select
        p.region,
        p.entity_id,
        p.as_of,
        p.score,
        p.model_version,
        p.scored_at,
        row_number() over (
            partition by p.region, p.entity_id, p.as_of
            order by p.scored_at desc, p.model_version desc
        ) as recency
    from predictions as p
    inner join production_models as m
        on p.model_version = m.model_version
),

final as (
    select
        region,
        entity_id,
        as_of,
        score,
        model_version,
        scored_at
    from ranked
    where recency = 1
)

select * from final
