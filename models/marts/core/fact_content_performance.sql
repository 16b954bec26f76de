{{ incremental_table_config(['content_id', 'performance_date'], partition_date='performance_date') }}
-- One row per platform video per UTC day with engagement: views (qualified only), unique viewers,
-- interactions, watch time, completion and the viral score
--   weighted_engagement_score = sum(engagement_weight) over the day's engagements (views only
--                               when qualified; weights from seeds/engagement_types.csv)
--   viral_score = weighted_engagement_score * completion_bonus * recency_factor * creator_boost
--   completion_bonus = 1.25 when completion_rate > 0.8, else 1.0
--   recency_factor   = 0.5 ^ (content age in days at the performance day / 7)
--   creator_boost    = seeds/creator_tier_boosts.csv factor of the creator's tier at the start of
--                      the performance day (dim_users_history, point in time), 1.0 when unknown
-- Incremental: a (video, day) pair is recomputed from every fact row it has when the engagement
-- fact got a row for it in the lookback window, or when the video's attributes changed; all other
-- rows cannot have changed, so the table equals a full refresh. A creator's profile version that
-- arrives late (its fetched_at in the lookback) recomputes that creator's pairs from its valid_from
-- on (all of them for a first version, which covers the time before it).
with

engagements as (
    select * from {{ ref('fact_content_engagements') }}
    where content_id is not null
),

engagement_types as (
    select * from {{ ref('dim_engagement_type') }}
),

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

creator_versions as (
    select * from {{ ref('dim_users_history') }}
),

creator_boosts as (
    select * from {{ ref('creator_tier_boosts') }}
),

{% if is_incremental() %}
    affected_pairs as (
        select
            content_id,
            {{ core_utc_date('occurred_at') }} as performance_date
        from engagements
        where fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
        union
        select
            e.content_id,
            {{ core_utc_date('e.occurred_at') }} as performance_date
        from engagements as e
        inner join content as c
            on e.content_id = c.content_id
        where c.attributes_fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
        union
        select
            e.content_id,
            {{ core_utc_date('e.occurred_at') }} as performance_date
        from engagements as e
        inner join creator_versions as v
            on e.creator_id = v.user_id
        where
            v.fetched_at >= {{ core_incremental_cutoff('last_fetched_at', lookback_factor=2) }}
            and (
                v.version_number = 1
                or {{ core_utc_date('e.occurred_at') }} >= {{ core_utc_date('v.valid_from') }}
            )
    ),
{% endif %}

pair_events as (
    select
        e.*,
        {{ core_utc_date('e.occurred_at') }} as performance_date
    from engagements as e
    {% if is_incremental() %}
        inner join affected_pairs as a
            on
                e.content_id = a.content_id
                and {{ core_utc_date('e.occurred_at') }} = a.performance_date
    {% endif %}
),

daily as (
    select
        p.content_id,
        p.performance_date,
        max(p.creator_id) as event_creator_id,
        sum(case when p.is_qualified_view then 1 else 0 end) as total_views,
        count(distinct case when p.is_qualified_view then p.user_id end) as unique_viewers,
        sum(case when p.engagement_type = 'view' then 1 else 0 end) as total_view_events,
        sum(case when p.engagement_type = 'like' then 1 else 0 end) as total_likes,
        sum(case when p.engagement_type = 'comment' then 1 else 0 end) as total_comments,
        sum(case when p.engagement_type = 'share' then 1 else 0 end) as total_shares,
        sum(case when p.engagement_type = 'save' then 1 else 0 end) as total_saves,
        sum(case when p.engagement_type = 'follow' then 1 else 0 end) as total_follows,
        sum(case when p.engagement_type in ('duet', 'remix') then 1 else 0 end) as total_duets_remixes,
        avg(case when p.is_qualified_view then p.watch_duration_seconds end) as avg_watch_duration,
        avg(case when p.is_qualified_view then p.completion_percentage end) / 100.0 as completion_rate,
        sum(
            case
                when p.engagement_type = 'view' and not p.is_qualified_view then 0
                else t.engagement_weight
            end
        ) as weighted_engagement_score,
        max(p.fetched_at) as last_fetched_at
    from pair_events as p
    inner join engagement_types as t
        on p.engagement_type = t.engagement_type
    group by 1, 2
),

scored as (
    select
        d.*,
        coalesce(c.creator_id, d.event_creator_id) as creator_id,
        c.upload_timestamp,
        {{ dbt.datediff(core_utc_date('c.upload_timestamp'), 'd.performance_date', 'day') }}
            as content_age_days
    from daily as d
    left join content as c
        on d.content_id = c.content_id
),

boosted as (
    select
        s.*,
        v.creator_tier,
        {{ core_creator_boost('b.boost_factor') }} as creator_boost
    from scored as s
    left join creator_versions as v
        on {{ core_version_valid_at('v', 's.creator_id', 'cast(s.performance_date as timestamp)') }}
    left join creator_boosts as b
        on v.creator_tier = b.creator_tier
),

final as (
    select
        {{ dbt.hash(dbt.concat(["'platform:'", 'content_id'])) }} as content_key,
        content_id,
        creator_id,
        performance_date,
        {{ core_date_key('performance_date', grain='day') }} as date_key,
        cast(total_views as {{ dbt.type_bigint() }}) as total_views,
        cast(unique_viewers as {{ dbt.type_bigint() }}) as unique_viewers,
        cast(total_view_events as {{ dbt.type_bigint() }}) as total_view_events,
        cast(total_likes as {{ dbt.type_bigint() }}) as total_likes,
        cast(total_comments as {{ dbt.type_bigint() }}) as total_comments,
        cast(total_shares as {{ dbt.type_bigint() }}) as total_shares,
        cast(total_saves as {{ dbt.type_bigint() }}) as total_saves,
        cast(total_follows as {{ dbt.type_bigint() }}) as total_follows,
        cast(total_duets_remixes as {{ dbt.type_bigint() }}) as total_duets_remixes,
        cast(avg_watch_duration as {{ type_double() }}) as avg_watch_duration,
        cast(completion_rate as {{ type_double() }}) as completion_rate,
        cast(weighted_engagement_score as {{ dbt.type_bigint() }}) as weighted_engagement_score,
        cast(content_age_days as integer) as content_age_days,
        cast({{ core_completion_bonus('completion_rate') }} as {{ type_double() }}) as completion_bonus,
        cast({{ core_recency_factor('content_age_days') }} as {{ type_double() }}) as recency_factor,
        cast(creator_tier as {{ dbt.type_string() }}) as creator_tier,
        cast(creator_boost as {{ type_double() }}) as creator_boost,
        cast(
            weighted_engagement_score
            * {{ core_completion_bonus('completion_rate') }}
            * {{ core_recency_factor('content_age_days') }}
            * creator_boost
            as {{ type_double() }}
        ) as viral_score,
        last_fetched_at
    from boosted
)

select * from final
