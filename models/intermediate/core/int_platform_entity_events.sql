{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['event_id'], ['fetched_at']]),
    )
}}
-- One row per user-profile or video-attribute event (registration, profile_update, upload,
-- content_update), deduplicated on event_id (the first delivery wins). Parsed once and kept as a
-- small incremental table so the SCD2 user history and dim_content do not re-read the whole raw
-- event stream on every build. Same lookback and re-delivery rule as the facts, so it equals a
-- full refresh.
with

deliveries as (
    select * from {{ ref('stg_platform__events') }}
    where
        event_type in ('registration', 'profile_update', 'upload', 'content_update')
    {% if is_incremental() %}
            and fetched_at >= {{ core_incremental_cutoff('fetched_at') }}
        {% endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            order by fetched_at, batch_id, line_no, event_index
        ) as delivery_rank
    from deliveries
),

final as (
    select
        event_id,
        event_type,
        occurred_at,
        fetched_at,
        user_id,
        region,
        content_id,
        creator_id,
        created_at,
        duration_seconds,
        category,
        content_type,
        parent_content_id,
        sound_id,
        sound_title,
        sound_is_original,
        hashtags_json,
        effect_ids_json,
        update_reason,
        username,
        user_type,
        registered_at,
        follower_count,
        following_count,
        is_verified
    from ranked
    where
        delivery_rank = 1
    {% if is_incremental() %}
            and not exists (
                select 1
                from {{ this }} as t
                where
                    t.event_id = ranked.event_id
                    and t.fetched_at < {{ core_incremental_cutoff('fetched_at') }}
            )
        {% endif %}
)

select * from final
