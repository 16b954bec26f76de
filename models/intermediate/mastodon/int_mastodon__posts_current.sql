-- The current state of every Mastodon post, one row per (instance, status_id): the latest
-- sighting's fields and counts, when it was first and last seen, its number of versions, and
-- deleted_at from the first `delete` event. The same id on two instances is two posts; `uri`
-- (the origin server's id of the status) matches a federated status across instances.
with

observations as (
    select * from {{ ref('int_mastodon__observations_scored') }}
),

versions as (
    select * from {{ ref('int_mastodon__post_versions_unioned') }}
),

deletions as (
    select * from {{ ref('int_mastodon__post_deletions') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by instance, status_id
            order by fetched_at desc, batch_id desc, line_no desc, item_index desc
        ) as recency_rank,
        min(fetched_at) over (partition by instance, status_id) as first_seen_at,
        count(*) over (partition by instance, status_id) as sighting_count
    from observations
),

version_counts as (
    select
        instance,
        status_id,
        count(*) as version_count,
        max(edited_at) as last_edited_at
    from versions
    group by 1, 2
),

final as (
    select
        r.instance,
        r.status_id,
        r.uri,
        r.url,
        r.account_id,
        r.account_acct,
        r.created_at,
        coalesce(v.last_edited_at, r.edited_at) as edited_at,
        r.language_code,
        r.visibility,
        r.in_reply_to_id,
        r.is_reblog,
        r.content_html,
        r.spoiler_text,
        r.replies_count,
        r.reblogs_count,
        r.favourites_count,
        r.engagement_score,
        r.first_seen_at,
        r.fetched_at as last_seen_at,
        r.sighting_count,
        coalesce(v.version_count, 1) as version_count,
        d.deleted_at,
        d.deleted_at is not null as is_deleted
    from ranked as r
    left join version_counts as v
        on r.instance = v.instance and r.status_id = v.status_id
    left join deletions as d
        on r.instance = d.instance and r.status_id = d.status_id
    where r.recency_rank = 1
)

select * from final
