-- One row per X post, counts only (no text): when it was created, when it was first ingested, and
-- whether it was soft-deleted: a post is deleted when a later complete re-fetch of a window that
-- contains its creation time no longer returned it. Incremental: a run re-reads posts seen since
-- the watermark and every post inside a window re-fetched since then (minus lookback_hours).
{{
    config(
        materialized='incremental',
        unique_key='post_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

with

posts as (
    select * from {{ ref('stg_x__posts') }}
),

windows as (
    select * from {{ ref('int_x__collection_windows') }}
),

{% if is_incremental() %}
watermark as (
    select {{ dbt.dateadd('hour', -var('lookback_hours', 48), 'max(last_seen_at)') }} as since
    from {{ this }}
),

refetched as (
    select min(w.window_start_at) as since
    from windows as w
    inner join watermark as m
        on w.fetched_at > m.since
),
{% endif %}

candidates as (
    select p.*
    from posts as p
    {% if is_incremental() %}
        cross join watermark as m
        cross join refetched as r
        where p.last_fetched_at > m.since or p.created_at >= r.since
    {% endif %}
),

deletions as (
    select
        c.post_id,
        min(w.fetched_at) as deleted_detected_at
    from candidates as c
    inner join windows as w
        on
            c.account_id = w.account_id
            and w.is_complete
            and c.created_at >= w.window_start_at
            and c.created_at < w.window_end_at
            and c.last_fetched_at < w.fetched_at
    group by c.post_id
),

final as (
    select
        c.post_id,
        c.account,  -- noqa: RF04
        c.account_id,
        c.created_at,
        'x' as source,  -- noqa: RF04
        c.fetched_at as ingest_time,
        c.last_fetched_at as last_seen_at,
        c.times_seen,
        d.deleted_detected_at is not null as is_deleted,
        d.deleted_detected_at
    from candidates as c
    left join deletions as d
        on c.post_id = d.post_id
)

select * from final
