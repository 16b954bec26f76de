-- The sentiment of every analysed version of the live Mastodon posts, with its audit fields
-- (model, ruleset version as prompt_version, input_hash, analyzed_at, status_version_seq).
-- Languages the model does not support have analysis_status 'unsupported_language' and no
-- scores; is_reused marks a result copied from an earlier analysis of the same input hash.
with

sentiments as (
    select * from {{ ref('int_mastodon__sentiments_versioned') }}
),

posts as (
    select * from {{ ref('int_mastodon__posts_current') }}
),

final as (
    select
        cast(s.status_id as {{ dbt.type_string() }}) as status_id,
        cast(s.instance as {{ dbt.type_string() }}) as instance,
        cast(s.status_version_seq as {{ dbt.type_bigint() }}) as status_version_seq,
        cast(s.version_valid_from as {{ dbt.type_timestamp() }}) as version_valid_from,
        coalesce(s.is_current_version, false) as is_current_version,
        cast(s.language_code as {{ dbt.type_string() }}) as language_code,
        cast(s.analysis_status as {{ dbt.type_string() }}) as analysis_status,
        cast(s.sentiment_label as {{ dbt.type_string() }}) as sentiment_label,
        cast(s.compound_score as {{ type_double() }}) as compound_score,
        cast(s.positive_score as {{ type_double() }}) as positive_score,
        cast(s.neutral_score as {{ type_double() }}) as neutral_score,
        cast(s.negative_score as {{ type_double() }}) as negative_score,
        cast(s.model as {{ dbt.type_string() }}) as model,  -- noqa: RF04
        cast(s.prompt_version as {{ dbt.type_string() }}) as prompt_version,
        cast(s.input_hash as {{ dbt.type_string() }}) as input_hash,
        cast(s.analyzed_at as {{ dbt.type_timestamp() }}) as analyzed_at,
        coalesce(s.is_reused, false) as is_reused
    from sentiments as s
    inner join posts as p
        on s.instance = p.instance and s.status_id = p.status_id
    where not p.is_deleted
)

select * from final
