-- fact_creator_analytics must agree with fact_content_performance (views, engagements received)
-- and fact_content_engagements (follows, unfollows) per creator and UTC day, and every creator-day
-- with received views must be present. Returns the creator-days that disagree.
with

creator_days as (
    select * from {{ ref('fact_creator_analytics') }}
),

performance as (
    select
        creator_id,
        performance_date as activity_date,
        sum(total_views) as view_count,
        sum(total_likes + total_comments + total_shares + total_saves + total_duets_remixes) as engagements
    from {{ ref('fact_content_performance') }}
    where creator_id is not null
    group by 1, 2
),

follows as (
    select
        creator_id,
        {{ core_utc_date('occurred_at') }} as activity_date,
        sum(case when engagement_type = 'follow' then 1 else 0 end) as follows,
        sum(case when engagement_type = 'unfollow' then 1 else 0 end) as unfollows
    from {{ ref('fact_content_engagements') }}
    where engagement_type in ('follow', 'unfollow') and creator_id is not null
    group by 1, 2
),

final as (
    select
        coalesce(c.creator_id, p.creator_id, f.creator_id) as creator_id,
        coalesce(c.activity_date, p.activity_date, f.activity_date) as activity_date,
        c.total_views_received,
        p.view_count as expected_views
    from creator_days as c
    full outer join performance as p
        on c.creator_id = p.creator_id and c.activity_date = p.activity_date
    full outer join follows as f
        on
            coalesce(c.creator_id, p.creator_id) = f.creator_id
            and coalesce(c.activity_date, p.activity_date) = f.activity_date
    where
        c.creator_id is null
        or c.total_views_received != coalesce(p.view_count, 0)
        or c.total_engagements_received != coalesce(p.engagements, 0)
        or c.new_followers != coalesce(f.follows, 0)
        or c.follower_churn != coalesce(f.unfollows, 0)
)

select * from final
