{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy_for_target(append=true),
        on_schema_change='fail',
    )
}}
-- One row per timeline API call (a page of GET /2/users/:id/tweets) with its request window from
-- the params: the collection log that coverage and gap detection are derived from. landed_at is
-- when the page's file was landed (its batch committed), which incremental models watermark on:
-- fetched_at says when the data became known, not when it reached the warehouse (a late file
-- can carry old fetch times).
-- Incremental by landing batch, append-only: one row per archive line, so a run reads only the
-- batches landed since the last one and equals a full refresh exactly.

with

responses as (
    select r.* from {{ raw_api_responses('x', with_landed_at=true) }} as r
),

timeline_pages as (
    select
        r.batch_id,
        r.line_no,
        r.endpoint,
        r.params,
        r.fetched_at,
        r.landed_at,
        r.raw_json
    from responses as r
    where
        {{ regex_like('r.endpoint', '^2/users/[0-9]+/tweets$') }}
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

parsed as (
    select
        batch_id,
        line_no,
        split_part(endpoint, '/', 3) as account_id,
        {{ iso_to_timestamp(json_text('params', ['start_time'])) }} as window_start_at,
        {{ iso_to_timestamp(json_text('params', ['end_time'])) }} as window_end_at,
        {{ json_text('params', ['pagination_token']) }} as pagination_token,
        {{ json_text('raw_json', ['meta', 'next_token']) }} as next_token,
        {{ safe_cast(json_text('raw_json', ['meta', 'result_count']), dbt.type_bigint()) }} as result_count,
        fetched_at,
        landed_at
    from timeline_pages
),

final as (
    select
        {{ dbt.concat(['batch_id', "'-'", dbt.safe_cast('line_no', dbt.type_string())]) }} as request_id,
        batch_id,
        line_no,
        account_id,
        {{ x_account_handle('account_id') }} as account,  -- noqa: RF04
        window_start_at,
        window_end_at,
        pagination_token,
        next_token,
        coalesce(result_count, 0) as result_count,
        pagination_token is not null as is_continuation_page,
        next_token is null as is_last_page,
        fetched_at,
        landed_at
    from parsed
)

select * from final
