{{ incremental_table_config(['creator_id', 'activity_date'], partition_date='activity_date') }}
-- One row per creator per UTC day with activity (a video posted, views or interactions received,
-- follows or unfollows received). trending_content_ids lists the creator's videos whose weighted
-- engagement score that day is above 5x the creator's 30-day average per video-day over their
-- other videos (the same rule as the trending mart, macro core_trend_status).
-- Incremental: for every creator with a change in the lookback window (new engagement rows, new
-- performance rows, uploads or changed video attributes), every day from the earliest changed day on
-- is recomputed from the full sources (the 30-day baseline moves forward with it); everything else
-- cannot have changed, so the table equals a full refresh.
-- user_key is the creator's profile version valid at the start of the day (dim_users_history,
-- the same point in time as the creator boost of fact_content_performance); a version that arrives
-- late recomputes the creator's days from its valid_from on (every day for a first version).
with

engagements as (
    select * from {{ ref('fact_content_engagements') }}
),

performance as (
    select * from {{ ref('fact_content_performance') }}
),

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

creator_versions as (
    select * from {{ ref('dim_users_history') }}
),

uploads as (
    select
        creator_id,
        content_id,
        {{ core_utc_date('upload_timestamp') }} as activity_date,
        attributes_fetched_at
    from content
    where has_upload_event and creator_id is not null and upload_timestamp is not null
),

{% if is_incremental() %}
    changes as (
        select
            creator_id,
            {{ core_utc_date('occurred_at') }} as changed_date
        from engagements
        where creator_id is not null and fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
        union all
        select
            creator_id,
            performance_date as changed_date
        from performance
        where creator_id is not null and last_fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
        union all
        -- changed video attributes (creator, upload time, recency): recompute the creator's every day
        select
            creator_id,
            cast('1900-01-01' as date) as changed_date
        from content
        where creator_id is not null and attributes_fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
        union all
        select
            user_id as creator_id,
            case
                when version_number = 1 then cast('1900-01-01' as date)
                else {{ core_utc_date('valid_from') }}
            end as changed_date
        from creator_versions
        where fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
    ),

    affected_creators as (
        select
            creator_id,
            min(changed_date) as first_changed_date
        from changes
        group by 1
    ),
{% endif %}

follow_days as (
    select
        creator_id,
        {{ core_utc_date('occurred_at') }} as activity_date,
        sum(case when engagement_type = 'follow' then 1 else 0 end) as new_followers,
        sum(case when engagement_type = 'unfollow' then 1 else 0 end) as follower_churn,
        max(fetched_at) as last_fetched_at
    from engagements
    where engagement_type in ('follow', 'unfollow') and creator_id is not null
    group by 1, 2
),

upload_days as (
    select
        creator_id,
        activity_date,
        count(*) as content_posted,
        max(attributes_fetched_at) as last_fetched_at
    from uploads
    group by 1, 2
),

performance_days as (
    select
        creator_id,
        performance_date as activity_date,
        sum(total_views) as total_views_received,
        sum(total_likes + total_comments + total_shares + total_saves + total_duets_remixes)
            as total_engagements_received,
        sum(weighted_engagement_score) as weighted_engagement_score,
        count(*) as content_days,
        max(last_fetched_at) as last_fetched_at
    from performance
    where creator_id is not null
    group by 1, 2
),

creator_days as (
    select
        creator_id,
        activity_date
    from follow_days
    union
    select
        creator_id,
        activity_date
    from upload_days
    union
    select
        creator_id,
        activity_date
    from performance_days
),

target_days as (
    select d.*
    from creator_days as d
    {% if is_incremental() %}
        inner join affected_creators as a
            on
                d.creator_id = a.creator_id
                and d.activity_date >= a.first_changed_date
    {% endif %}
),

baselines as (
    -- the creator's weighted engagement score and video-days over the 30 days ending that day
    select
        t.creator_id,
        t.activity_date,
        sum(p.weighted_engagement_score) as creator_score_30d,
        sum(p.content_days) as creator_content_days_30d
    from target_days as t
    inner join performance_days as p
        on
            t.creator_id = p.creator_id
            and {{ in_trailing_days('p.activity_date', 't.activity_date', 30) }}
    group by 1, 2
),

content_windows as (
    -- each video active on a target day: its own score and days over the same 30 days
    select
        p.creator_id,
        p.content_id,
        p.performance_date as activity_date,
        p.weighted_engagement_score,
        sum(w.weighted_engagement_score) as content_score_30d,
        count(*) as content_days_30d
    from performance as p
    inner join target_days as t
        on p.creator_id = t.creator_id and p.performance_date = t.activity_date
    inner join performance as w
        on
            p.content_id = w.content_id
            and {{ in_trailing_days('w.performance_date', 'p.performance_date', 30) }}
    group by 1, 2, 3, 4
),

content_ratios as (
    -- ratio to the creator's average score per video-day over their other videos
    select
        v.creator_id,
        v.content_id,
        v.activity_date,
        cast(v.weighted_engagement_score as {{ type_double() }})
        / nullif(
            cast(b.creator_score_30d - v.content_score_30d as {{ type_double() }})
            / nullif(b.creator_content_days_30d - v.content_days_30d, 0),
            0
        ) as engagement_ratio
    from content_windows as v
    inner join baselines as b
        on v.creator_id = b.creator_id and v.activity_date = b.activity_date
),

trending as (
    select
        creator_id,
        activity_date,
        count(*) as trending_content_count,
        {{ dbt.listagg('content_id', "','", 'order by content_id') }} as trending_content_ids
    from content_ratios
    where {{ core_trend_status('engagement_ratio') }} != 'Normal'
    group by 1, 2
),

final as (
    select
        t.creator_id,
        t.activity_date,
        v.user_key,
        {{ core_date_key('t.activity_date', grain='day') }} as date_key,
        cast(coalesce(u.content_posted, 0) as {{ dbt.type_bigint() }}) as content_posted,
        cast(coalesce(p.total_views_received, 0) as {{ dbt.type_bigint() }}) as total_views_received,
        cast(coalesce(p.total_engagements_received, 0) as {{ dbt.type_bigint() }}) as total_engagements_received,
        cast(coalesce(p.weighted_engagement_score, 0) as {{ dbt.type_bigint() }}) as weighted_engagement_score,
        cast(coalesce(f.new_followers, 0) as {{ dbt.type_bigint() }}) as new_followers,
        cast(coalesce(f.follower_churn, 0) as {{ dbt.type_bigint() }}) as follower_churn,
        cast(coalesce(f.new_followers, 0) - coalesce(f.follower_churn, 0) as {{ dbt.type_bigint() }})
            as net_follower_change,
        cast(
            case
                when p.total_views_received > 0
                    then cast(p.total_engagements_received as {{ type_double() }}) / p.total_views_received
            end
            as {{ type_double() }}
        ) as engagement_rate,
        cast(
            cast(b.creator_score_30d as {{ type_double() }}) / nullif(b.creator_content_days_30d, 0)
            as {{ type_double() }}
        ) as baseline_score_30d,
        cast(coalesce(tr.trending_content_count, 0) as {{ dbt.type_bigint() }}) as trending_content_count,
        cast(tr.trending_content_ids as {{ dbt.type_string() }}) as trending_content_ids,
        greatest(
            coalesce(p.last_fetched_at, f.last_fetched_at, u.last_fetched_at),
            coalesce(f.last_fetched_at, p.last_fetched_at, u.last_fetched_at),
            coalesce(u.last_fetched_at, p.last_fetched_at, f.last_fetched_at)
        ) as last_fetched_at
    from target_days as t
    left join upload_days as u
        on t.creator_id = u.creator_id and t.activity_date = u.activity_date
    left join performance_days as p
        on t.creator_id = p.creator_id and t.activity_date = p.activity_date
    left join follow_days as f
        on t.creator_id = f.creator_id and t.activity_date = f.activity_date
    left join baselines as b
        on t.creator_id = b.creator_id and t.activity_date = b.activity_date
    left join trending as tr
        on t.creator_id = tr.creator_id and t.activity_date = tr.activity_date
    left join creator_versions as v
        on {{ core_version_valid_at('v', 't.creator_id', 'cast(t.activity_date as timestamp)') }}
)

select * from final
