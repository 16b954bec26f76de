-- For BI: the latest virality score of each TikTok hashtag and video per task (window), its rank
-- within the task, a readable name, and the three feature values that moved the score most.
with

scored as (
    select * from {{ ref('int_trend_predictions_explained') }}
),

hashtags as (
    select * from {{ ref('hashtags') }}
),

videos as (
    select * from {{ ref('videos') }}
),

final as (
    select
        s.task,
        s.entity_type,
        s.entity_id,
        cast(coalesce(h.hashtag_name, v.video_id, s.entity_id) as {{ dbt.type_string() }})
            as entity_name,
        cast(coalesce(h.platform, v.platform) as {{ dbt.type_string() }}) as platform,
        v.region_code,
        s.as_of_at,
        cast(s.score as {{ type_double() }}) as score,
        cast(rank() over (partition by s.task order by s.score desc) as {{ dbt.type_bigint() }})
            as score_rank,
        s.model_version,
        s.scored_at,
        s.top_feature_1,
        cast(s.top_value_1 as {{ type_double() }}) as top_value_1,
        cast(s.top_contribution_1 as {{ type_double() }}) as top_contribution_1,
        s.top_feature_2,
        cast(s.top_value_2 as {{ type_double() }}) as top_value_2,
        cast(s.top_contribution_2 as {{ type_double() }}) as top_contribution_2,
        s.top_feature_3,
        cast(s.top_value_3 as {{ type_double() }}) as top_value_3,
        cast(s.top_contribution_3 as {{ type_double() }}) as top_contribution_3
    from scored as s
    left join hashtags as h
        on s.entity_type = 'hashtag' and s.entity_id = h.hashtag_id
    left join videos as v
        on s.entity_type = 'video' and s.entity_id = v.video_id
)

select * from final
