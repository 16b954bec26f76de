-- Bridge between live (not deleted) Mastodon posts and their hashtags.
with

post_tags as (
    select * from {{ ref('int_mastodon__post_tags_resolved') }}
),

final as (
    select
        cast(status_id as {{ dbt.type_string() }}) as status_id,
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(tag_name as {{ dbt.type_string() }}) as tag_name,
        cast(first_tagged_at as {{ dbt.type_timestamp() }}) as first_seen_at
    from post_tags
    where not is_deleted
)

select * from final
