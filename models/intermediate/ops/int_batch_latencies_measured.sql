-- Stage latencies of each published batch, in seconds: fetch (available_at) to landed, landed
-- to built, built to features, features to scored, scored to published, and end to end.
with

batches as (
    select * from {{ ref('stg_ops__batch_latencies') }}
    where published_at is not null and available_at is not null
),

final as (
    select
        batch_id,
        source_name,
        is_replay,
        {{ core_utc_date('available_at') }} as latency_date,
        available_at,
        published_at,
        {{ seconds_between('available_at', 'landed_at') }} as land_seconds,
        {{ seconds_between('landed_at', 'built_at') }} as build_seconds,
        {{ seconds_between('built_at', 'features_at') }} as features_seconds,
        {{ seconds_between('features_at', 'scored_at') }} as score_seconds,
        {{ seconds_between('scored_at', 'published_at') }} as publish_seconds,
        {{ seconds_between('available_at', 'published_at') }} as end_to_end_seconds
    from batches
)

select * from final
