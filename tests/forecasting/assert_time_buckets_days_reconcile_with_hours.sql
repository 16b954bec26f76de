-- Each day bucket of time_buckets (UTC daily and local_daily) must hold exactly the hourly
-- buckets between its bucket_start and bucket_end: the same post total, the same number of
-- hours as its length, and is_gap set exactly when one of those hours is a gap. Returns the day
-- buckets that disagree.
with

buckets as (
    select * from {{ ref('time_buckets') }}
),

days as (
    select * from buckets
    where granularity in ('daily', 'local_daily')
),

hours as (
    select * from buckets
    where granularity = 'hourly'
),

rolled_up as (
    select
        d.account_id,
        d.granularity,
        d.bucket_start,
        count(h.bucket_start) as n_hours,
        sum(h.post_count) as hours_post_count,
        max(case when h.is_gap then 1 else 0 end) as has_gap_hour
    from days as d
    left join hours as h
        on
            d.account_id = h.account_id
            and d.bucket_start <= h.bucket_start
            and d.bucket_end > h.bucket_start
    group by d.account_id, d.granularity, d.bucket_start
),

final as (
    select
        d.account_id,
        d.granularity,
        d.bucket_start,
        d.post_count,
        r.hours_post_count,
        r.n_hours,
        d.is_gap,
        r.has_gap_hour
    from days as d
    inner join rolled_up as r
        on
            d.account_id = r.account_id
            and d.granularity = r.granularity
            and d.bucket_start = r.bucket_start
    where
        r.n_hours * 3600 != {{ epoch_seconds('d.bucket_end') }} - {{ epoch_seconds('d.bucket_start') }}
        or coalesce(r.hours_post_count, -1) != d.post_count
        or (r.has_gap_hour = 1) != d.is_gap
)

select * from final
