-- One row per X post (deduplicated over every timeline page that returned it), counts only: the
-- text is never selected. The account handle is not in a timeline response, so it comes from the
-- var x_account_handles ({account_id: handle}); unknown ids keep the id as their handle.
-- last_landed_at: when the latest file with a sighting of the post was landed (raw_tweets'
-- incremental watermark; a late file can carry fetch times older than what is already landed).

with

responses as (
    select * from {{ raw_api_responses('x', with_landed_at=true) }} as r
),

timeline_pages as (
    select
        r.batch_id,
        r.line_no,
        r.endpoint,
        r.fetched_at,
        r.landed_at,
        r.raw_json
    from responses as r
    where {{ regex_like('r.endpoint', '^2/users/[0-9]+/tweets$') }}
),

items as (
    select
        p.batch_id,
        p.line_no,
        p.endpoint,
        p.fetched_at,
        p.landed_at,
        t.item_index,
        t.item as post_doc
    from timeline_pages as p
    {{ json_array_rows('p.raw_json', ['data'], 'item', 'item_index', 't') }}
),

parsed as (
    select
        {{ json_text('post_doc', ['id']) }} as post_id,
        split_part(endpoint, '/', 3) as account_id,
        -- created_at is only sent when tweet.fields asks for it; otherwise decode the snowflake id
        -- (milliseconds since the X epoch 1288834974657 in the bits above 22)
        coalesce(
            {{ iso_to_timestamp(json_text('post_doc', ['created_at'])) }},
            {{ epoch_to_timestamp(
                '(floor(cast(' ~ json_text('post_doc', ['id']) ~ ' as double precision) / 4194304) + 1288834974657) / 1000.0'
            ) }}
        ) as created_at,
        fetched_at,
        landed_at,
        batch_id,
        line_no,
        item_index
    from items
),

ranked as (
    select
        *,
        min(fetched_at) over (partition by post_id) as first_fetched_at,
        max(fetched_at) over (partition by post_id) as last_fetched_at,
        max(landed_at) over (partition by post_id) as last_landed_at,
        count(*) over (partition by post_id) as times_seen,
        row_number() over (
            partition by post_id
            order by fetched_at, batch_id, line_no, item_index
        ) as sighting_rank
    from parsed
    where post_id is not null
),

final as (
    select
        post_id,
        account_id,
        {{ x_account_handle('account_id') }} as account,  -- noqa: RF04
        created_at,
        first_fetched_at as fetched_at,
        last_fetched_at,
        times_seen,
        last_landed_at
    from ranked
    where sighting_rank = 1
)

select * from final
