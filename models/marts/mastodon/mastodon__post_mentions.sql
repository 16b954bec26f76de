-- Accounts mentioned by live (not deleted) Mastodon posts.
with

mentions as (
    select * from {{ ref('int_mastodon__status_mentions_exploded') }}
),

posts as (
    select * from {{ ref('int_mastodon__posts_current') }}
),

final as (
    select
        cast(m.status_id as {{ dbt.type_string() }}) as status_id,
        cast(m.instance as {{ dbt.type_string() }}) as instance,
        cast(m.mentioned_acct as {{ dbt.type_string() }}) as mentioned_acct
    from mentions as m
    inner join posts as p
        on m.instance = p.instance and m.status_id = p.status_id
    where not p.is_deleted
)

select * from final
