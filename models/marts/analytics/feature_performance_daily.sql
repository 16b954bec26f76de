-- One row per creative feature (hashtag, effect, music) and UTC day: how the platform videos that
-- use it performed that day (views, interactions, weighted engagement score, viral score), how many
-- of them were posted that day, and the feature's share of the day's weighted engagement score.
-- A video's hashtags are those of its latest upload / content_update event that states any
-- (int_platform_content_hashtags_exploded, a hashtag listed twice counts once); its effects and
-- sound are dim_content's current effects_used and music_id. Features are current attributes:
-- a later edit moves a video's earlier days with it.
with

hashtag_rows as (
    select * from {{ ref('int_platform_content_hashtags_exploded') }}
),

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

performance as (
    select * from {{ ref('fact_content_performance') }}
),

hashtag_events as (
    -- one row per event (a delivery can repeat it, and every hashtag is a row)
    select distinct
        content_id,
        event_id,
        occurred_at
    from hashtag_rows
),

latest_hashtag_event as (
    select
        content_id,
        event_id,
        row_number() over (partition by content_id order by occurred_at desc, event_id desc) as recency_rank
    from hashtag_events
),

video_features as (
    select distinct
        'hashtag' as feature_type,
        h.hashtag as feature_name,
        h.content_id
    from hashtag_rows as h
    inner join latest_hashtag_event as l
        on h.content_id = l.content_id and h.event_id = l.event_id and l.recency_rank = 1
    union
    select
        'effect' as feature_type,
        {{ json_scalar_text('e.effect') }} as feature_name,
        c.content_id
    from content as c
    {{ json_array_rows(parse_json('c.effects_used'), [], 'effect', 'effect_index', 'e') }}
    union
    select
        'music' as feature_type,
        c.music_id as feature_name,
        c.content_id
    from content as c
    where c.music_id is not null
),

uploads as (
    select
        content_id,
        creator_id,
        {{ core_utc_date('upload_timestamp') }} as upload_date
    from content
    where has_upload_event and upload_timestamp is not null
),

day_totals as (
    select
        performance_date,
        sum(weighted_engagement_score) as day_score
    from performance
    group by 1
),

measured as (
    -- the feature's videos with engagement that day, and its videos posted that day
    select
        f.feature_type,
        f.feature_name,
        p.performance_date as activity_date,
        p.content_id,
        p.creator_id,
        p.total_views,
        p.total_likes + p.total_comments + p.total_shares + p.total_saves + p.total_duets_remixes as interactions,
        p.weighted_engagement_score,
        p.viral_score,
        0 as is_posted
    from video_features as f
    inner join performance as p on f.content_id = p.content_id
    union all
    select
        f.feature_type,
        f.feature_name,
        u.upload_date as activity_date,
        u.content_id,
        u.creator_id,
        0 as total_views,
        0 as interactions,
        0 as weighted_engagement_score,
        null as viral_score,
        1 as is_posted
    from video_features as f
    inner join uploads as u on f.content_id = u.content_id
),

daily as (
    select
        feature_type,
        feature_name,
        activity_date,
        count(distinct case when is_posted = 0 then content_id end) as videos_engaged,
        sum(is_posted) as videos_posted,
        count(distinct creator_id) as creators,
        sum(total_views) as total_views,
        sum(interactions) as interactions,
        sum(weighted_engagement_score) as weighted_engagement_score,
        avg(viral_score) as avg_viral_score
    from measured
    group by 1, 2, 3
),

final as (
    select
        d.feature_type,
        d.feature_name,
        d.activity_date,
        {{ core_date_key('d.activity_date', grain='day') }} as date_key,
        cast(d.videos_engaged as {{ dbt.type_bigint() }}) as videos_engaged,
        cast(d.videos_posted as {{ dbt.type_bigint() }}) as videos_posted,
        cast(d.creators as {{ dbt.type_bigint() }}) as creators,
        cast(d.total_views as {{ dbt.type_bigint() }}) as total_views,
        cast(d.interactions as {{ dbt.type_bigint() }}) as interactions,
        cast(d.weighted_engagement_score as {{ dbt.type_bigint() }}) as weighted_engagement_score,
        cast(
            cast(d.interactions as {{ type_double() }}) / nullif(d.total_views, 0) as {{ type_double() }}
        ) as engagement_rate,
        cast(d.avg_viral_score as {{ type_double() }}) as avg_viral_score,
        cast(
            cast(d.weighted_engagement_score as {{ type_double() }}) / nullif(t.day_score, 0)
            as {{ type_double() }}
        ) as share_of_day_score,
        cast(
            rank() over (
                partition by d.feature_type, d.activity_date order by d.weighted_engagement_score desc
            ) as {{ dbt.type_bigint() }}
        ) as score_rank
    from daily as d
    left join day_totals as t on d.activity_date = t.performance_date
)

select * from final
