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
-- Human labels (seeds/viral_label_overrides.csv) override the rule's is_viral where they match
-- (entity, as_of_at in [as_of_from, as_of_to), optional window and definition; the latest
-- labelled_at wins); rule_is_viral keeps the rule's answer, label_source says which one holds, and
-- such a label is known only from labelled_at on (observed_at = the later of the two). On an
-- incremental run, stored rows outside the recomputed range that a human label touches, or touched
-- before, are re-read from this table and re-reviewed, so editing the seed needs no full refresh.
--
-- Scheduling only: this model and int_trend_hashtag_timezone_mix each need most of a 2.5 GB DuckDB
-- memory limit on a multi-year archive, and dbt's threads share one limit; run side by side they
-- ran out of it (docs/BENCHMARKS.md). The edge below makes dbt build them one after the other;
-- the unit test gives that input empty, since the query never reads it.
-- depends_on: {{ ref('int_trend_hashtag_timezone_mix') }}
with

definitions as (
    select * from {{ ref('viral_definitions') }}
),

overrides as (
    -- override_rank orders the human labels once (the latest labelled_at wins, then labelled_by;
    -- the other columns only make the order total), so that of the labels matching a row the
    -- first in this order applies
    select
        *,
        case
            when entity_type = 'hashtag' then {{ dbt.hash("platform || ':' || lower(entity_name)") }}
            else entity_name
        end as entity_id,
        row_number() over (
            order by
                labelled_at desc nulls last, labelled_by asc nulls last, entity_type asc, platform asc,
                entity_name asc, as_of_from asc, as_of_to asc, window_hours asc nulls last,
                definition_id asc nulls last, is_viral asc nulls last
        ) as override_rank
    from {{ ref('viral_label_overrides') }}
),

metrics as (
    -- the label windows look forward only (1 to max_window hours after the row), so the rows an
    -- incremental run recomputes (the same cutoff as rule_labels') need no earlier metric row
    select * from {{ ref('hashtag_metrics') }}
    where 1 = 1 {{ trends_incremental_filter('as_of_at', max_window) }}
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
        cast(null as {{ type_timestamptz() }}) as observed_at
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

rule_labels as (
    select
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        entity_id,
        platform,
        as_of_at,
        window_hours,
        definition_id,
        labeling_method,
        window_end_at,
        observed_at as rule_observed_at,
        start_value,
        end_value,
        gained_value,
        cast(growth_rate as {{ double }}) as growth_rate,
        cast(rank_in_window as {{ dbt.type_bigint() }}) as rank_in_window,
        cast(threshold_value as {{ double }}) as threshold_value,
        actual_peak_at,
        actual_peak_value,
        cast(confidence as {{ double }}) as confidence,
        is_viral as rule_is_viral
    from labelled
    where is_viral is not null {{ trends_incremental_filter('as_of_at', max_window) }}
    {% if is_incremental() %}
        union all
        select
            t.entity_type,
            t.entity_id,
            t.platform,
            t.as_of_at,
            t.window_hours,
            t.definition_id,
            t.labeling_method,
            t.window_end_at,
            t.rule_observed_at,
            t.start_value,
            t.end_value,
            t.gained_value,
            t.growth_rate,
            t.rank_in_window,
            t.threshold_value,
            t.actual_peak_at,
            t.actual_peak_value,
            t.confidence,
            t.rule_is_viral
        from {{ this }} as t
        where
            t.as_of_at < {{ core_incremental_cutoff('as_of_at', extra_hours=max_window) }}
            and (
                t.label_source = 'manual'
                or exists (
                    select 1 from overrides as o
                    where
                        o.entity_type = t.entity_type
                        and o.platform = t.platform
                        and o.entity_id = t.entity_id
                        and t.as_of_at >= o.as_of_from
                        and t.as_of_at < o.as_of_to
                )
            )
    {% endif %}
),

reviewed as (
    -- each rule label with the human label that applies to it, if any: of the labels matching the
    -- row, the one no other matching label outranks. The rows are never sorted or partitioned for
    -- this (the labels are a small seed: a join and an anti-join against it, which the engine
    -- runs by hash, or by merge on an order the rows already have), which matters at a hundred
    -- million label rows; with no matching label, o is all NULL and the anti-join keeps the row.
    select
        r.*,
        o.is_viral as manual_is_viral,
        o.labelled_by,
        o.labelled_at
    from rule_labels as r
    left join overrides as o
        on {{ trends_override_matches('r', 'o') }}
    where not exists (
        select better.override_rank from overrides as better
        where {{ trends_override_matches('r', 'better') }} and better.override_rank < o.override_rank
    )
),

final as (
    select
        entity_type,
        entity_id,
        platform,
        as_of_at,
        window_hours,
        definition_id,
        labeling_method,
        window_end_at,
        case
            when manual_is_viral is null then rule_observed_at
            when labelled_at > rule_observed_at then labelled_at
            else rule_observed_at
        end as observed_at,
        start_value,
        end_value,
        gained_value,
        growth_rate,
        rank_in_window,
        coalesce(manual_is_viral, rule_is_viral) as is_viral,
        threshold_value,
        actual_peak_at,
        actual_peak_value,
        confidence,
        rule_is_viral,
        rule_observed_at,
        cast(case when manual_is_viral is null then 'rule' else 'manual' end as {{ dbt.type_string() }})
            as label_source,
        -- typed as the contract says: the seed's varchar(128) would read as a changed column type
        -- to an incremental run on Postgres (on_schema_change fail)
        cast(case when manual_is_viral is not null then labelled_by end as {{ dbt.type_string() }})
            as labelled_by,
        case when manual_is_viral is not null then labelled_at end as labelled_at
    from reviewed
)

select * from final
