-- The seed's `domains.domain_mention`: one row per (domain, video, comment).
with

mentions as (
    select * from {{ ref('int_domains__mentions_resolved') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(['domain_name', "'|'", 'platform', "'|'", 'video_id', "'|'", 'comment_id'])) }}
            as domain_mention_id,
        domain_id,
        domain_name,
        platform,
        comment_key,
        comment_id,
        video_id,
        username,
        position,
        confidence,
        context,
        method,
        is_shortener,
        posted_at,
        discovered_at
    from mentions
)

select * from final
