-- Posts, distinct accounts and total engagement per instance, hashtag and UTC hour of posting.
-- A post deleted later stays counted in its hour (aggregates do not shrink on delete);
-- total_engagement is the posts' latest weighted engagement score.
with

post_tags as (
    select * from {{ ref('int_mastodon__post_tags_resolved') }}
),

final as (
    select
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(tag_name as {{ dbt.type_string() }}) as tag_name,
        cast({{ dbt.date_trunc('hour', 'created_at') }} as {{ dbt.type_timestamp() }}) as hour_start,
        cast(count(*) as {{ dbt.type_bigint() }}) as post_count,
        cast(count(distinct account_id) as {{ dbt.type_bigint() }}) as unique_accounts,
        cast(coalesce(sum(engagement_score), 0) as {{ type_double() }}) as total_engagement,
        cast(sum(case when is_deleted then 1 else 0 end) as {{ dbt.type_bigint() }})
            as deleted_post_count
    from post_tags
    where created_at is not null
    group by 1, 2, 3
)

select * from final
