-- The seed's edit-analysis query: live Mastodon posts whose sentiment label changed after an
-- edit, one row per change (an analysed version against the analysed version before it).
with

sentiments as (
    select * from {{ ref('mastodon__post_sentiments') }}
    where analysis_status = 'analyzed'
),

chained as (
    select
        *,
        lag(sentiment_label) over (
            partition by instance, status_id order by version_valid_from
        ) as previous_label,
        lag(compound_score) over (
            partition by instance, status_id order by version_valid_from
        ) as previous_compound_score,
        lag(status_version_seq) over (
            partition by instance, status_id order by version_valid_from
        ) as previous_version_seq
    from sentiments
),

final as (
    select
        status_id,
        instance,
        previous_version_seq,
        status_version_seq,
        version_valid_from as edited_at,
        previous_label,
        sentiment_label,
        previous_compound_score,
        compound_score,
        cast(compound_score - previous_compound_score as {{ type_double() }}) as compound_change
    from chained
    where previous_label is not null and previous_label <> sentiment_label
)

select * from final
