-- Every sighting of a Mastodon post with its counts and the weighted engagement score
-- (weights from the mastodon_engagement_weights seed), times as UTC timestamps.
with

statuses as (
    select * from {{ ref('stg_mastodon__statuses') }}
),

weights as (
    select * from {{ ref('mastodon_engagement_weights') }}
),

pivoted as (
    select
        max(case when engagement_type = 'favourites_count' then engagement_weight end) as w_favourites,
        max(case when engagement_type = 'reblogs_count' then engagement_weight end) as w_reblogs,
        max(case when engagement_type = 'replies_count' then engagement_weight end) as w_replies
    from weights
),

final as (
    select
        s.instance,
        s.status_id,
        {{ core_utc('s.fetched_at') }} as fetched_at,
        {{ core_utc('s.created_at') }} as created_at,
        {{ core_utc('s.edited_at') }} as edited_at,
        {{ core_utc('s.landed_at') }} as landed_at,
        s.observed_via,
        s.account_id,
        s.account_acct,
        s.language_code,
        s.visibility,
        s.uri,
        s.url,
        s.content_html,
        s.spoiler_text,
        s.in_reply_to_id,
        s.is_reblog,
        s.replies_count,
        s.reblogs_count,
        s.favourites_count,
        cast(
            coalesce(s.favourites_count, 0) * p.w_favourites
            + coalesce(s.reblogs_count, 0) * p.w_reblogs
            + coalesce(s.replies_count, 0) * p.w_replies
            as {{ type_double() }}
        ) as engagement_score,
        s.batch_id,
        s.line_no,
        s.item_index
    from statuses as s
    cross join pivoted as p
)

select * from final
