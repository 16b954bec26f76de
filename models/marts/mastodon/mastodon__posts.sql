-- The current state of every Mastodon post, keyed by (status_id, instance). Deleted posts stay,
-- with deleted_at set (a later re-fetch never clears it); the analytical marts filter them.
-- With TRENDCAST_MASTODON_REDACT_DELETED=true their text is NULL (counts stay).
with

posts as (
    select * from {{ ref('int_mastodon__posts_current') }}
),

final as (
    select
        cast(status_id as {{ dbt.type_string() }}) as status_id,
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(uri as {{ dbt.type_string() }}) as uri,
        cast(url as {{ dbt.type_string() }}) as url,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(account_acct as {{ dbt.type_string() }}) as account_acct,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(edited_at as {{ dbt.type_timestamp() }}) as edited_at,
        cast(language_code as {{ dbt.type_string() }}) as language_code,
        cast(visibility as {{ dbt.type_string() }}) as visibility,
        cast(in_reply_to_id as {{ dbt.type_string() }}) as in_reply_to_id,
        is_reblog,
        cast({{ mastodon_redactable('content_html', 'is_deleted') }} as {{ dbt.type_string() }})
            as content_html,
        cast({{ mastodon_redactable(html_to_text('content_html'), 'is_deleted') }} as {{ dbt.type_string() }})
            as content_text,
        cast({{ mastodon_redactable('spoiler_text', 'is_deleted') }} as {{ dbt.type_string() }})
            as spoiler_text,
        cast(replies_count as {{ dbt.type_bigint() }}) as replies_count,
        cast(reblogs_count as {{ dbt.type_bigint() }}) as reblogs_count,
        cast(favourites_count as {{ dbt.type_bigint() }}) as favourites_count,
        cast(engagement_score as {{ type_double() }}) as engagement_score,
        cast(first_seen_at as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(last_seen_at as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(sighting_count as {{ dbt.type_bigint() }}) as sighting_count,
        cast(version_count as {{ dbt.type_bigint() }}) as version_count,
        cast(deleted_at as {{ dbt.type_timestamp() }}) as deleted_at,
        is_deleted
    from posts
)

select * from final
