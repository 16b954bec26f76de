-- One row per user and week (UTC, weeks start on Monday) with impressions: how concentrated the
-- feed the user was shown is, over categories and over creators. Concentration is the
-- Herfindahl-Hirschman index (sum of squared shares: 1 = everything from one category / creator)
-- and the Shannon entropy in nats (0 = one category). is_echo_chamber flags a week whose category
-- HHI reaches the threshold with enough impressions to tell (macro analytics_is_echo_chamber);
-- category_hhi_change is the change from the user's previous week with impressions, so a narrowing
-- feed shows over time. Impressions of videos without a known category count as 'unknown'.
-- A user-level mart: only impressions shown while the user consented to analytics count
-- (macro privacy_with_consent; docs/STAR_SCHEMA.md, privacy), so a user without consent in a
-- week has no row for it.
with

discovery_events as (
    select * from {{ ref('fact_discovery_events') }}
    where user_id is not null
),

impressions as (
    {{ privacy_with_consent('discovery_events', 'user_id', 'discovery_timestamp', consented_only=true) }}
),

content as (
    select * from {{ ref('dim_content') }}
),

seen as (
    select
        i.user_id,
        cast({{ dbt.date_trunc('week', core_utc_date('i.discovery_timestamp')) }} as date) as week_start_date,
        coalesce(c.category, 'unknown') as category,
        coalesce(c.creator_id, i.creator_id, 'unknown') as creator_id
    from impressions as i
    left join content as c on i.content_key = c.content_key
),

per_category as (
    select
        user_id,
        week_start_date,
        category,
        count(*) as n
    from seen
    group by 1, 2, 3
),

per_creator as (
    select
        user_id,
        week_start_date,
        creator_id,
        count(*) as n
    from seen
    group by 1, 2, 3
),

category_totals as (
    select
        user_id,
        week_start_date,
        sum(n) as impressions,
        count(*) as distinct_categories,
        max(n) as top_category_impressions
    from per_category
    group by 1, 2
),

category_concentration as (
    select
        c.user_id,
        c.week_start_date,
        -- integer sums, one division: the same bits whatever order the rows are summed in
        cast(sum(c.n * c.n) as {{ type_double() }})
        / (cast(max(t.impressions) as {{ type_double() }}) * max(t.impressions))
            as category_hhi,
        -sum((cast(c.n as {{ type_double() }}) / t.impressions) * ln(cast(c.n as {{ type_double() }}) / t.impressions))
            as category_entropy,
        min(case when c.n = t.top_category_impressions then c.category end) as top_category
    from per_category as c
    inner join category_totals as t
        on c.user_id = t.user_id and c.week_start_date = t.week_start_date
    group by 1, 2
),

creator_concentration as (
    select
        c.user_id,
        c.week_start_date,
        count(*) as distinct_creators,
        cast(sum(c.n * c.n) as {{ type_double() }})
        / (cast(max(t.impressions) as {{ type_double() }}) * max(t.impressions))
            as creator_hhi
    from per_creator as c
    inner join category_totals as t
        on c.user_id = t.user_id and c.week_start_date = t.week_start_date
    group by 1, 2
),

weekly as (
    select
        t.user_id,
        t.week_start_date,
        t.impressions,
        t.distinct_categories,
        k.top_category,
        cast(t.top_category_impressions as {{ type_double() }}) / t.impressions as top_category_share,
        k.category_hhi,
        k.category_entropy,
        r.distinct_creators,
        r.creator_hhi
    from category_totals as t
    inner join category_concentration as k
        on t.user_id = k.user_id and t.week_start_date = k.week_start_date
    inner join creator_concentration as r
        on t.user_id = r.user_id and t.week_start_date = r.week_start_date
),

final as (
    select
        user_id,
        week_start_date,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(distinct_categories as {{ dbt.type_bigint() }}) as distinct_categories,
        top_category,
        cast(top_category_share as {{ type_double() }}) as top_category_share,
        cast(category_hhi as {{ type_double() }}) as category_hhi,
        cast(category_entropy as {{ type_double() }}) as category_entropy,
        cast(distinct_creators as {{ dbt.type_bigint() }}) as distinct_creators,
        cast(creator_hhi as {{ type_double() }}) as creator_hhi,
        cast(
            category_hhi - lag(category_hhi) over (partition by user_id order by week_start_date)
            as {{ type_double() }}
        ) as category_hhi_change,
        coalesce({{ analytics_is_echo_chamber('impressions', 'category_hhi') }}, false) as is_echo_chamber
    from weekly
)

select * from final
