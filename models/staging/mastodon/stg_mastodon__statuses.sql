-- One row per Mastodon status per fetch: counts grow over time, so every observation is kept.
-- Statuses arrive three ways: GET api/v1/statuses/:id (the body is the status), timelines
-- (a list of statuses), and streaming `update` / `status.update` events (the payload is one).
with

responses as (
    select * from {{ raw_api_responses('mastodon') }} as r
),

single as (
    select
        r.batch_id,
        r.line_no,
        1 as item_index,
        r.fetched_at,
        r.params,
        'rest' as observed_via,
        r.raw_json as status_doc
    from responses as r
    where {{ regex_like('r.endpoint', '^api/v1/statuses/[0-9]+$') }}
),

timelines as (
    select
        r.batch_id,
        r.line_no,
        s.item_index,
        r.fetched_at,
        r.params,
        'timeline' as observed_via,
        s.item as status_doc
    from responses as r
    {{ json_array_rows('r.raw_json', [], 'item', 'item_index', 's') }}
    where r.endpoint like 'api/v1/timelines/%'
),

streamed as (
    select
        r.batch_id,
        r.line_no,
        1 as item_index,
        r.fetched_at,
        r.params,
        'stream_' || {{ json_text('r.raw_json', ['event']) }} as observed_via,
        {{ json_value('r.raw_json', ['payload']) }} as status_doc
    from responses as r
    where
        r.endpoint like 'api/v1/streaming%'
        and {{ json_text('r.raw_json', ['event']) }} in ('update', 'status.update')
),

unioned as (
    select * from single
    union all
    select * from timelines
    union all
    select * from streamed
),

parsed as (
    select
        coalesce({{ json_text('params', ['instance']) }}, 'unknown') as instance,
        {{ json_text('status_doc', ['id']) }} as status_id,
        fetched_at,
        observed_via,
        {{ iso_to_timestamp(json_text('status_doc', ['created_at'])) }} as created_at,
        {{ iso_to_timestamp(json_text('status_doc', ['edited_at'])) }} as edited_at,
        {{ json_text('status_doc', ['account', 'id']) }} as account_id,
        {{ json_text('status_doc', ['account', 'acct']) }} as account_acct,
        {{ json_text('status_doc', ['language']) }} as language_code,
        {{ json_text('status_doc', ['visibility']) }} as visibility,
        {{ json_text('status_doc', ['url']) }} as url,
        {{ json_text('status_doc', ['content']) }} as content_html,
        {{ json_text('status_doc', ['in_reply_to_id']) }} as in_reply_to_id,
        {{ json_type_of('status_doc', ['reblog']) }} = 'object' as is_reblog,
        {{ safe_cast(json_text('status_doc', ['replies_count']), dbt.type_bigint()) }} as replies_count,
        {{ safe_cast(json_text('status_doc', ['reblogs_count']), dbt.type_bigint()) }} as reblogs_count,
        {{ safe_cast(json_text('status_doc', ['favourites_count']), dbt.type_bigint()) }} as favourites_count,
        {{ json_to_text(json_value('status_doc', ['tags'])) }} as tags_json,
        {{ json_to_text(json_value('status_doc', ['mentions'])) }} as mentions_json,
        batch_id,
        line_no,
        item_index
    from unioned
),

deduped as (
    select
        *,
        row_number() over (
            partition by instance, status_id, fetched_at
            order by batch_id, line_no, item_index
        ) as observation_rank
    from parsed
    where status_id is not null
),

final as (
    select
        instance,
        status_id,
        fetched_at,
        observed_via,
        created_at,
        edited_at,
        account_id,
        account_acct,
        language_code,
        visibility,
        url,
        content_html,
        in_reply_to_id,
        is_reblog,
        replies_count,
        reblogs_count,
        favourites_count,
        tags_json,
        mentions_json
    from deduped
    where observation_rank = 1
)

select * from final
