-- One row per (domain, video, comment): the mentions the extractor found, joined to their comment.
-- A domain written twice in one comment counts once; the most confident sighting (then the first
-- in the text) describes it. A mention whose comment is gone (deleted upstream) is dropped.
with

mentions as (
    select * from {{ ref('stg_domains__mentions') }}
),

comments as (
    select * from {{ ref('int_domains__comments_unioned') }}
),

joined as (
    select
        m.domain_name,
        m.domain_unicode,
        m.suffix,
        m.subdomain,
        m.host,
        c.comment_key,
        c.platform,
        c.comment_id,
        -- a Mastodon status comments on nothing: it stands for its own "video"
        coalesce(c.video_id, c.comment_id) as video_id,
        c.username,
        c.posted_at,
        c.discovered_at,
        m.position,
        m.match_length,
        m.confidence,
        m.method,
        m.is_shortener,
        m.context,
        m.extracted_at,
        row_number() over (
            partition by m.domain_name, c.platform, coalesce(c.video_id, c.comment_id), c.comment_id
            order by m.confidence desc, m.position asc
        ) as sighting_rank
    from mentions as m
    inner join comments as c
        on m.comment_key = c.comment_key
),

final as (
    select
        {{ dbt.hash('domain_name') }} as domain_id,
        domain_name,
        domain_unicode,
        suffix,
        subdomain,
        host,
        comment_key,
        platform,
        comment_id,
        video_id,
        username,
        posted_at,
        discovered_at,
        position,
        match_length,
        confidence,
        method,
        is_shortener,
        context,
        extracted_at
    from joined
    where sighting_rank = 1
)

select * from final
