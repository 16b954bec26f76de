{{
    config(
        materialized='incremental',
        unique_key=['post_id'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- One row per X post (deduplicated over every timeline page that returned it), counts only: the
-- text is never selected. The account handle is not in a timeline response, so it comes from the
-- var x_account_handles ({account_id: handle}); unknown ids keep the id as their handle.
-- last_landed_at: when the latest file with a sighting of the post was landed (raw_tweets'
-- incremental watermark; a late file can carry fetch times older than what is already landed).
-- Incremental by landing batch: a run parses only the pages of batches landed after the newest
-- landing it holds (each page parsed once, its posts unnested in the select list) and folds their sightings
-- into the stored row of each post (first/last fetch, count, latest landing), so the table
-- equals a full refresh. A post's account and creation time are the same in every sighting;
-- the stored row's are kept when a new sighting has the same first fetch time.
{%- set post_fields = {'id': 'text', 'created_at': 'text'} %}
{%- set columns = [
    'post_id', 'account_id', 'created_at', 'fetched_at', 'last_fetched_at', 'times_seen',
    'last_landed_at',
] %}
with

responses as (
    select r.* from {{ raw_api_responses('x', with_landed_at=true) }} as r
    where
        {{ regex_like('r.endpoint', '^2/users/[0-9]+/tweets$') }}
    {% if is_incremental() %}
            -- batches landed after the newest one folded in: a post's row keeps no batch ids,
            -- and batches land one after another, each with its own completion time
            and (
                r.landed_at > (select max(t.last_landed_at) from {{ this }} as t)
                or (select count(*) from {{ this }}) = 0
            )
        {% endif %}
),

page_documents as (
    select
        r.batch_id,
        r.line_no,
        r.endpoint,
        r.fetched_at,
        r.landed_at,
        {{ json_array_records('r.raw_json', ['data'], post_fields) }} as records
    from responses as r
),

page_posts as (
    select
        d.batch_id,
        d.line_no,
        d.endpoint,
        d.fetched_at,
        d.landed_at,
        {{ unnest_records('d.records', 'post', 'item_index') }}
    from page_documents as d
),

post_fields as (
    select
        p.batch_id,
        p.line_no,
        p.endpoint,
        p.fetched_at,
        p.landed_at,
        p.item_index,
        {{ json_record_fields('p.post', post_fields, 'f_') }}
    from page_posts as p
),

parsed as (
    select
        f_id as post_id,
        split_part(endpoint, '/', 3) as account_id,
        -- created_at is only sent when tweet.fields asks for it; otherwise decode the snowflake id
        -- (milliseconds since the X epoch 1288834974657 in the bits above 22)
        coalesce(
            {{ iso_to_timestamp('f_created_at') }},
            {{ epoch_to_timestamp(
                '(floor(cast(f_id as ' ~ type_double() ~ ') / 4194304) + 1288834974657) / 1000.0'
            ) }}
        ) as created_at,
        fetched_at,
        landed_at,
        batch_id,
        line_no,
        item_index
    from post_fields
),

ranked as (
    select
        *,
        min(fetched_at) over (partition by post_id) as first_fetched_at,
        max(fetched_at) over (partition by post_id) as last_fetched_at,
        max(landed_at) over (partition by post_id) as last_landed_at,
        count(*) over (partition by post_id) as times_seen,
        row_number() over (
            partition by post_id
            order by fetched_at, batch_id, line_no, item_index
        ) as sighting_rank
    from parsed
    where post_id is not null
),

new_posts as (
    select
        post_id,
        account_id,
        created_at,
        first_fetched_at as fetched_at,
        last_fetched_at,
        times_seen,
        last_landed_at
    from ranked
    where sighting_rank = 1
),

{% if is_incremental() %}
    candidates as (
        select
            {{ columns | join(',\n            ') }},
            1 as is_new
        from new_posts
        union all
        select
            t.{{ columns | join(',\n            t.') }},
            0 as is_new
        from {{ this }} as t
        where t.post_id in (select n.post_id from new_posts as n)
    ),

    folded as (
        select
            *,
            min(fetched_at) over (partition by post_id) as folded_fetched_at,
            max(last_fetched_at) over (partition by post_id) as folded_last_fetched_at,
            sum(times_seen) over (partition by post_id) as folded_times_seen,
            max(last_landed_at) over (partition by post_id) as folded_last_landed_at,
            row_number() over (partition by post_id order by fetched_at, is_new) as fold_rank
        from candidates
    ),

    posts as (
        select
            post_id,
            account_id,
            created_at,
            folded_fetched_at as fetched_at,
            folded_last_fetched_at as last_fetched_at,
            cast(folded_times_seen as {{ dbt.type_bigint() }}) as times_seen,
            folded_last_landed_at as last_landed_at
        from folded
        where fold_rank = 1
    ),
{% else %}
posts as (
    select * from new_posts
),
{% endif %}

final as (
    select
        post_id,
        account_id,
        {{ x_account_handle('account_id') }} as account,  -- noqa: RF04
        created_at,
        fetched_at,
        last_fetched_at,
        cast(times_seen as {{ dbt.type_bigint() }}) as times_seen,
        last_landed_at
    from posts
)

select * from final
