-- One row per X post, counts only (no text): when it was created, when it was first ingested, and
-- whether it was soft-deleted: a post is deleted when a later complete re-fetch of a window that
-- contains its creation time no longer returned it. Incremental on landing time, not fetch time
-- (a file delivered late can carry fetch times older than what is already here): a run re-reads
-- the posts sighted in files landed since the watermark and every post inside a window fetched
-- in them; the watermark is the latest last_landed_at minus lookback_hours. A table built before
-- last_landed_at existed is re-read whole once (the column is then appended).
{{
    config(
        materialized='incremental',
        unique_key='post_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='append_new_columns',
    )
}}

with

posts as (
    select * from {{ ref('int_x__posts') }}
),

windows as (
    select * from {{ ref('int_x__collection_windows') }}
),

{%- set watermarked = false %}
{%- if is_incremental() %}
    {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- set watermarked = 'last_landed_at' in existing %}
{%- endif %}

{% if watermarked %}
watermark as (
    select {{ dbt.dateadd('hour', -var('lookback_hours', 48), 'max(last_landed_at)') }} as since
    from {{ this }}
),

new_windows as (
    select
        w.account_id,
        w.window_start_at,
        w.window_end_at
    from windows as w
    inner join watermark as m
        on w.landed_at > m.since
),

in_new_windows as (
    select distinct p.post_id
    from posts as p
    inner join new_windows as w
        on
            p.account_id = w.account_id
            and p.created_at >= w.window_start_at
            and p.created_at < w.window_end_at
),
{% endif %}

candidates as (
    select p.*
    from posts as p
    {% if watermarked %}
        cross join watermark as m
        where
            p.last_landed_at > m.since
            or p.post_id in (select n.post_id from in_new_windows as n)
    {% endif %}
),

covering_windows as (
    -- the complete windows containing the post: the latest one's landing is part of its watermark,
    -- and the first fetched after its last sighting is when its deletion was detected
    select
        c.post_id,
        max(w.landed_at) as landed_at,
        min(case when c.last_fetched_at < w.fetched_at then w.fetched_at end) as deleted_detected_at
    from candidates as c
    inner join windows as w
        on
            c.account_id = w.account_id
            and w.is_complete
            and c.created_at >= w.window_start_at
            and c.created_at < w.window_end_at
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
        cw.deleted_detected_at is not null as is_deleted,
        cw.deleted_detected_at,
        case
            when cw.landed_at > c.last_landed_at then cw.landed_at else c.last_landed_at
        end as last_landed_at
    from candidates as c
    left join covering_windows as cw
        on c.post_id = cw.post_id
)

select * from final
