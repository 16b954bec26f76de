-- Every sentiment analysis of a Mastodon post version (python_ml writes them to
-- ml.mastodon_post_sentiments), with the version's place in the post's chain and whether the
-- analysed version is the current one.
with

sentiments as (
    select * from {{ ref('stg_ml__mastodon_post_sentiments') }}
),

versions as (
    select * from {{ ref('int_mastodon__post_versions_unioned') }}
),

final as (
    select
        s.instance,
        s.status_id,
        s.version_valid_from,
        coalesce(v.version_seq, s.status_version_seq) as status_version_seq,
        v.valid_to is null as is_current_version,
        s.language_code,
        s.analysis_status,
        s.sentiment_label,
        s.compound_score,
        s.positive_score,
        s.neutral_score,
        s.negative_score,
        s.model,
        s.prompt_version,
        s.input_hash,
        s.analyzed_at,
        s.is_reused
    from sentiments as s
    left join versions as v
        on
            s.instance = v.instance
            and s.status_id = v.status_id
            and s.version_valid_from = v.valid_from
)

select * from final
