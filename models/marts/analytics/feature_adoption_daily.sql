-- One row per creative feature type (hashtag, effect, music) and UTC upload day: of the platform
-- videos posted that day (an upload event seen), how many use the feature type (at least one
-- hashtag / effect / a sound), the adoption rate, how many distinct features they use, and the
-- same for creators. Attributes are the videos' current ones (dim_content).
with

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform' and has_upload_event and upload_timestamp is not null
),

uploads as (
    select
        content_id,
        creator_id,
        {{ core_utc_date('upload_timestamp') }} as upload_date,
        {{ json_array_length(parse_json('hashtags'), []) }} as hashtag_count,
        {{ json_array_length(parse_json('effects_used'), []) }} as effect_count,
        hashtags,
        effects_used,
        music_id
    from content
),

features_used as (
    select
        u.upload_date,
        'hashtag' as feature_type,
        lower(replace({{ json_scalar_text('h.hashtag') }}, '#', '')) as feature_name
    from uploads as u
    {{ json_array_rows(parse_json('u.hashtags'), [], 'hashtag', 'hashtag_index', 'h') }}
    union all
    select
        u.upload_date,
        'effect' as feature_type,
        {{ json_scalar_text('e.effect') }} as feature_name
    from uploads as u
    {{ json_array_rows(parse_json('u.effects_used'), [], 'effect', 'effect_index', 'e') }}
    union all
    select
        upload_date,
        'music' as feature_type,
        music_id as feature_name
    from uploads
    where music_id is not null
),

distinct_features as (
    select
        upload_date,
        feature_type,
        count(distinct feature_name) as distinct_features_used
    from features_used
    group by 1, 2
),

feature_types as (
    select 'hashtag' as feature_type
    union all
    select 'effect' as feature_type
    union all
    select 'music' as feature_type
),

per_type as (
    select
        u.upload_date,
        t.feature_type,
        u.content_id,
        u.creator_id,
        case t.feature_type
            when 'hashtag' then u.hashtag_count > 0
            when 'effect' then u.effect_count > 0
            else u.music_id is not null
        end as uses_feature
    from uploads as u
    cross join feature_types as t
),

daily as (
    select
        upload_date,
        feature_type,
        count(*) as videos_posted,
        sum(case when uses_feature then 1 else 0 end) as videos_using_feature,
        count(distinct creator_id) as creators_posting,
        count(distinct case when uses_feature then creator_id end) as creators_using_feature
    from per_type
    group by 1, 2
),

final as (
    select
        d.feature_type,
        d.upload_date,
        {{ core_date_key('d.upload_date', grain='day') }} as date_key,
        cast(d.videos_posted as {{ dbt.type_bigint() }}) as videos_posted,
        cast(d.videos_using_feature as {{ dbt.type_bigint() }}) as videos_using_feature,
        cast(
            cast(d.videos_using_feature as {{ type_double() }}) / d.videos_posted as {{ type_double() }}
        ) as adoption_rate,
        cast(d.creators_posting as {{ dbt.type_bigint() }}) as creators_posting,
        cast(d.creators_using_feature as {{ dbt.type_bigint() }}) as creators_using_feature,
        cast(
            cast(d.creators_using_feature as {{ type_double() }}) / nullif(d.creators_posting, 0)
            as {{ type_double() }}
        ) as creator_adoption_rate,
        cast(coalesce(f.distinct_features_used, 0) as {{ dbt.type_bigint() }}) as distinct_features_used
    from daily as d
    left join distinct_features as f
        on d.upload_date = f.upload_date and d.feature_type = f.feature_type
)

select * from final
