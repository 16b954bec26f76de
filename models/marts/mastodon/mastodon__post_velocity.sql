-- Favourites and engagement gained by each live Mastodon post in the last hour and the hour
-- before, as of the instance's latest sighting (a post created within the hour starts from 0).
-- growth_ratio = last hour's gain / the previous hour's gain (NULL when that was 0).
-- Posts last seen more than a day before the instance's latest sighting are left out.
with

observations as (
    select * from {{ ref('int_mastodon__observations_scored') }}
    where favourites_count is not null
),

posts as (
    select * from {{ ref('int_mastodon__posts_current') }}
),

as_of as (
    select
        instance,
        max(fetched_at) as as_of
    from observations
    group by 1
),

marks as (
    select
        o.instance,
        o.status_id,
        a.as_of,
        max(o.fetched_at) as fetch_now,
        max(case when o.fetched_at <= {{ dbt.dateadd('hour', -1, 'a.as_of') }} then o.fetched_at end)
            as fetch_1h,
        max(case when o.fetched_at <= {{ dbt.dateadd('hour', -2, 'a.as_of') }} then o.fetched_at end)
            as fetch_2h
    from observations as o
    inner join as_of as a on o.instance = a.instance
    group by 1, 2, 3
),

valued as (
    select
        m.instance,
        m.status_id,
        m.as_of,
        m.fetch_now,
        n.favourites_count as favourites_now,
        n.engagement_score as engagement_now,
        case
            when m.fetch_1h is not null then h1.favourites_count
            when p.created_at > {{ dbt.dateadd('hour', -1, 'm.as_of') }} then 0
        end as favourites_1h_ago,
        case
            when m.fetch_1h is not null then h1.engagement_score
            when p.created_at > {{ dbt.dateadd('hour', -1, 'm.as_of') }} then 0
        end as engagement_1h_ago,
        case
            when m.fetch_2h is not null then h2.favourites_count
            when p.created_at > {{ dbt.dateadd('hour', -2, 'm.as_of') }} then 0
        end as favourites_2h_ago
    from marks as m
    inner join posts as p
        on m.instance = p.instance and m.status_id = p.status_id
    inner join observations as n
        on m.instance = n.instance and m.status_id = n.status_id and m.fetch_now = n.fetched_at
    left join observations as h1
        on m.instance = h1.instance and m.status_id = h1.status_id and m.fetch_1h = h1.fetched_at
    left join observations as h2
        on m.instance = h2.instance and m.status_id = h2.status_id and m.fetch_2h = h2.fetched_at
    where
        not p.is_deleted
        and m.fetch_now > {{ dbt.dateadd('hour', -24, 'm.as_of') }}
),

final as (
    select
        cast(status_id as {{ dbt.type_string() }}) as status_id,
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(as_of as {{ dbt.type_timestamp() }}) as as_of,
        cast(fetch_now as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(favourites_now as {{ dbt.type_bigint() }}) as favourites_count,
        cast(favourites_now - favourites_1h_ago as {{ dbt.type_bigint() }})
            as favourites_gained_last_hour,
        cast(favourites_1h_ago - favourites_2h_ago as {{ dbt.type_bigint() }})
            as favourites_gained_previous_hour,
        cast(engagement_now - engagement_1h_ago as {{ type_double() }})
            as engagement_gained_last_hour,
        cast(
            (favourites_now - favourites_1h_ago)
            / nullif(cast(favourites_1h_ago - favourites_2h_ago as {{ type_double() }}), 0)
            as {{ type_double() }}
        ) as growth_ratio
    from valued
)

select * from final
