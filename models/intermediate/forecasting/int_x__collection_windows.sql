-- One row per timeline request window fetch: the pages of GET /2/users/:id/tweets that share an
-- account, a [start_time, end_time) window and a fetch hour are one fetch. A fetch is complete
-- when one of its pages came back without meta.next_token (the collector read to the end).
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
        {{ dbt.date_trunc('hour', 'fetched_at') }} as fetch_hour,
        fetched_at,
        result_count,
        is_last_page
    from requests
    where
        window_start_at is not null
        and window_end_at is not null
        and window_end_at > window_start_at
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'account_id', "'|'",
            dbt.safe_cast('window_start_at', dbt.type_string()), "'|'",
            dbt.safe_cast('window_end_at', dbt.type_string()), "'|'",
            dbt.safe_cast('fetch_hour', dbt.type_string())
        ])) }} as collection_window_id,
        account_id,
        account,
        window_start_at,
        window_end_at,
        min(fetched_at) as fetched_at,
        max(fetched_at) as last_page_fetched_at,
        count(*) as page_count,
        cast(sum(result_count) as {{ dbt.type_bigint() }}) as result_count,
        max(case when is_last_page then 1 else 0 end) = 1 as is_complete
    from windowed
    group by account_id, account, window_start_at, window_end_at, fetch_hour
)

select * from final
