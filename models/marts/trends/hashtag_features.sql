{{
    config(
        materialized='incremental',
        unique_key=['hashtag_id', 'as_of_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        pre_hook=[prefer_hash_joins(true), single_thread(true)],
        post_hook=[prefer_hash_joins(false), single_thread(false)],
    )
}}
{%- set double = type_double() -%}
{%- set baseline_hours = 24 * trends_baseline_days() -%}
{%- set hashtag_hours = 'partition by hashtag_id order by hour_number' -%}
{#- the trailing-window sums of the features: (hours column, window in hours, feature name) -#}
{%- set trailing_sums = [
    ('reach_count', 6, 'reach_6h'),
    ('reach_count', 24, 'reach_24h'),
    ('view_count', 24, 'views_24h'),
    ('video_count', 24, 'videos_24h'),
    ('like_count', 24, 'likes_24h'),
    ('comment_count', 24, 'comments_24h'),
    ('share_count', 24, 'shares_24h'),
    ('co_tag_count', 24, 'co_tags_24h'),
    ('new_co_tag_count', 24, 'new_co_tags_24h'),
    ('sound_post_count', 24, 'sound_posts_24h'),
    ('new_sound_post_count', 24, 'new_sound_posts_24h'),
    ('created_post_count', 168, 'created_posts_7d'),
    ('created_hour_cos_sum', 168, 'created_hour_cos_7d'),
    ('created_hour_sin_sum', 168, 'created_hour_sin_7d'),
] -%}
-- One row per hashtag per hashtag_metrics hour. Every feature at as_of_at is computed from
-- hashtag_metrics rows at or before as_of_at (themselves built from fetches before as_of_at),
-- hashtag themes with valid_from <= as_of_at, and predictions whose error was known by as_of_at.
-- Windows are numeric RANGE frames over hour_number, so missing hours count as no activity.
-- Feature definitions, ranges and groups: seeds/feature_definitions.csv.
with

metrics as (
    select * from {{ ref('hashtag_metrics') }}
    where 1 = 1 {{ trends_incremental_filter('as_of_at', baseline_hours + 48) }}
),

post_novelty as (
    select * from {{ ref('int_trend_hashtag_post_novelty') }}
),

themes as (
    select * from {{ ref('int_trend_hashtag_themes') }}
),

first_seen as (
    select
        hashtag_id,
        min(hour_number) as hour_number
    from {{ ref('hashtag_metrics') }}
    group by 1
),

novelty_hours as (
    select
        hashtag_id,
        hour_number,
        sum(co_tag_count) as co_tag_count,
        sum(new_co_tag_count) as new_co_tag_count,
        sum(has_sound) as sound_post_count,
        sum(has_new_sound) as new_sound_post_count,
        sum(has_created_at) as created_post_count,
        sum(created_hour_cos) as created_hour_cos_sum,
        sum(created_hour_sin) as created_hour_sin_sum
    from post_novelty
    group by 1, 2
),

hours as (
    select
        m.*,
        cast(m.reach_count as {{ double }}) * 60 / m.window_duration_minutes as reach_velocity,
        cast(m.view_count as {{ double }}) * 60 / m.window_duration_minutes as view_velocity,
        coalesce(n.co_tag_count, 0) as co_tag_count,
        coalesce(n.new_co_tag_count, 0) as new_co_tag_count,
        coalesce(n.sound_post_count, 0) as sound_post_count,
        coalesce(n.new_sound_post_count, 0) as new_sound_post_count,
        coalesce(n.created_post_count, 0) as created_post_count,
        coalesce(n.created_hour_cos_sum, 0) as created_hour_cos_sum,
        coalesce(n.created_hour_sin_sum, 0) as created_hour_sin_sum
    from metrics as m
    left join novelty_hours as n
        on m.hashtag_id = n.hashtag_id and m.hour_number = n.hour_number
),

windows as (
    select
        *,
        lag(hour_number) over ({{ hashtag_hours }}) as previous_hour_number,
        lag(reach_velocity) over ({{ hashtag_hours }}) as previous_reach_velocity,
        lag(view_velocity) over ({{ hashtag_hours }}) as previous_view_velocity,
        {% for column in ['reach_velocity', 'view_count'] %}
        {% for hours in [1, 6, 24] %}
        sum({{ column }}) over (
            {{ hashtag_hours }} range between {{ hours }} preceding and {{ hours }} preceding
        ) as {{ column }}_lag_{{ hours }}h,
        {% endfor %}
        {% endfor %}
        {% for column, hours, name in trailing_sums %}
        sum({{ column }}) over (
            {{ hashtag_hours }} range between {{ hours - 1 }} preceding and current row
        ) as {{ name }},
        {% endfor %}
        sum(reach_count) over (
            {{ hashtag_hours }} range between {{ baseline_hours + 23 }} preceding and 24 preceding
        ) as baseline_reach
    from hours
),

diversity as (
    select * from {{ ref('int_trend_hashtag_creator_diversity') }}
    where 1 = 1 {{ trends_incremental_filter('as_of_at', this_column='as_of_at') }}
),

timezone_distributions as (
    select * from {{ ref('int_trend_hashtag_timezone_mix') }}
    where 1 = 1 {{ trends_incremental_filter('as_of_at', this_column='as_of_at') }}
),

theme_ranked as (
    select
        m.hashtag_id,
        m.as_of_at,
        t.cluster_id,
        t.theme_label,
        t.theme_similarity,
        row_number() over (partition by m.hashtag_id, m.as_of_at order by t.valid_from desc) as theme_rank
    from metrics as m
    inner join themes as t
        on m.hashtag_id = t.hashtag_id and m.as_of_at >= t.valid_from
),

residual_spine as (
    select
        hashtag_id as entity_id,
        as_of_at
    from metrics
),

residuals as (
    {{ trends_residual_features('residual_spine', 'hashtag') }}
),

final as (
    select
        w.hashtag_id,
        w.as_of_at,
        w.platform,
        w.hashtag_name,
        -- A temporal growth
        w.reach_velocity,
        w.view_velocity,
        (w.reach_velocity - w.previous_reach_velocity) / (w.hour_number - w.previous_hour_number)
            as reach_acceleration,
        -- relative change against the previous collection hour: (current - previous) / previous,
        -- undefined (NULL) when the previous rate was 0 or there is no previous hour
        (w.reach_velocity - w.previous_reach_velocity) / nullif(w.previous_reach_velocity, 0)
            as reach_velocity_relative,
        (w.view_velocity - w.previous_view_velocity) / nullif(w.previous_view_velocity, 0)
            as view_velocity_relative,
        cast(w.reach_6h as {{ double }}) / 6 / (cast(w.reach_24h as {{ double }}) / 24 + 1) as momentum_score,
        case when w.hour_number - 1 >= f.hour_number then coalesce(w.reach_velocity_lag_1h, 0) end
            as reach_velocity_lag_1h,
        case when w.hour_number - 6 >= f.hour_number then coalesce(w.reach_velocity_lag_6h, 0) end
            as reach_velocity_lag_6h,
        case when w.hour_number - 24 >= f.hour_number then coalesce(w.reach_velocity_lag_24h, 0) end
            as reach_velocity_lag_24h,
        case
            when w.hour_number - 1 >= f.hour_number and w.view_count is not null
                then cast(coalesce(w.view_count_lag_1h, 0) as {{ dbt.type_bigint() }})
        end as view_count_lag_1h,
        case
            when w.hour_number - 6 >= f.hour_number and w.view_count is not null
                then cast(coalesce(w.view_count_lag_6h, 0) as {{ dbt.type_bigint() }})
        end as view_count_lag_6h,
        case
            when w.hour_number - 24 >= f.hour_number and w.view_count is not null
                then cast(coalesce(w.view_count_lag_24h, 0) as {{ dbt.type_bigint() }})
        end as view_count_lag_24h,
        cast({{ trends_feature_window_hours() }} as integer) as feature_window_hours,
        cast(w.reach_24h as {{ dbt.type_bigint() }}) as reach_24h,
        cast(w.views_24h as {{ dbt.type_bigint() }}) as views_24h,
        cast(w.videos_24h as {{ dbt.type_bigint() }}) as videos_24h,
        {{ trends_ratio('w.reach_24h', 'w.cumulative_reach_count - w.reach_24h') }} as growth_rate_24h,
        w.cumulative_reach_count,
        w.cumulative_video_count,
        -- B engagement ratios
        {{ trends_ratio('w.likes_24h', 'w.views_24h') }} as like_rate_24h,
        {{ trends_ratio('w.comments_24h', 'w.views_24h') }} as comment_rate_24h,
        {{ trends_ratio('w.shares_24h', 'w.views_24h') }} as share_rate_24h,
        {{ trends_ratio('w.likes_24h + w.comments_24h + w.shares_24h', 'w.views_24h') }} as engagement_rate_24h,
        {{ trends_ratio('w.likes_24h + w.comments_24h + w.shares_24h', 'd.unique_creators_24h') }}
            as engagement_efficiency_24h,
        -- C creator diversity
        cast(coalesce(d.unique_creators_24h, 0) as {{ dbt.type_bigint() }}) as unique_creators_24h,
        greatest(0.0, least(1.0, 1 - d.herfindahl_index_24h)) as creator_diversity_index_24h,
        least(1.0, d.herfindahl_index_24h) as herfindahl_index_24h,
        {{ trends_ratio('d.new_creators_24h', 'd.unique_creators_24h') }} as new_creator_ratio_24h,
        d.top_creator_share_24h,
        -- D semantic
        th.cluster_id,
        th.theme_label,
        cast(th.theme_similarity as {{ double }}) as theme_similarity,
        -- E novelty
        ln(
            (1 + cast(w.reach_24h as {{ double }}))
            / (1 + cast(coalesce(w.baseline_reach, 0) as {{ double }}) / {{ trends_baseline_days() }})
        )
            as novelty_index,
        cast(coalesce(w.baseline_reach, 0) as {{ double }}) / {{ trends_baseline_days() }} as baseline_daily_reach,
        cast(w.hour_number - f.hour_number as {{ dbt.type_bigint() }}) as hours_since_first_seen,
        {{ trends_ratio('w.new_co_tags_24h', 'w.co_tags_24h') }} as cross_hashtag_novelty_24h,
        {{ trends_ratio('w.new_sound_posts_24h', 'w.sound_posts_24h') }} as sound_novelty_24h,
        -- F temporal patterns
        {{ hour_of_day('w.as_of_at') }} as hour_of_day,
        {{ day_of_week('w.as_of_at') }} as day_of_week,
        {{ day_of_week('w.as_of_at') }} in (0, 6) as is_weekend,
        case
            when w.created_posts_7d > 0
                then greatest(0.0, least(1.0, 1 - sqrt(
                    w.created_hour_cos_7d * w.created_hour_cos_7d + w.created_hour_sin_7d * w.created_hour_sin_7d
                ) / w.created_posts_7d))
        end as posting_hour_spread_7d,
        -- the distribution behind the spread: share of the posts created in the trailing 7 days
        -- per UTC hour of creation ("00".."23", hours without a post left out); NULL without a
        -- post with a creation time
        tz.timezone_distribution_7d,
        -- G prediction residuals
        r.last_prediction_error,
        r.residual_bias_7d,
        r.residual_variance_7d
    from windows as w
    inner join first_seen as f on w.hashtag_id = f.hashtag_id
    left join diversity as d
        on w.hashtag_id = d.hashtag_id and w.hour_number = d.hour_number
    left join timezone_distributions as tz
        on w.hashtag_id = tz.hashtag_id and w.hour_number = tz.hour_number
    left join theme_ranked as th
        on w.hashtag_id = th.hashtag_id and w.as_of_at = th.as_of_at and th.theme_rank = 1
    left join residuals as r
        on w.hashtag_id = r.entity_id and w.as_of_at = r.as_of_at
    where 1 = 1 {{ trends_incremental_filter('w.as_of_at', this_column='as_of_at') }}
)

select * from final
