-- The latest youtube_persists_2d score per (region, video, chart day) from production models,
-- with the video's attributes at that day and, once known, the outcome. For BI. Empty until a model
-- has been trained and has scored. No title: free text stays out of the marts readers see
-- (docs/SECURITY.md); the video_id links to the video.
with

features as (
    select * from {{ ref('youtube_chart_features') }}
),

labels as (
    select * from {{ ref('youtube_chart_labels') }}
),

latest as (
    select * from {{ ref('int_youtube_predictions_latest') }}
),

final as (
    select
        l.region as region_code,
        l.entity_id as video_id,
        cast(l.as_of as date) as as_of_date,
        cast(l.score as {{ type_double() }}) as score,
        cast(rank() over (partition by l.region, l.as_of order by l.score desc) as {{ dbt.type_bigint() }})
            as score_rank_in_day,
        l.model_version,
        cast(l.scored_at as {{ type_timestamptz() }}) as scored_at,
        f.channel_id,
        f.category_id,
        f.chart_rank,
        f.view_count,
        f.like_count,
        f.comment_count,
        f.video_age_hours,
        f.published_at,
        lb.persists_2d
    from latest as l
    inner join features as f
        on l.region = f.region_code and l.entity_id = f.video_id and cast(l.as_of as date) = f.as_of_date
    inner join labels as lb
        on f.region_code = lb.region_code and f.video_id = lb.video_id
)

select * from final
