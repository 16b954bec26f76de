{{ config(materialized='view') }}
-- Domains first seen on the newest day of data ("today" for a live feed).
with

domains as (
    select * from {{ ref('domain') }}
),

today as (
    select max(cast(last_seen_at as date)) as newest_date from domains
),

final as (
    select
        d.domain_id,
        d.domain_name,
        d.domain_unicode,
        d.tld,
        d.first_seen_at,
        d.mention_count,
        d.is_suspicious,
        d.is_verified
    from domains as d
    cross join today as t
    where cast(d.first_seen_at as date) = t.newest_date
)

select * from final
