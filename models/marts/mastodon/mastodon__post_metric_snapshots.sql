{{
    config(
        materialized='incremental',
        unique_key=['status_id', 'instance', 'fetched_at'],
        incremental_strategy=incremental_strategy_for_target(),
        on_schema_change='fail',
    )
}}
-- Replies, boosts and favourites of a Mastodon post at each sighting, with the weighted
-- engagement score. Incremental on landing time (a late file with old fetch times still gets
-- in), and never rebuilt from older rows: snapshot retention (python_ml.mastodon.retention)
-- thins old rows here, and an incremental run does not bring them back; a full refresh or
-- `trendcast replay mastodon` rebuilds every snapshot from the event log.
with

observations as (
    select * from {{ ref('int_mastodon__observations_scored') }}
    {% if is_incremental() %}
        where landed_at > (select max(t.landed_at) from {{ this }} as t)
    {% endif %}
),

final as (
    select
        cast(status_id as {{ dbt.type_string() }}) as status_id,
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(fetched_at as {{ dbt.type_timestamp() }}) as fetched_at,
        cast(observed_via as {{ dbt.type_string() }}) as observed_via,
        cast(replies_count as {{ dbt.type_bigint() }}) as replies_count,
        cast(reblogs_count as {{ dbt.type_bigint() }}) as reblogs_count,
        cast(favourites_count as {{ dbt.type_bigint() }}) as favourites_count,
        cast(engagement_score as {{ type_double() }}) as engagement_score,
        cast(landed_at as {{ dbt.type_timestamp() }}) as landed_at
    from observations
)

select * from final
