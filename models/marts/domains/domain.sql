-- The seed's `domains.domain`: one row per registrable domain ever mentioned.
-- Its post-hook (re)creates the dashboard functions, which read this table and its neighbours.
-- depends_on: {{ ref('comment') }}
{{ config(post_hook=["{{ create_domain_functions() }}"]) }}
with

mentions as (
    select * from {{ ref('domain_mention') }}
),

resolved as (
    select * from {{ ref('int_domains__mentions_resolved') }}
),

enrichment as (
    select * from {{ ref('int_domains__enrichment_latest') }}
),

subdomains as (
    -- the subdomain written most often (then alphabetically first)
    select
        domain_name,
        subdomain,
        row_number() over (
            partition by domain_name order by count(*) desc, subdomain asc
        ) as subdomain_rank
    from resolved
    where subdomain <> ''
    group by 1, 2
),

names as (
    select
        domain_name,
        max(domain_unicode) as domain_unicode,
        max(suffix) as tld
    from resolved
    group by 1
),

counted as (
    select
        domain_id,
        domain_name,
        min(coalesce(posted_at, discovered_at)) as first_seen_at,
        max(coalesce(posted_at, discovered_at)) as last_seen_at,
        count(*) as mention_count,
        -- shorteners hide where they lead; obfuscation is written to slip past filters
        max(case when is_shortener or method like 'obfuscated%' then 1 else 0 end) = 1 as is_suspicious
    from mentions
    group by 1, 2
),

final as (
    select
        c.domain_id,
        c.domain_name,
        n.domain_unicode,
        n.tld,
        s.subdomain,
        c.first_seen_at,
        c.last_seen_at,
        c.mention_count,
        c.is_suspicious,
        coalesce(e.is_reachable, false) as is_verified,
        e.metadata_json as metadata,
        e.checked_at as verified_at
    from counted as c
    inner join names as n on c.domain_name = n.domain_name
    left join subdomains as s on c.domain_name = s.domain_name and s.subdomain_rank = 1
    left join enrichment as e on c.domain_name = e.domain_name
)

select * from final
