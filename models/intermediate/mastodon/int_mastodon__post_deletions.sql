-- One row per deleted Mastodon post: the first streaming `delete` event for it. A delete is
-- final: a later sighting of the post (a re-fetch cached before the delete, a late file) never
-- undoes it.
with

events as (
    select * from {{ ref('stg_mastodon__stream_events') }}
),

final as (
    select
        instance,
        payload_status_id as status_id,
        {{ core_utc('min(received_at)') }} as deleted_at
    from events
    where event_type = 'delete' and process_error is null
    group by 1, 2
)

select * from final
