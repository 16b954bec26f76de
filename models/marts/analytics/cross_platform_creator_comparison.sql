-- One row per matched platform creator and platform: the creator's platform-stream account and
-- each account of theirs on TikTok / YouTube that a link or the handle rule finds, compared on the
-- same measures (followers, posts, views, likes, comments, shares, views per post, engagement
-- rate). Only platform users with at least one match appear.
-- Matching (docs/STAR_SCHEMA.md, "Cross-platform matching"):
--   1. identity_link: a row of seeds/creator_identity_links.csv (curated, always wins);
--   2. handle: else the normalised username of the user's latest profile version equals the
--      normalised handle of exactly one account on that platform, and no other platform user has
--      that normalised username (an ambiguous handle matches nothing).
-- Measures: platform rows sum fact_content_performance over the stream (events observed);
-- TikTok / YouTube rows sum the videos' latest reported counters (trends.videos).
with

links as (
    select * from {{ ref('creator_identity_links') }}
),

profiles as (
    select * from {{ ref('int_user_profile_versions') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

platform_content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform'
),

performance as (
    select * from {{ ref('fact_content_performance') }}
),

creators as (
    select * from {{ ref('creators') }}
),

-- the handles (a YouTube handle is the channel title) stay in a schema readers cannot read: the
-- match uses them, the mart does not carry them (docs/SECURITY.md)
creator_profiles as (
    select * from {{ ref('creator_profiles') }}
),

external_creators as (
    select
        c.*,
        p.creator_handle
    from creators as c
    left join creator_profiles as p on c.creator_id = p.creator_id
    where c.platform in ('tiktok', 'youtube')
),

external_videos as (
    select * from {{ ref('videos') }}
    where platform in ('tiktok', 'youtube')
),

latest_username as (
    select
        user_id,
        username,
        row_number() over (partition by user_id order by version_number desc) as recency_rank
    from profiles
    where {{ analytics_normalized_handle('username') }} is not null
),

platform_handles as (
    select
        user_id,
        {{ analytics_normalized_handle('username') }} as handle,
        count(*) over (partition by {{ analytics_normalized_handle('username') }}) as users_with_handle
    from latest_username
    where recency_rank = 1
),

external_handles as (
    select
        creator_id,
        platform,
        {{ analytics_normalized_handle('creator_handle') }} as handle,
        count(*) over (
            partition by platform, {{ analytics_normalized_handle('creator_handle') }}
        ) as accounts_with_handle
    from external_creators
    where {{ analytics_normalized_handle('creator_handle') }} is not null
),

linked as (
    select
        l.platform_user_id as user_id,
        c.platform,
        c.creator_id,
        'identity_link' as match_rule
    from links as l
    inner join external_creators as c on l.linked_creator_id = c.creator_id
),

linked_platforms as (
    select distinct
        user_id,
        platform
    from linked
),

handle_matched as (
    select
        p.user_id,
        e.platform,
        e.creator_id,
        'handle' as match_rule
    from platform_handles as p
    inner join external_handles as e on p.handle = e.handle
    left join linked_platforms as k
        on p.user_id = k.user_id and e.platform = k.platform
    where
        p.users_with_handle = 1
        and e.accounts_with_handle = 1
        and k.user_id is null
),

matches as (
    select * from linked
    union all
    select * from handle_matched
),

matched_users as (
    select distinct user_id from matches
),

platform_posts as (
    select
        creator_id,
        count(*) as post_count
    from platform_content
    group by 1
),

platform_totals as (
    select
        creator_id,
        sum(total_views) as total_views,
        sum(total_likes) as total_likes,
        sum(total_comments) as total_comments,
        sum(total_shares) as total_shares
    from performance
    group by 1
),

platform_rows as (
    select
        m.user_id,
        'platform' as platform,
        m.user_id as creator_id,
        'self' as match_rule,
        u.follower_count,
        coalesce(c.post_count, 0) as post_count,
        coalesce(t.total_views, 0) as total_views,
        coalesce(t.total_likes, 0) as total_likes,
        coalesce(t.total_comments, 0) as total_comments,
        coalesce(t.total_shares, 0) as total_shares
    from matched_users as m
    left join users as u on m.user_id = u.user_id
    left join platform_posts as c on m.user_id = c.creator_id
    left join platform_totals as t on m.user_id = t.creator_id
),

external_totals as (
    select
        creator_id,
        count(*) as post_count,
        sum(view_count) as total_views,
        sum(like_count) as total_likes,
        sum(comment_count) as total_comments,
        sum(share_count) as total_shares
    from external_videos
    group by 1
),

external_rows as (
    select
        m.user_id,
        m.platform,
        m.creator_id,
        m.match_rule,
        c.follower_count,
        coalesce(t.post_count, 0) as post_count,
        t.total_views,
        t.total_likes,
        t.total_comments,
        t.total_shares
    from matches as m
    inner join external_creators as c on m.creator_id = c.creator_id
    left join external_totals as t on m.creator_id = t.creator_id
),

unioned as (
    select * from platform_rows
    union all
    select * from external_rows
),

final as (
    select
        user_id as platform_user_id,
        platform,
        creator_id,
        match_rule,
        cast(follower_count as {{ dbt.type_bigint() }}) as follower_count,
        cast(post_count as {{ dbt.type_bigint() }}) as post_count,
        cast(total_views as {{ dbt.type_bigint() }}) as total_views,
        cast(total_likes as {{ dbt.type_bigint() }}) as total_likes,
        cast(total_comments as {{ dbt.type_bigint() }}) as total_comments,
        cast(total_shares as {{ dbt.type_bigint() }}) as total_shares,
        cast(
            cast(total_views as {{ type_double() }}) / nullif(post_count, 0) as {{ type_double() }}
        ) as avg_views_per_post,
        cast(
            cast(
                coalesce(total_likes, 0) + coalesce(total_comments, 0) + coalesce(total_shares, 0)
                as {{ type_double() }}
            )
            / nullif(total_views, 0)
            as {{ type_double() }}
        ) as engagement_rate
    from unioned
)

select * from final
