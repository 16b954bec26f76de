-- One row per bucket of GET /2/tweets/counts/{recent,all}: the API's own count time series for a
-- query. A bucket re-fetched later is kept once, from its latest fetch (counts can still change
-- while the bucket is recent). The first bucket of /recent starts at the request time, so it can
-- be shorter than the granularity: is_partial_bucket says so.
with

responses as (
    select * from {{ raw_api_responses('x') }} as r
),

count_calls as (
    select
        r.batch_id,
        r.line_no,
        r.endpoint,
        r.params,
        r.fetched_at,
        r.raw_json
    from responses as r
    where r.endpoint in ('2/tweets/counts/recent', '2/tweets/counts/all')
),

buckets as (
    select
        c.batch_id,
        c.line_no,
        c.fetched_at,
        replace(c.endpoint, '2/tweets/counts/', '') as counts_endpoint,
        {{ json_text('c.params', ['query']) }} as query,
        coalesce({{ json_text('c.params', ['granularity']) }}, 'hour') as granularity,
        {{ iso_to_timestamp(json_text('b.item', ['start'])) }} as bucket_start_at,
        {{ iso_to_timestamp(json_text('b.item', ['end'])) }} as bucket_end_at,
        {{ safe_cast(json_text('b.item', ['tweet_count']), dbt.type_bigint()) }} as post_count
    from count_calls as c
    {{ json_array_rows('c.raw_json', ['data'], 'item', 'item_index', 'b') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by counts_endpoint, query, granularity, bucket_start_at
            order by fetched_at desc, batch_id desc, line_no desc
        ) as fetch_rank
    from buckets
    where bucket_start_at is not null
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'counts_endpoint', "'|'", 'query', "'|'", 'granularity', "'|'",
            dbt.safe_cast('bucket_start_at', dbt.type_string())
        ])) }} as post_count_id,
        counts_endpoint,
        query,
        granularity,
        bucket_start_at,
        bucket_end_at,
        post_count,
        {{ dbt.datediff('bucket_start_at', 'bucket_end_at', 'second') }}
        < case granularity when 'minute' then 60 when 'day' then 86400 else 3600 end as is_partial_bucket,
        fetched_at
    from ranked
    where fetch_rank = 1
)

select * from final
