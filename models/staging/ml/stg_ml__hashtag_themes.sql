-- Semantic themes of hashtags (python_ml/semantic), one row per (hashtag_id, valid_from). Empty
-- and typed until the semantic step first writes ml.hashtag_themes.
with

themes as (
    select * from {{ trends_relation_or_empty(source('ml', 'hashtag_themes'), [
        ['hashtag_id', dbt.type_string()],
        ['valid_from', 'timestamp with time zone'],
        ['platform', dbt.type_string()],
        ['cluster_id', dbt.type_int()],
        ['theme_label', dbt.type_string()],
        ['theme_similarity', type_double()],
        ['model_version', dbt.type_string()],
        ['computed_at', 'timestamp with time zone'],
    ]) }} as t
),

final as (
    select * from themes
)

select * from final
