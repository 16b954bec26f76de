-- The seed's velocity query: live Mastodon posts that gained more than
-- var('mastodon_velocity_min_favourites') (50) favourites in the last hour.
with

velocity as (
    select * from {{ ref('mastodon__post_velocity') }}
),

final as (
    select
        status_id,
        instance,
        as_of,
        favourites_count,
        favourites_gained_last_hour,
        growth_ratio
    from velocity
    where favourites_gained_last_hour > {{ var('mastodon_velocity_min_favourites', 50) }}
)

select * from final
