-- Trending platform videos over the last 24 h and 48 h before the data's latest engagement
-- (not now(): a replay or a stale warehouse gives the same answer). One row per video and window
-- with any engagement in it. trend_status (macro core_trend_status): Viral when the video's
-- weighted engagement score per 24 h in the window is above 10x its creator's 30-day average
-- score per video-day (over the creator's other videos), Trending above 5x, else Normal (also when
-- the creator has no other video to compare with).
with

engagements as (
    select * from {{ ref('fact_content_engagements') }}
    where content_id is not null
),

engagement_types as (
    select * from {{ ref('dim_engagement_type') }}
),

performance as (
    select * from {{ ref('fact_content_performance') }}
),

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

as_of as (
    select max(occurred_at) as as_of_at
    from engagements
),

windows as (
    select 24 as window_hours
    union all
    select 48 as window_hours
),

window_events as (
    select
        w.window_hours,
        a.as_of_at,
        e.content_id,
        e.creator_id,
        e.user_id,
        e.engagement_type,
        e.is_qualified_view,
        t.engagement_weight
    from engagements as e
    cross join as_of as a
    inner join windows as w
        on e.occurred_at > {{ dbt.dateadd('hour', '-1 * w.window_hours', 'a.as_of_at') }}
    inner join engagement_types as t
        on e.engagement_type = t.engagement_type
),

window_scores as (
    select
        window_hours,
        content_id,
        max(as_of_at) as as_of_at,
        max(creator_id) as event_creator_id,
        sum(case when is_qualified_view then 1 else 0 end) as views_in_window,
        count(distinct case when is_qualified_view then user_id end) as unique_viewers_in_window,
        sum(case when engagement_type in ('like', 'comment', 'share', 'save', 'duet', 'remix') then 1 else 0 end)
            as interactions_in_window,
        sum(case when engagement_type = 'view' and not is_qualified_view then 0 else engagement_weight end)
            as score_in_window
    from window_events
    group by 1, 2
),

creator_window as (
    -- the creator's video-days over the 30 days ending at the as-of day
    select
        p.creator_id,
        p.content_id,
        p.weighted_engagement_score
    from performance as p
    cross join as_of as a
    where
        p.creator_id is not null
        and p.performance_date > {{ dbt.dateadd('day', -30, core_utc_date('a.as_of_at')) }}
        and p.performance_date <= {{ core_utc_date('a.as_of_at') }}
),

creator_totals as (
    select
        creator_id,
        sum(weighted_engagement_score) as creator_score_30d,
        count(*) as creator_content_days_30d
    from creator_window
    group by 1
),

content_totals as (
    select
        content_id,
        sum(weighted_engagement_score) as content_score_30d,
        count(*) as content_days_30d
    from creator_window
    group by 1
),

ratios as (
    select
        s.*,
        coalesce(c.creator_id, s.event_creator_id) as creator_id,
        c.category,
        c.content_key,
        -- the creator's average score per video-day over the 30 days, this video left out
        cast(ct.creator_score_30d - coalesce(vt.content_score_30d, 0) as {{ type_double() }})
        / nullif(ct.creator_content_days_30d - coalesce(vt.content_days_30d, 0), 0) as baseline_score_30d
    from window_scores as s
    left join content as c
        on s.content_id = c.content_id
    left join creator_totals as ct
        on coalesce(c.creator_id, s.event_creator_id) = ct.creator_id
    left join content_totals as vt
        on s.content_id = vt.content_id
),

with_ratio as (
    select
        *,
        cast(score_in_window as {{ type_double() }}) * 24 / window_hours
        / nullif(baseline_score_30d, 0) as engagement_ratio
    from ratios
),

final as (
    select
        coalesce(content_key, {{ dbt.hash(dbt.concat(["'platform:'", 'content_id'])) }}) as content_key,
        content_id,
        window_hours,
        as_of_at,
        creator_id,
        category,
        cast(views_in_window as {{ dbt.type_bigint() }}) as views_in_window,
        cast(unique_viewers_in_window as {{ dbt.type_bigint() }}) as unique_viewers_in_window,
        cast(interactions_in_window as {{ dbt.type_bigint() }}) as interactions_in_window,
        cast(score_in_window as {{ dbt.type_bigint() }}) as score_in_window,
        cast(baseline_score_30d as {{ type_double() }}) as baseline_score_30d,
        cast(engagement_ratio as {{ type_double() }}) as engagement_ratio,
        {{ core_trend_status('engagement_ratio') }} as trend_status,
        cast(
            row_number() over (
                partition by window_hours
                order by score_in_window desc, content_id asc
            ) as {{ dbt.type_bigint() }}
        ) as score_rank
    from with_ratio
)

select * from final
