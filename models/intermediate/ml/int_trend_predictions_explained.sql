-- The latest production score of each TikTok hashtag/video virality task per entity, with the
-- three largest contributions (by absolute log-odds) that explain it.
with

predictions as (
    select * from {{ ref('stg_ml__predictions') }}
    where task like 'trends!_%' escape '!'
),

registry as (
    select * from {{ ref('stg_ml__model_metadata') }}
    where purpose = 'production'
),

explanations as (
    select * from {{ ref('stg_ml__prediction_explanations') }}
    where task like 'trends!_%' escape '!'
),

latest as (
    select
        p.task,
        p.entity_type,
        p.entity_id,
        p.region,
        p.as_of,
        p.score,
        p.model_version,
        p.scored_at,
        row_number() over (
            partition by p.task, p.entity_id
            order by p.as_of desc, p.scored_at desc, p.model_version desc
        ) as recency
    from predictions as p
    inner join registry as r
        on p.model_version = r.model_version
),

ranked_contributions as (
    select
        task,
        entity_id,
        region,
        as_of,
        model_version,
        feature,
        feature_value,
        contribution,
        row_number() over (
            partition by task, entity_id, region, as_of, model_version
            order by abs(contribution) desc, feature
        ) as contribution_rank
    from explanations
),

top_contributions as (
    select
        task,
        entity_id,
        region,
        as_of,
        model_version,
        max(case when contribution_rank = 1 then feature end) as top_feature_1,
        max(case when contribution_rank = 1 then feature_value end) as top_value_1,
        max(case when contribution_rank = 1 then contribution end) as top_contribution_1,
        max(case when contribution_rank = 2 then feature end) as top_feature_2,
        max(case when contribution_rank = 2 then feature_value end) as top_value_2,
        max(case when contribution_rank = 2 then contribution end) as top_contribution_2,
        max(case when contribution_rank = 3 then feature end) as top_feature_3,
        max(case when contribution_rank = 3 then feature_value end) as top_value_3,
        max(case when contribution_rank = 3 then contribution end) as top_contribution_3
    from ranked_contributions
    where contribution_rank <= 3
    group by task, entity_id, region, as_of, model_version
),

final as (
    select
        l.task,
        l.entity_type,
        l.entity_id,
        l.as_of as as_of_at,
        l.score,
        l.model_version,
        l.scored_at,
        c.top_feature_1,
        c.top_value_1,
        c.top_contribution_1,
        c.top_feature_2,
        c.top_value_2,
        c.top_contribution_2,
        c.top_feature_3,
        c.top_value_3,
        c.top_contribution_3
    from latest as l
    left join top_contributions as c
        on
            l.task = c.task
            and l.entity_id = c.entity_id
            and l.region = c.region
            and l.as_of = c.as_of
            and l.model_version = c.model_version
    where l.recency = 1
)

select * from final
