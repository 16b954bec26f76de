{{
    config(
        materialized='incremental',
        unique_key=['username', 'fetched_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per TikTok user per fetch, from Research API v2/research/user/info. The username is
-- the request parameter (the response does not repeat it).
-- Incremental by landing batch: a run reads only the batches landed since the last one; a
-- (username, fetched_at) seen again is ranked against the stored row (batch_id and line_no kept
-- for the order) and delete+insert on that key keeps the first, so it equals a full refresh.
{%- set columns = [
    'username', 'fetched_at', 'display_name', 'bio_description', 'is_verified', 'follower_count',
    'following_count', 'likes_count', 'video_count', 'batch_id', 'line_no',
] %}
with

responses as (
    select r.* from {{ raw_api_responses('tiktok') }} as r
    where
        r.endpoint like 'v2/research/user/info%'
    {% if is_incremental() %}
            and {{ batch_not_yet_loaded('r.batch_id') }}
        {% endif %}
),

users as (
    select
        coalesce(
            {{ json_text('r.params', ['username']) }},
            {{ json_text('r.raw_json', ['data', 'username']) }},
            '(unknown)'
        ) as username,
        r.fetched_at,
        {{ json_text('r.raw_json', ['data', 'display_name']) }} as display_name,
        {{ json_text('r.raw_json', ['data', 'bio_description']) }} as bio_description,
        {{ json_text('r.raw_json', ['data', 'is_verified']) }} = 'true' as is_verified,
        {{ safe_cast(json_text('r.raw_json', ['data', 'follower_count']), dbt.type_bigint()) }} as follower_count,
        {{ safe_cast(json_text('r.raw_json', ['data', 'following_count']), dbt.type_bigint()) }} as following_count,
        {{ safe_cast(json_text('r.raw_json', ['data', 'likes_count']), dbt.type_bigint()) }} as likes_count,
        {{ safe_cast(json_text('r.raw_json', ['data', 'video_count']), dbt.type_bigint()) }} as video_count,
        r.batch_id,
        r.line_no
    from responses as r
),

candidates as (
    select
        {{ columns | join(',\n        ') }}
    from users
    {{ union_stored_rows_of_seen_keys('users', columns, ['username', 'fetched_at']) }}
),

deduped as (
    select
        *,
        row_number() over (partition by username, fetched_at order by batch_id, line_no) as observation_rank
    from candidates
),

final as (
    select
        {{ columns | join(',\n        ') }}
    from deduped
    where observation_rank = 1
)

select * from final
