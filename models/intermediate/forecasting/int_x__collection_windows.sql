-- One row per timeline request window fetch: a fetch of an account's [start_time, end_time)
-- window starts with a first page (no pagination_token) and takes the continuation pages that
-- follow it, in fetch order, until the window's next first page. Pages of one fetch can carry
-- fetch times seconds apart on either side of an hour, so they are not grouped by clock time.
-- A fetch is complete when it has its first page, every next_token it returned was followed by
-- a page of the same fetch, and one page came back without meta.next_token (read to the end).
-- Continuation pages before any first page of their window form a fetch that is never complete.
with

requests as (
    select * from {{ ref('stg_x__timeline_requests') }}
),

windowed as (
    select
        account_id,
        account,
        window_start_at,
        window_end_at,
        fetched_at,
        landed_at,
        result_count,
        pagination_token,
        next_token,
        is_continuation_page,
        is_last_page,
        sum(case when is_continuation_page then 0 else 1 end) over (
            partition by account_id, window_start_at, window_end_at
            order by fetched_at, batch_id, line_no
            rows between unbounded preceding and current row
        ) as fetch_seq
    from requests
    where
        window_start_at is not null
        and window_end_at is not null
        and window_end_at > window_start_at
),

followed as (
    -- the tokens each fetch followed: a page whose next_token is among them was continued
    select distinct
        account_id,
        window_start_at,
        window_end_at,
        fetch_seq,
        pagination_token as next_token
    from windowed
    where pagination_token is not null
),

fetches as (
    select
        w.account_id,
        w.account,
        w.window_start_at,
        w.window_end_at,
        w.fetch_seq,
        min(w.fetched_at) as fetched_at,
        max(w.fetched_at) as last_page_fetched_at,
        max(w.landed_at) as landed_at,
        count(*) as page_count,
        cast(sum(w.result_count) as {{ dbt.type_bigint() }}) as result_count,
        sum(case when w.is_continuation_page then 0 else 1 end) as first_pages,
        sum(case when w.is_last_page then 1 else 0 end) as last_pages,
        count(w.next_token) as next_tokens,
        count(f.next_token) as followed_tokens
    from windowed as w
    left join followed as f
        on
            w.account_id = f.account_id
            and w.window_start_at = f.window_start_at
            and w.window_end_at = f.window_end_at
            and w.fetch_seq = f.fetch_seq
            and w.next_token = f.next_token
    group by w.account_id, w.account, w.window_start_at, w.window_end_at, w.fetch_seq
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'account_id', "'|'",
            timestamptz_text('window_start_at'), "'|'",
            timestamptz_text('window_end_at'), "'|'",
            dbt.safe_cast('fetch_seq', dbt.type_string())
        ])) }} as collection_window_id,
        account_id,
        account,
        window_start_at,
        window_end_at,
        fetch_seq,
        fetched_at,
        last_page_fetched_at,
        landed_at,
        page_count,
        result_count,
        first_pages = 1 and last_pages >= 1 and followed_tokens = next_tokens as is_complete
    from fetches
)

select * from final
