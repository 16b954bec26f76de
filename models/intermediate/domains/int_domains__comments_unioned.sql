-- Every text a domain can be found in, one row per comment: TikTok and YouTube comments, and
-- Mastodon statuses (a status comments on nothing: no video, the source says where it came from).
-- Mastodon's HTML is reduced to what a reader sees, so extraction reads the same kind of text
-- everywhere.
with

tiktok as (
    select * from {{ ref('stg_tiktok__comments') }}
),

youtube as (
    select * from {{ ref('stg_youtube__comment_threads') }}
),

mastodon as (
    select * from {{ ref('stg_mastodon__statuses') }}
),

tiktok_comments as (
    select
        'tiktok' as platform,
        comment_id,
        video_id,
        -- the Research API sets a top-level comment's parent to the video id
        case when parent_comment_id <> video_id then parent_comment_id end as parent_comment_id,
        cast(null as {{ dbt.type_string() }}) as username,
        comment_text,
        created_at as posted_at,
        fetched_at as discovered_at
    from tiktok
),

youtube_comments as (
    select
        'youtube' as platform,
        comment_id,
        video_id,
        parent_comment_id,
        author_display_name as username,
        comment_text,
        published_at as posted_at,
        fetched_at as discovered_at
    from youtube
),

mastodon_latest as (
    -- a status is fetched again and again (counts change): its latest text, its first sighting
    select
        instance,
        status_id,
        account_acct,
        created_at,
        content_html,
        is_reblog,
        min(fetched_at) over (partition by instance, status_id) as first_fetched_at,
        row_number() over (partition by instance, status_id order by fetched_at desc) as recency_rank
    from mastodon
),

mastodon_breaks as (
    select
        instance,
        status_id,
        account_acct,
        created_at,
        first_fetched_at,
        {{ regex_replace_all('content_html', '<br\\s*/?>|</p>\\s*<p>', 'chr(10)') }} as content_text
    from mastodon_latest
    where recency_rank = 1 and not coalesce(is_reblog, false)
),

mastodon_statuses as (
    select
        'mastodon' as platform,
        instance || '/' || status_id as comment_id,
        cast(null as {{ dbt.type_string() }}) as video_id,
        cast(null as {{ dbt.type_string() }}) as parent_comment_id,
        account_acct as username,
        replace(
            replace(
                replace(
                    replace(
                        replace({{ regex_replace_all('content_text', '<[^>]*>', "''") }}, '&lt;', '<'),
                        '&gt;', '>'
                    ),
                    '&quot;', '"'
                ),
                '&#39;', ''''
            ),
            '&amp;', '&'
        ) as comment_text,
        created_at as posted_at,
        first_fetched_at as discovered_at
    from mastodon_breaks
),

unioned as (
    select * from tiktok_comments
    union all
    select * from youtube_comments
    union all
    select * from mastodon_statuses
),

final as (
    select
        {{ dbt.concat(['platform', "':'", 'comment_id']) }} as comment_key,
        platform,
        comment_id,
        video_id,
        parent_comment_id,
        username,
        comment_text,
        posted_at,
        discovered_at
    from unioned
    where comment_id is not null
)

select * from final
