-- The latest youtube_persists_2d score per (region, video, chart day) from production models,
-- with the video's attributes at that day and, once known, the outcome. For BI.
-- depends_on: {{ source('ml', 'predictions') }}
-- depends_on: {{ source('ml', 'model_metadata') }}
{%- set predictions = none -%}
{%- set registry = none -%}
{%- if execute -%}
    {%- set predictions = adapter.get_relation(
        database=target.database, schema='ml', identifier='predictions') -%}
    {%- set registry = adapter.get_relation(
        database=target.database, schema='ml', identifier='model_metadata') -%}
{%- endif %}

with

features as (
    select * from {{ ref('youtube_chart_features') }}
),

labels as (
    select * from {{ ref('youtube_chart_labels') }}
),

{% if predictions is not none and registry is not none %}
predictions as (
    select * from {{ source('ml', 'predictions') }}
    where task = 'youtube_persists_2d'
),

production_models as (
    select model_version
    from {{ source('ml', 'model_metadata') }}
    where purpose = 'production'
),

latest as (
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
{% else %}
latest as (
    -- ml.predictions / ml.model_metadata do not exist yet (no model trained): empty, typed
    select
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as entity_id,
        cast(null as timestamp with time zone) as as_of,
        cast(null as {{ type_double() }}) as score,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as timestamp with time zone) as scored_at,
        cast(1 as {{ dbt.type_bigint() }}) as recency
    where 1 = 0
),
{% endif %}

final as (
    select
        l.region as region_code,
        l.entity_id as video_id,
        cast(l.as_of as date) as as_of_date,
        cast(l.score as {{ type_double() }}) as score,
        cast(rank() over (partition by l.region, l.as_of order by l.score desc) as {{ dbt.type_bigint() }})
            as score_rank_in_day,
        l.model_version,
        cast(l.scored_at as timestamp with time zone) as scored_at,
        f.title,
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
    where l.recency = 1
)

select * from final
