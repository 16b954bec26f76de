-- The versions of every Mastodon post (SCD2 chain): a version is identified by the time it was
-- made (created_at for the original, edited_at for an edit), whichever way it arrived: a
-- sighting (REST, timeline, streaming `update` / `status.update`) or a /history response.
-- Arrival order does not matter: versions are ordered by their own time, and a version seen
-- several times keeps its earliest sighting (by fetch time, then position), so a late file or an
-- out-of-order edit builds the same chain.
with

observations as (
    select * from {{ ref('int_mastodon__observations_scored') }}
),

history as (
    select * from {{ ref('stg_mastodon__status_edits') }}
),

sighted as (
    select
        instance,
        status_id,
        coalesce(edited_at, created_at) as valid_from,
        edited_at,
        content_html,
        spoiler_text,
        fetched_at as seen_at,
        observed_via as seen_via,
        batch_id,
        line_no,
        item_index
    from observations
    where coalesce(edited_at, created_at) is not null
),

from_history as (
    select
        instance,
        status_id,
        {{ core_utc('version_created_at') }} as valid_from,
        case when version_index > 1 then {{ core_utc('version_created_at') }} end as edited_at,
        content_html,
        spoiler_text,
        {{ core_utc('fetched_at') }} as seen_at,
        'history' as seen_via,
        batch_id,
        line_no,
        version_index as item_index
    from history
    where version_created_at is not null
),

unioned as (
    select * from sighted
    union all
    select * from from_history
),

ranked as (
    select
        *,
        row_number() over (
            partition by instance, status_id, valid_from
            order by seen_at, seen_via, batch_id, line_no, item_index
        ) as sighting_rank,
        count(*) over (partition by instance, status_id, valid_from) as sighting_count
    from unioned
),

final as (
    select
        instance,
        status_id,
        row_number() over (partition by instance, status_id order by valid_from) as version_seq,
        valid_from,
        lead(valid_from) over (partition by instance, status_id order by valid_from) as valid_to,
        edited_at,
        content_html,
        {{ html_to_text('content_html') }} as content_text,
        spoiler_text,
        seen_at as first_seen_at,
        seen_via as first_seen_via,
        sighting_count
    from ranked
    where sighting_rank = 1
)

select * from final
