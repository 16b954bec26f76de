{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy_for_target(append=true),
        on_schema_change='fail',
        indexes=core_postgres_indexes([['content_effect_id'], ['content_id'], ['batch_id']]),
    )
}}
-- One row per effect of a video as an upload / content_update event states it (per delivery),
-- exploded from the effect ids stg_platform__events already parsed, like
-- int_platform_content_hashtags_exploded (same incremental contract: by batch, append-only).
with

content_events as (
    select
        e.batch_id,
        e.line_no,
        e.event_index,
        e.fetched_at,
        e.event_id,
        e.content_id,
        e.occurred_at,
        e.effect_ids_json
    from {{ ref('stg_platform__events') }} as e
    where
        e.event_type in ('upload', 'content_update')
        and e.effect_ids_json is not null
    {% if is_incremental() %}
        and {{ batch_not_yet_loaded('e.batch_id') }}
    {% endif %}
),

exploded as (
    select
        c.batch_id,
        c.line_no,
        c.event_index,
        f.effect_index,
        c.fetched_at,
        c.event_id,
        c.content_id,
        c.occurred_at,
        {{ json_scalar_text('f.effect') }} as effect_id
    from content_events as c
    {{ json_array_rows(parse_json('c.effect_ids_json'), [], 'effect', 'effect_index', 'f') }}
),

final as (
    select
        {{ dbt.concat([
            'batch_id', "'-'", 'cast(line_no as ' ~ dbt.type_string() ~ ')', "'-'",
            'cast(event_index as ' ~ dbt.type_string() ~ ')', "'-'",
            'cast(effect_index as ' ~ dbt.type_string() ~ ')',
        ]) }} as content_effect_id,
        batch_id,
        line_no,
        event_index,
        effect_index,
        event_id,
        content_id,
        effect_id,
        occurred_at,
        fetched_at
    from exploded
    where effect_id is not null and effect_id <> '' and content_id is not null
)

select * from final
