{{
    config(
        materialized='incremental',
        unique_key=['entity_type', 'entity_id', 'as_of_at', 'window_hours', 'definition_id'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        pre_hook=prefer_hash_joins(true),
        post_hook=prefer_hash_joins(false),
    )
}}
{%- set double = type_double() -%}
{%- set windows = trends_label_windows() -%}
{%- set max_window = windows | max -%}
-- Outcome labels for hashtags (per hashtag_metrics hour) and videos (per fetch), for every
-- prediction window and every viral definition in seeds/viral_definitions.csv. A label exists only
-- when its whole window was observed: the platform (hashtags) or the video itself (videos) was
-- fetched at or after the window end; observed_at is that fetch, the moment the label became known.
-- Labels look forward by design: features never read them except through observed_at (group G).
with

definitions as (
    select * from {{ ref('viral_definitions') }}
),

metrics as (
    select * from {{ ref('hashtag_metrics') }}
),

snapshots as (
    select * from {{ ref('int_trend_posts_sequenced') }}
    where platform in {{ trends_in_list(trends_platforms_with_views()) }}
),

platform_fetches as (
    select distinct
        platform,
        fetched_at
    from {{ ref('int_trend_posts_sequenced') }}
),

-- hashtags ------------------------------------------------------------------------------------
hashtag_windows as (
    select
        m.hashtag_id,
        m.platform,
        m.as_of_at,
        m.hour_number,
        m.cumulative_reach_count,
        {{ trends_hashtag_window_columns(windows) }}
    from metrics as m
),

hashtag_unpivoted as (
    {{ trends_hashtag_windows_unpivoted(windows, double) }}
),

-- videos --------------------------------------------------------------------------------------
creator_events as (
    -- creator totals as known at each fetch: running sums over the creator's fetches
    select
        *,
        sum(view_delta) over (
            partition by platform, creator_id order by fetched_epoch range between unbounded preceding and current row
        ) as creator_views_known,
        sum(case when is_first_observation then 1 else 0 end) over (
            partition by platform, creator_id order by fetched_epoch range between unbounded preceding and current row
        ) as creator_videos_known
    from snapshots
),

video_rates as (
    select
        *,
        cast(floor(fetched_epoch / 3600.0) as {{ dbt.type_bigint() }}) as fetch_hour_number,
        case
            when not is_first_observation
                then {{ trends_ratio('view_delta', 'hours_since_previous_fetch') }}
        end as view_rate
    from creator_events
),

video_windows as (
    select
        post_id,
        platform,
        fetched_at,
        fetched_epoch,
        trusted_view_count,
        {{ trends_ratio('creator_views_known - trusted_view_count', 'creator_videos_known - 1') }}
            as creator_average_views,
        {{ trends_video_window_columns(windows) }}
    from video_rates
),

video_unpivoted as (
    {{ trends_video_windows_unpivoted(windows, double) }}
),

-- both ------------------------------------------------------------------------------------------
candidates as (
    select
        'hashtag' as entity_type,
        entity_id,
        platform,
        as_of_at,
        window_hours,
        cast(start_value as {{ double }}) as start_value,
        cast(gained_value as {{ double }}) as gained_value,
        cast(null as {{ double }}) as creator_average_views,
        actual_peak_at,
        actual_peak_value,
        cast(max_gap_minutes as {{ double }}) / 60 as max_gap_hours,
        cast(null as timestamp with time zone) as observed_at
    from hashtag_unpivoted
    union all
    select
        'video' as entity_type,
        entity_id,
        platform,
        as_of_at,
        window_hours,
        cast(start_value as {{ double }}) as start_value,
        cast(gained_value as {{ double }}) as gained_value,
        creator_average_views,
        actual_peak_at,
        actual_peak_value,
        max_gap_hours,
        observed_at
    from video_unpivoted
    where observed_at is not null
),

platform_hours as (
    select
        platform,
        {{ dbt.date_trunc('hour', 'fetched_at') }} as hour_start_at,
        min(fetched_at) as first_fetched_at
    from platform_fetches
    group by 1, 2
),

window_ends as (
    select distinct
        platform,
        {{ dbt.dateadd('hour', 'window_hours', 'as_of_at') }} as window_end_at
    from candidates
    where entity_type = 'hashtag'
),

hashtag_observed as (
    -- the platform's first fetch at or after the window end (looked for up to the longest window)
    select
        e.platform,
        e.window_end_at,
        min(h.first_fetched_at) as observed_at
    from window_ends as e
    inner join platform_hours as h
        on
            e.platform = h.platform
            and e.window_end_at <= h.hour_start_at
            and h.hour_start_at < {{ dbt.dateadd('hour', max_window, 'e.window_end_at') }}
    group by 1, 2
),

observed as (
    select
        c.entity_type,
        c.entity_id,
        c.platform,
        c.as_of_at,
        c.window_hours,
        c.start_value,
        c.gained_value,
        c.creator_average_views,
        c.actual_peak_at,
        c.actual_peak_value,
        c.max_gap_hours,
        coalesce(c.observed_at, o.observed_at) as observed_at
    from candidates as c
    left join hashtag_observed as o
        on
            c.entity_type = 'hashtag'
            and c.platform = o.platform
            and {{ dbt.dateadd('hour', 'c.window_hours', 'c.as_of_at') }} = o.window_end_at
),

complete as (
    select
        *,
        rank() over (
            partition by entity_type, platform, window_hours, {{ dbt.date_trunc('hour', 'as_of_at') }}
            order by gained_value desc
        ) as rank_in_window
    from observed
    where observed_at is not null
),

labelled as (
    select
        c.entity_type,
        c.entity_id,
        c.platform,
        c.as_of_at,
        c.window_hours,
        d.definition_id,
        d.labeling_method,
        {{ dbt.dateadd('hour', 'c.window_hours', 'c.as_of_at') }} as window_end_at,
        c.observed_at,
        c.start_value,
        c.start_value + c.gained_value as end_value,
        c.gained_value,
        c.gained_value
        / case when c.start_value > coalesce(d.min_base, 0) then c.start_value else coalesce(d.min_base, 1) end
            as growth_rate,
        c.rank_in_window,
        case d.labeling_method
            when 'growth_threshold'
                then
                    c.gained_value
                    / case
                        when c.start_value > coalesce(d.min_base, 0) then c.start_value else coalesce(d.min_base, 1)
                    end
                    >= d.threshold / 100.0
            when 'top_k' then c.rank_in_window <= d.threshold and c.gained_value > 0
            when 'creator_multiple' then c.start_value + c.gained_value >= d.threshold * c.creator_average_views
        end as is_viral,
        case d.labeling_method
            when 'growth_threshold'
                then
                    d.threshold
                    / 100.0
                    * case
                        when c.start_value > coalesce(d.min_base, 0) then c.start_value else coalesce(d.min_base, 1)
                    end
            when 'creator_multiple' then d.threshold * c.creator_average_views
        end as threshold_value,
        c.actual_peak_at,
        c.actual_peak_value,
        greatest(0.0, least(1.0, 1 - coalesce(c.max_gap_hours, c.window_hours) / c.window_hours)) as confidence
    from complete as c
    inner join definitions as d
        on d.applies_to in ('both', c.entity_type)
),

final as (
    select
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        entity_id,
        platform,
        as_of_at,
        window_hours,
        definition_id,
        labeling_method,
        window_end_at,
        observed_at,
        start_value,
        end_value,
        gained_value,
        cast(growth_rate as {{ double }}) as growth_rate,
        cast(rank_in_window as {{ dbt.type_bigint() }}) as rank_in_window,
        is_viral,
        cast(threshold_value as {{ double }}) as threshold_value,
        actual_peak_at,
        actual_peak_value,
        cast(confidence as {{ double }}) as confidence
    from labelled
    where is_viral is not null {{ trends_incremental_filter('as_of_at', max_window) }}
)

select * from final
