-- The table is written by the hourly flow; before its first run the model is an empty relation
-- with the same columns, so a fresh warehouse builds.
with

source as (
    select * from {{ trends_relation_or_empty(source('ops', 'processing_latency'), [
        ['batch_id', dbt.type_string()],
        ['source', dbt.type_string()],
        ['newest_fetched_at', 'timestamptz'],
        ['arrived_at', 'timestamptz'],
        ['available_at', 'timestamptz'],
        ['landed_at', 'timestamptz'],
        ['built_at', 'timestamptz'],
        ['features_at', 'timestamptz'],
        ['scored_at', 'timestamptz'],
        ['published_at', 'timestamptz'],
        ['is_replay', dbt.type_boolean()],
    ]) }} as latency
),

final as (
    select
        batch_id,
        coalesce(source, 'unknown') as source_name,
        newest_fetched_at,
        arrived_at,
        available_at,
        landed_at,
        built_at,
        features_at,
        scored_at,
        published_at,
        coalesce(is_replay, false) as is_replay
    from source
)

select * from final
