-- One row per hashtag per instance: when it was first and last seen on a post there, and how
-- many posts and accounts used it (deleted posts stay counted).
with

post_tags as (
    select * from {{ ref('int_mastodon__post_tags_resolved') }}
),

final as (
    select
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(tag_name as {{ dbt.type_string() }}) as tag_name,
        cast(min(first_tagged_at) as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(max(last_tagged_at) as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as post_count,
        cast(count(distinct account_id) as {{ dbt.type_bigint() }}) as account_count
    from post_tags
    group by 1, 2
)

select * from final
