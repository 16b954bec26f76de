-- Daily post counts per account on the local calendar of var('local_timezone') (default
-- America/Los_Angeles), built from the UTC hours so DST days have 23 or 25 hours. A local day is a
-- gap when any of its hours is. The first and last local day of each account are cut (partial).
{%- set tz = var('local_timezone', 'America/Los_Angeles') %}

with

hourly as (
    select * from {{ ref('fct_post_counts_hourly') }}
),

localized as (
    select
        account_id,
        account,
        cast({{ to_local_timestamp('bucket_start', tz) }} as date) as local_date,
        bucket_start,
        post_count,
        is_gap
    from hourly
),

daily as (
    select
        account_id,
        account,
        local_date,
        min(bucket_start) as bucket_start,
        cast(sum(post_count) as {{ dbt.type_bigint() }}) as post_count,
        count(*) as hours_in_day,
        max(case when is_gap then 1 else 0 end) = 1 as is_gap
    from localized
    group by account_id, account, local_date
),

edges as (
    select
        account_id,
        min(local_date) as first_date,
        max(local_date) as last_date
    from daily
    group by account_id
),

final as (
    select
        d.account_id,
        d.account,
        '{{ tz }}' as local_timezone,
        d.local_date,
        d.bucket_start,
        d.post_count,
        d.hours_in_day,
        d.is_gap
    from daily as d
    inner join edges as e
        on d.account_id = e.account_id
    where d.local_date > e.first_date and d.local_date < e.last_date
)

select * from final
