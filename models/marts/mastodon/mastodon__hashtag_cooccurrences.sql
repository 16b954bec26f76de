-- Pairs of hashtags used on the same Mastodon post, per instance (tag_a < tag_b), with the
-- number of posts carrying both.
with

post_tags as (
    select * from {{ ref('int_mastodon__post_tags_resolved') }}
),

final as (
    select
        cast(a.instance as {{ dbt.type_string() }}) as instance,
        cast(a.tag_name as {{ dbt.type_string() }}) as tag_a,
        cast(b.tag_name as {{ dbt.type_string() }}) as tag_b,
        cast(count(*) as {{ dbt.type_bigint() }}) as post_count
    from post_tags as a
    inner join post_tags as b
        on
            a.instance = b.instance
            and a.status_id = b.status_id
            and a.tag_name < b.tag_name
    group by 1, 2, 3
)

select * from final
