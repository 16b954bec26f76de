-- One row per trending tag, per history day, per fetch of api/v1/trends/tags. Mastodon reports
-- 7 days of daily uses and accounts per trending tag; days are epoch seconds as strings.
with

responses as (
    select * from {{ raw_api_responses('mastodon') }} as r
),

tags as (
    select
        r.fetched_at,
        coalesce({{ json_text('r.params', ['instance']) }}, 'unknown') as instance,
        t.trend_rank,
        t.tag_doc
    from responses as r
    {{ json_array_rows('r.raw_json', [], 'tag_doc', 'trend_rank', 't') }}
    where r.endpoint = 'api/v1/trends/tags'
),

history as (
    select
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

final as (
    select
        instance,
        tag_name,
        fetched_at,
        history_date,
        min(trend_rank) as trend_rank,
        max(use_count) as use_count,
        max(account_count) as account_count
    from history
    where tag_name is not null and history_date is not null
    group by 1, 2, 3, 4
)

select * from final
