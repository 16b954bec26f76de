-- UTC days of the hourly spine: posts, hours present and hours covered by a complete collection
-- window. fct_post_counts_daily applies the gap rules on top (unit-tested there).
with

hourly as (
    select * from {{ ref('int_post_counts_hourly_spined') }}
),

final as (
    select
        account_id,
        account,
        {{ dbt.date_trunc('day', 'bucket_start') }} as bucket_start,
        cast(sum(post_count) as {{ dbt.type_bigint() }}) as post_count,
        count(*) as hours_in_bucket,
        cast(sum(case when is_covered then 1 else 0 end) as {{ dbt.type_bigint() }}) as covered_hours
    from hourly
    group by account_id, account, {{ dbt.date_trunc('day', 'bucket_start') }}
)

select * from final
