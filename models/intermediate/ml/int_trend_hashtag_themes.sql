-- The semantic theme assignments the hashtag feature mart joins point in time (valid_from <=
-- as_of_at). Empty until the semantic step first runs.
with

themes as (
    select * from {{ ref('stg_ml__hashtag_themes') }}
),

final as (
    select
        hashtag_id,
        valid_from,
        cluster_id,
        theme_label,
        theme_similarity
    from themes
)

select * from final
