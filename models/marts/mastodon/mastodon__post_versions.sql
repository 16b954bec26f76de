-- The version history of every Mastodon post (SCD2): one row per version, numbered in the order
-- the versions were made, valid from its creation or edit time until the next version. Built
-- from streaming status.update events, re-fetches whose edited_at changed and /history
-- responses, in any arrival order; a version seen twice is stored once. With
-- TRENDCAST_MASTODON_REDACT_DELETED=true a deleted post's versions keep their times, not their text.
with

versions as (
    select * from {{ ref('int_mastodon__post_versions_unioned') }}
),

deletions as (
    select * from {{ ref('int_mastodon__post_deletions') }}
),

flagged as (
    select
        v.*,
        d.status_id is not null as is_deleted
    from versions as v
    left join deletions as d
        on v.instance = d.instance and v.status_id = d.status_id
),

final as (
    select
        cast(status_id as {{ dbt.type_string() }}) as status_id,
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(version_seq as {{ dbt.type_bigint() }}) as version_seq,
        cast(valid_from as {{ dbt.type_timestamp() }}) as valid_from,
        cast(valid_to as {{ dbt.type_timestamp() }}) as valid_to,
        valid_to is null as is_current,
        cast(edited_at as {{ dbt.type_timestamp() }}) as edited_at,
        cast({{ mastodon_redactable('content_html', 'is_deleted') }} as {{ dbt.type_string() }})
            as content_html,
        cast({{ mastodon_redactable('content_text', 'is_deleted') }} as {{ dbt.type_string() }})
            as content_text,
        cast({{ mastodon_redactable('spoiler_text', 'is_deleted') }} as {{ dbt.type_string() }})
            as spoiler_text,
        cast(first_seen_at as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(first_seen_via as {{ dbt.type_string() }}) as first_seen_via,
        cast(sighting_count as {{ dbt.type_bigint() }}) as sighting_count,
        is_deleted
    from flagged
)

select * from final
