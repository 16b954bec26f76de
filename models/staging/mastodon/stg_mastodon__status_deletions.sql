-- One row per streamed `delete` event: the status id that was deleted and when we learned it.
with

responses as (
    select * from {{ raw_api_responses('mastodon') }} as r
),

deletes as (
    select
        coalesce({{ json_text('r.params', ['instance']) }}, 'unknown') as instance,
        coalesce(
            {{ json_text('r.raw_json', ['payload', 'id']) }},
            {{ json_scalar_text(json_value('r.raw_json', ['payload'])) }}
        ) as status_id,
        r.fetched_at
    from responses as r
    where
        r.endpoint like 'api/v1/streaming%'
        and {{ json_text('r.raw_json', ['event']) }} = 'delete'
),

final as (
    select
        instance,
        status_id,
        min(fetched_at) as deleted_seen_at
    from deletes
    where status_id is not null
    group by 1, 2
)

select * from final
