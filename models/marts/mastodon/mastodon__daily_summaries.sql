-- One deterministic extractive summary per instance and UTC day of posting: volumes, the top
-- hashtags, the top live posts by engagement and the sentiment mix of their current versions.
-- input_stats_json holds every input the summary text is made from, in a fixed order, and
-- input_hash is its md5: regenerating from the same inputs gives the same hash, and a changed
-- hash says the day's inputs changed (a late post, an edit, a new analysis).
{%- set top_tags = 5 %}
{%- set top_posts = 3 %}
with

posts as (
    select * from {{ ref('int_mastodon__posts_current') }}
),

post_tags as (
    select * from {{ ref('int_mastodon__post_tags_resolved') }}
),

sentiments as (
    select * from {{ ref('int_mastodon__sentiments_versioned') }}
    where is_current_version
),

days as (
    select
        instance,
        cast(created_at as date) as summary_date,
        count(*) as post_count,
        count(distinct account_id) as account_count,
        sum(case when is_deleted then 1 else 0 end) as deleted_count
    from posts
    where created_at is not null
    group by 1, 2
),

tag_counts as (
    select
        instance,
        cast(created_at as date) as summary_date,
        tag_name,
        count(*) as post_count,
        row_number() over (
            partition by instance, cast(created_at as date)
            order by count(*) desc, tag_name asc
        ) as tag_rank
    from post_tags
    where created_at is not null
    group by 1, 2, 3
),

top_tags as (
    select
        instance,
        summary_date,
        {{ dbt.listagg(
            "'{\"tag\":\"' || tag_name || '\",\"posts\":' || cast(post_count as " ~ dbt.type_string() ~ ") || '}'",
            "','", "order by tag_rank") }} as tags_json,
        {{ dbt.listagg(
            "'#' || tag_name || ' (' || cast(post_count as " ~ dbt.type_string() ~ ") || ')'",
            "', '", "order by tag_rank") }} as tags_text
    from tag_counts
    where tag_rank <= {{ top_tags }}
    group by 1, 2
),

post_ranks as (
    select
        instance,
        cast(created_at as date) as summary_date,
        status_id,
        cast(round(engagement_score) as {{ dbt.type_bigint() }}) as engagement,
        row_number() over (
            partition by instance, cast(created_at as date)
            order by engagement_score desc, status_id asc
        ) as post_rank
    from posts
    where created_at is not null and not is_deleted and engagement_score is not null
),

top_posts as (
    select
        instance,
        summary_date,
        {{ dbt.listagg(
            "'{\"status_id\":\"' || status_id || '\",\"engagement\":' || cast(engagement as " ~ dbt.type_string() ~ ") || '}'",
            "','", "order by post_rank") }} as posts_json
    from post_ranks
    where post_rank <= {{ top_posts }}
    group by 1, 2
),

sentiment_mix as (
    select
        p.instance,
        cast(p.created_at as date) as summary_date,
        sum(case when s.sentiment_label = 'positive' then 1 else 0 end) as positive_count,
        sum(case when s.sentiment_label = 'neutral' then 1 else 0 end) as neutral_count,
        sum(case when s.sentiment_label = 'negative' then 1 else 0 end) as negative_count,
        sum(case when s.analysis_status = 'unsupported_language' then 1 else 0 end) as unsupported_count
    from posts as p
    inner join sentiments as s
        on p.instance = s.instance and p.status_id = s.status_id
    where p.created_at is not null and not p.is_deleted
    group by 1, 2
),

assembled as (
    select
        d.instance,
        d.summary_date,
        d.post_count,
        d.account_count,
        d.deleted_count,
        t.tags_text,
        '{"posts":' || cast(d.post_count as {{ dbt.type_string() }})
        || ',"accounts":' || cast(d.account_count as {{ dbt.type_string() }})
        || ',"deleted":' || cast(d.deleted_count as {{ dbt.type_string() }})
        || ',"top_tags":[' || coalesce(t.tags_json, '') || ']'
        || ',"top_posts":[' || coalesce(p.posts_json, '') || ']'
        || ',"sentiment":{"positive":' || cast(coalesce(s.positive_count, 0) as {{ dbt.type_string() }})
        || ',"neutral":' || cast(coalesce(s.neutral_count, 0) as {{ dbt.type_string() }})
        || ',"negative":' || cast(coalesce(s.negative_count, 0) as {{ dbt.type_string() }})
        || ',"unsupported":' || cast(coalesce(s.unsupported_count, 0) as {{ dbt.type_string() }})
        || '}}' as input_stats_json,
        coalesce(s.positive_count, 0) as positive_count,
        coalesce(s.neutral_count, 0) as neutral_count,
        coalesce(s.negative_count, 0) as negative_count,
        coalesce(s.unsupported_count, 0) as unsupported_count
    from days as d
    left join top_tags as t on d.instance = t.instance and d.summary_date = t.summary_date
    left join top_posts as p on d.instance = p.instance and d.summary_date = p.summary_date
    left join sentiment_mix as s on d.instance = s.instance and d.summary_date = s.summary_date
),

final as (
    select
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(summary_date as date) as summary_date,
        cast(summary_date as {{ dbt.type_timestamp() }}) as window_start,
        cast({{ dbt.dateadd('day', 1, 'summary_date') }} as {{ dbt.type_timestamp() }}) as window_end,
        cast('trendcast-extractive' as {{ dbt.type_string() }}) as model,  -- noqa: RF04
        cast('extractive-v1' as {{ dbt.type_string() }}) as prompt_version,
        cast(input_stats_json as {{ dbt.type_string() }}) as input_stats_json,
        cast({{ dbt.hash('input_stats_json') }} as {{ dbt.type_string() }}) as input_hash,
        cast(
            instance || ' ' || cast(summary_date as {{ dbt.type_string() }}) || ': '
            || cast(post_count as {{ dbt.type_string() }}) || ' posts by '
            || cast(account_count as {{ dbt.type_string() }}) || ' accounts ('
            || cast(deleted_count as {{ dbt.type_string() }}) || ' deleted); top tags: '
            || coalesce(tags_text, 'none') || '; sentiment: '
            || cast(positive_count as {{ dbt.type_string() }}) || ' positive, '
            || cast(neutral_count as {{ dbt.type_string() }}) || ' neutral, '
            || cast(negative_count as {{ dbt.type_string() }}) || ' negative, '
            || cast(unsupported_count as {{ dbt.type_string() }}) || ' unsupported language'
            as {{ dbt.type_string() }}
        ) as summary_text,
        cast(post_count as {{ dbt.type_bigint() }}) as post_count
    from assembled
)

select * from final
