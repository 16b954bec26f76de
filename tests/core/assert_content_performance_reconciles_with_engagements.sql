-- fact_content_performance must equal a re-aggregation of fact_content_engagements per video and
-- UTC day (views only when qualified). Returns the (video, day) pairs that disagree.
with

engagements as (
    select * from {{ ref('fact_content_engagements') }}
    where content_id is not null
),

performance as (
    select * from {{ ref('fact_content_performance') }}
),

expected as (
    select
        content_id,
        {{ core_utc_date('occurred_at') }} as performance_date,
        sum(case when is_qualified_view then 1 else 0 end) as total_views,
        sum(case when engagement_type = 'like' then 1 else 0 end) as total_likes,
        sum(case when engagement_type = 'comment' then 1 else 0 end) as total_comments,
        sum(case when engagement_type = 'share' then 1 else 0 end) as total_shares,
        sum(case when engagement_type = 'save' then 1 else 0 end) as total_saves
    from engagements
    group by 1, 2
),

final as (
    select
        coalesce(e.content_id, p.content_id) as content_id,
        coalesce(e.performance_date, p.performance_date) as performance_date,
        e.total_views as expected_views,
        p.total_views as actual_views
    from expected as e
    full outer join performance as p
        on e.content_id = p.content_id and e.performance_date = p.performance_date
    where
        e.content_id is null
        or p.content_id is null
        or e.total_views != p.total_views
        or e.total_likes != p.total_likes
        or e.total_comments != p.total_comments
        or e.total_shares != p.total_shares
        or e.total_saves != p.total_saves
)

select * from final
