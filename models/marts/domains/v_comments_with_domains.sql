{{ config(materialized='view') }}
-- One row per mention with its comment: the text with the mention marked ⟦…⟧, the video and how
-- the domain was found.
with

mentions as (
    select * from {{ ref('int_domains__mentions_resolved') }}
),

comments as (
    select * from {{ ref('comment') }}
),

videos as (
    select * from {{ ref('video') }}
),

final as (
    select
        m.comment_key,
        m.platform,
        m.comment_id,
        m.video_id,
        v.title as video_title,
        v.username as video_username,
        c.username,
        c.posted_at,
        m.domain_name,
        m.domain_unicode,
        m.method,
        m.confidence,
        m.position,
        m.is_shortener,
        c.comment_text,
        {{ dbt.concat([
            'substr(c.comment_text, 1, cast(m.position as integer))',
            "'⟦'",
            'substr(c.comment_text, cast(m.position + 1 as integer), cast(m.match_length as integer))',
            "'⟧'",
            'substr(c.comment_text, cast(m.position + m.match_length + 1 as integer))',
        ]) }} as comment_text_marked
    from mentions as m
    inner join comments as c on m.comment_key = c.comment_key
    left join videos as v on m.platform = v.platform and m.video_id = v.video_id
)

select * from final
