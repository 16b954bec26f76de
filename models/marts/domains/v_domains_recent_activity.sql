{{ config(materialized='view') }}
-- The last 7 days of mentions (before the newest mention): pace and whether a domain is new.
with

domains as (
    select * from {{ ref('domain') }}
),

mentions as (
    select * from {{ ref('domain_mention') }}
),

newest as (
    select max(coalesce(posted_at, discovered_at)) as newest_at from mentions
),

recent as (
    select
        m.domain_name,
        count(*) as mentions_7d,
        count(distinct m.video_id) as videos_7d,
        max(coalesce(m.posted_at, m.discovered_at)) as last_mention_at
    from mentions as m
    cross join newest as n
    where coalesce(m.posted_at, m.discovered_at) > n.newest_at - interval '7 days'
    group by 1
),

final as (
    select
        d.domain_id,
        d.domain_name,
        r.mentions_7d,
        r.videos_7d,
        cast(r.mentions_7d as {{ type_double() }}) / 7 as velocity_per_day,
        r.last_mention_at,
        d.first_seen_at,
        case when d.first_seen_at > n.newest_at - interval '7 days' then 'fresh' else 'established' end
            as activity_status
    from recent as r
    inner join domains as d on r.domain_name = d.domain_name
    cross join newest as n
)

select * from final
