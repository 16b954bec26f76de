-- Per source and UTC day: published batches and the p50/p95/max fetch-to-published latency,
-- the p95 of each stage, and whether p95 meets the SLA (var latency_sla_seconds).
with

batches as (
    select * from {{ ref('int_batch_latencies_measured') }}
),

daily as (
    select
        source_name,
        latency_date,
        count(*) as published_batches,
        {{ percentile_cont('end_to_end_seconds', 0.5) }} as p50_latency_seconds,
        {{ percentile_cont('end_to_end_seconds', 0.95) }} as p95_latency_seconds,
        max(end_to_end_seconds) as max_latency_seconds,
        {{ percentile_cont('land_seconds', 0.95) }} as p95_land_seconds,
        {{ percentile_cont('build_seconds', 0.95) }} as p95_build_seconds,
        {{ percentile_cont('features_seconds', 0.95) }} as p95_features_seconds,
        {{ percentile_cont('score_seconds', 0.95) }} as p95_score_seconds,
        {{ percentile_cont('publish_seconds', 0.95) }} as p95_publish_seconds
    from batches
    group by source_name, latency_date
),

final as (
    select
        source_name,
        latency_date,
        published_batches,
        cast(p50_latency_seconds as {{ type_double() }}) as p50_latency_seconds,
        cast(p95_latency_seconds as {{ type_double() }}) as p95_latency_seconds,
        cast(max_latency_seconds as {{ type_double() }}) as max_latency_seconds,
        cast(p95_land_seconds as {{ type_double() }}) as p95_land_seconds,
        cast(p95_build_seconds as {{ type_double() }}) as p95_build_seconds,
        cast(p95_features_seconds as {{ type_double() }}) as p95_features_seconds,
        cast(p95_score_seconds as {{ type_double() }}) as p95_score_seconds,
        cast(p95_publish_seconds as {{ type_double() }}) as p95_publish_seconds,
        cast({{ var('latency_sla_seconds') }} as {{ type_double() }}) as sla_seconds,
        p95_latency_seconds <= {{ var('latency_sla_seconds') }} as is_sla_met
    from daily
)

select * from final
