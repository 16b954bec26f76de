{{ config(materialized='view') }}
-- Videos whose comments mention domains, with the domains.
with

videos as (
    select * from {{ ref('video') }}
),

mentions as (
    select * from {{ ref('domain_mention') }}
),

per_video as (
    select
        platform,
        video_id,
        count(*) as domain_mentions,
        count(distinct domain_name) as unique_domains,
        count(distinct comment_id) as comments_with_domains,
        max(case when is_shortener then 1 else 0 end) = 1 as has_shortener
    from mentions
    group by 1, 2
),

video_domains as (
    select distinct
        platform,
        video_id,
        domain_name
    from mentions
),

domain_lists as (
    select
        platform,
        video_id,
        {{ dbt.listagg('domain_name', "', '", 'order by domain_name') }} as domains
    from video_domains
    group by 1, 2
),

final as (
    select
        p.platform,
        p.video_id,
        v.username,
        v.title,
        v.posted_at,
        v.is_active,
        v.comments_collected,
        p.comments_with_domains,
        p.domain_mentions,
        p.unique_domains,
        p.has_shortener,
        l.domains
    from per_video as p
    inner join domain_lists as l on p.platform = l.platform and p.video_id = l.video_id
    left join videos as v on p.platform = v.platform and p.video_id = v.video_id
)

select * from final
