{{ config(materialized='view') }}
-- Domains by total mentions, with reach (videos, commenters) and age.
with

domains as (
    select * from {{ ref('domain') }}
),

mentions as (
    select * from {{ ref('domain_mention') }}
),

newest as (
    select max(last_seen_at) as newest_at from domains
),

reach as (
    select
        domain_name,
        count(distinct video_id) as unique_videos,
        -- TikTok's Research API names no commenter: those count as unknown, not as one person
        count(distinct username) as unique_commenters
    from mentions
    group by 1
),

final as (
    select
        d.domain_id,
        d.domain_name,
        d.domain_unicode,
        d.mention_count as total_mentions,
        r.unique_videos,
        r.unique_commenters,
        d.first_seen_at,
        d.last_seen_at,
        {{ dbt.datediff('d.first_seen_at', 'n.newest_at', 'day') }} as days_since_first_seen,  -- noqa: LT05
        d.is_suspicious,
        d.is_verified
    from domains as d
    inner join reach as r on d.domain_name = r.domain_name
    cross join newest as n
)

select * from final
