{{
    config(
        materialized='incremental',
        unique_key=['post_count_id'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per bucket of GET /2/tweets/counts/{recent,all}: the API's own count time series for a
-- query. A bucket re-fetched later is kept once, from its latest fetch (counts can still change
-- while the bucket is recent). The first bucket of /recent starts at the request time, so it can
-- be shorter than the granularity: is_partial_bucket says so.
-- Incremental by landing batch: a run parses only the batches landed since the last one; a
-- bucket seen again is ranked against the stored row (batch_id and line_no kept for the tie
-- order) and delete+insert on post_count_id keeps the latest, so the table equals a full refresh.
{%- set columns = [
    'post_count_id', 'counts_endpoint', 'query', 'granularity', 'bucket_start_at', 'bucket_end_at',
    'post_count', 'is_partial_bucket', 'fetched_at', 'batch_id', 'line_no',
] %}
{%- set bucket_fields = {'start': 'text', 'end': 'text', 'tweet_count': 'text'} %}
with

responses as (
    select r.* from {{ raw_api_responses('x') }} as r
    where
        r.endpoint in ('2/tweets/counts/recent', '2/tweets/counts/all')
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

count_documents as (
    select
        r.batch_id,
        r.line_no,
        r.fetched_at,
        replace(r.endpoint, '2/tweets/counts/', '') as counts_endpoint,
        {{ json_text('r.params', ['query']) }} as query,
        coalesce({{ json_text('r.params', ['granularity']) }}, 'hour') as granularity,
        {{ json_array_records('r.raw_json', ['data'], bucket_fields) }} as records
    from responses as r
),

bucket_records as (
    select
        d.batch_id,
        d.line_no,
        d.fetched_at,
        d.counts_endpoint,
        d.query,
        d.granularity,
        {{ unnest_records('d.records', 'bucket', 'bucket_index') }}
    from count_documents as d
),

bucket_fields as (
    select
        b.batch_id,
        b.line_no,
        b.fetched_at,
        b.counts_endpoint,
        b.query,
        b.granularity,
        {{ json_record_fields('b.bucket', bucket_fields, 'f_') }}
    from bucket_records as b
),

buckets as (
    select
        batch_id,
        line_no,
        fetched_at,
        counts_endpoint,
        query,
        granularity,
        {{ iso_to_timestamp('f_start') }} as bucket_start_at,
        {{ iso_to_timestamp('f_end') }} as bucket_end_at,
        {{ safe_cast('f_tweet_count', dbt.type_bigint()) }} as post_count
    from bucket_fields
),

parsed as (
    select
        {{ dbt.hash(dbt.concat([
            'counts_endpoint', "'|'", 'query', "'|'", 'granularity', "'|'",
            timestamptz_text('bucket_start_at')
        ])) }} as post_count_id,
        counts_endpoint,
        query,
        granularity,
        bucket_start_at,
        bucket_end_at,
        post_count,
        {{ dbt.datediff('bucket_start_at', 'bucket_end_at', 'second') }}
        < case granularity when 'minute' then 60 when 'day' then 86400 else 3600 end as is_partial_bucket,
        fetched_at,
        batch_id,
        line_no
    from buckets
    where bucket_start_at is not null
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from parsed
    {{ union_stored_rows_of_seen_keys('parsed', columns, ['post_count_id']) }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by counts_endpoint, query, granularity, bucket_start_at
            order by fetched_at desc, batch_id desc, line_no desc
        ) as fetch_rank
    from candidates
),

final as (
    select
        {{ columns | join(',\n        ') }}
    from ranked
    where fetch_rank = 1
)

select * from final
