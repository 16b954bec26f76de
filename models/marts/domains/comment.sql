-- The seed's `domains.comment`: every comment (and Mastodon status) domains are harvested from.
{{ config(post_hook=["{{ create_comment_search_index() }}"]) }}
with

comments as (
    select * from {{ ref('int_domains__comments_unioned') }}
),

final as (
    select
        comment_key,
        platform,
        comment_id,
        video_id,
        parent_comment_id,
        username,
        comment_text,
        posted_at,
        discovered_at
    from comments
)

select * from final
