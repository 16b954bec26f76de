-- Every UTC hour of every tracked account from its first collection window to its last, with the
-- posts created in it (zero-filled) and whether a complete collection window covered the hour.
-- An hour with zero posts and no covering window is unknown, not zero: is_covered says which.
with

windows as (
    select * from {{ ref('int_x__collection_windows') }}
),

posts as (
    select * from {{ ref('stg_x__posts') }}
),

bounds as (
    select
        account_id,
        account,
        {{ dbt.date_trunc('hour', 'min(window_start_at)') }} as first_hour,
        {{ dbt.date_trunc('hour', 'max(window_end_at)') }} as end_hour
    from windows
    group by account_id, account
),

digits as (
    select v.d
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as v (d)
),

numbers as (
    -- 0 .. 999,999 hours (114 years) without generate_series (not portable to Spark)
    select d1.d + 10 * d2.d + 100 * d3.d + 1000 * d4.d + 10000 * d5.d + 100000 * d6.d as n
    from digits as d1
    cross join digits as d2
    cross join digits as d3
    cross join digits as d4
    cross join digits as d5
    cross join digits as d6
),

spine as (
    select
        b.account_id,
        b.account,
        {{ dbt.dateadd('hour', 'n.n', 'b.first_hour') }} as bucket_start
    from bounds as b
    inner join numbers as n
        on n.n < {{ dbt.datediff('b.first_hour', 'b.end_hour', 'hour') }}
),

hourly_posts as (
    select
        account_id,
        {{ dbt.date_trunc('hour', 'created_at') }} as bucket_start,
        count(*) as post_count
    from posts
    group by account_id, {{ dbt.date_trunc('hour', 'created_at') }}
),

coverage as (
    select
        s.account_id,
        s.bucket_start,
        count(w.collection_window_id) as covering_fetches,
        min(w.fetched_at) as first_covered_at
    from spine as s
    inner join windows as w
        on
            s.account_id = w.account_id
            and w.is_complete
            and s.bucket_start >= w.window_start_at
            and w.window_end_at >= {{ dbt.dateadd('hour', 1, 's.bucket_start') }}
    group by s.account_id, s.bucket_start
),

final as (
    select
        s.account_id,
        s.account,
        s.bucket_start,
        coalesce(p.post_count, 0) as post_count,
        coalesce(c.covering_fetches, 0) > 0 as is_covered,
        c.first_covered_at
    from spine as s
    left join hourly_posts as p
        on s.account_id = p.account_id and s.bucket_start = p.bucket_start
    left join coverage as c
        on s.account_id = c.account_id and s.bucket_start = c.bucket_start
)

select * from final
