{{
    config(
        materialized='incremental',
        unique_key=['instance', 'tag_name', 'fetched_at', 'history_date'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per trending tag, per history day, per fetch of api/v1/trends/tags. Mastodon reports
-- 7 days of daily uses and accounts per trending tag; days are epoch seconds as strings.
-- A small lateral explode (ten tags of seven days per call). Incremental by landing batch.
with

responses as (
    select r.* from {{ raw_api_responses('mastodon') }} as r
    where
        r.endpoint = 'api/v1/trends/tags'
        and {{ mastodon_replay_window('r.fetched_at') }}
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

tags as (
    select
        r.batch_id,
        r.fetched_at,
        coalesce({{ json_text('r.params', ['instance']) }}, 'unknown') as instance,
        t.trend_rank,
        t.tag_doc
    from responses as r
    {{ json_array_rows('r.raw_json', [], 'tag_doc', 'trend_rank', 't') }}
),

history as (
    select
        t.batch_id,
        t.instance,
        lower({{ json_text('t.tag_doc', ['name']) }}) as tag_name,
        t.fetched_at,
        t.trend_rank,
        cast({{ epoch_to_timestamp(safe_cast(json_text('h.day_stats', ['day']), dbt.type_bigint())) }} as date)
            as history_date,
        {{ safe_cast(json_text('h.day_stats', ['uses']), dbt.type_bigint()) }} as use_count,
        {{ safe_cast(json_text('h.day_stats', ['accounts']), dbt.type_bigint()) }} as account_count
    from tags as t
    {{ json_array_rows('t.tag_doc', ['history'], 'day_stats', 'day_index', 'h') }}
),

candidates as (
    select
        batch_id,
        instance,
        tag_name,
        fetched_at,
        history_date,
        trend_rank,
        use_count,
        account_count
    from history
    where tag_name is not null and history_date is not null
    {% if is_incremental() %}
        -- a fetch time seen again in a new batch is merged with the stored rows of that key
        union all
        select
            t.batch_id,
            t.instance,
            t.tag_name,
            t.fetched_at,
            t.history_date,
            t.trend_rank,
            t.use_count,
            t.account_count
        from {{ this }} as t
        inner join (select distinct h.instance, h.fetched_at from history as h) as seen
            on t.instance = seen.instance and t.fetched_at = seen.fetched_at
    {% endif %}
),

final as (
    select
        instance,
        tag_name,
        fetched_at,
        history_date,
        min(trend_rank) as trend_rank,
        max(use_count) as use_count,
        max(account_count) as account_count,
        min(batch_id) as batch_id
    from candidates
    group by 1, 2, 3, 4
)

select * from final
