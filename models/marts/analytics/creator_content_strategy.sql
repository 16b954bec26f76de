-- One row per creator, content attribute and attribute value: what the creator's better-performing
-- posts share compared with their other posts. A creator's posts are their platform videos with an
-- upload event; a post's performance is its weighted engagement score over its first 7 days (the
-- upload day and the 6 after it, so older posts do not win by age alone; a post younger than that
-- has the days it has). The better-performing posts are the creator's top quarter by that score
-- (ntile 4, ties by content_id); creators with fewer than 4 posts are left out. Attributes:
-- duration_bucket, posting_daypart (UTC), hashtag_count_bucket, category, content_type, uses_effect.
-- share_top / share_other: the fraction of the top / other posts with the value; lift = their ratio.
{# Each attribute a post is compared on: its name (the attribute_name value and the posts column)
    and the expression that buckets a post into its values. #}
{% set content_attributes = [
    {'name': 'duration_bucket', 'expression': analytics_duration_bucket('duration_seconds')},
    {'name': 'posting_daypart', 'expression': analytics_posting_daypart(hour_of_day(core_utc('upload_timestamp')))},
    {
        'name': 'hashtag_count_bucket',
        'expression': analytics_hashtag_count_bucket(json_array_length(parse_json('hashtags'), [])),
    },
    {'name': 'category', 'expression': "coalesce(category, 'unknown')"},
    {'name': 'content_type', 'expression': "coalesce(content_type, 'unknown')"},
    {
        'name': 'uses_effect',
        'expression': "case when " ~ json_array_length(parse_json('effects_used'), []) ~ " > 0 then 'yes' else 'no' end",
    },
] %}

with

content as (
    select * from {{ ref('dim_content') }}
    where platform = 'platform' and has_upload_event and upload_timestamp is not null and creator_id is not null
),

performance as (
    select * from {{ ref('fact_content_performance') }}
),

posts as (
    select
        content_id,
        creator_id,
        {% for attribute in content_attributes %}
        {{ attribute.expression }} as {{ attribute.name }},
        {% endfor %}
        upload_timestamp
    from content
),

scored as (
    select
        p.content_id,
        p.creator_id,
        coalesce(sum(f.weighted_engagement_score), 0) as score_7d
    from posts as p
    left join performance as f
        on
            p.content_id = f.content_id
            and f.performance_date < {{ dbt.dateadd('day', 7, core_utc_date('p.upload_timestamp')) }}
    group by 1, 2
),

ranked as (
    select
        s.*,
        count(*) over (partition by s.creator_id) as creator_posts,
        ntile(4) over (partition by s.creator_id order by s.score_7d desc, s.content_id asc) as score_quartile
    from scored as s
),

labelled as (
    select
        p.*,
        r.score_7d,
        r.creator_posts,
        r.score_quartile = 1 as is_top_post
    from posts as p
    inner join ranked as r on p.content_id = r.content_id
    where r.creator_posts >= 4
),

attributes as (
    {% for attribute in content_attributes %}
    {% if not loop.first %}
    union all
    {% endif %}
    select
        creator_id,
        content_id,
        is_top_post,
        score_7d,
        '{{ attribute.name }}' as attribute_name,
        {{ attribute.name }} as attribute_value
    from labelled
    {% endfor %}
),

creator_counts as (
    select
        creator_id,
        sum(case when is_top_post then 1 else 0 end) as top_posts,
        sum(case when is_top_post then 0 else 1 end) as other_posts
    from labelled
    group by 1
),

per_value as (
    select
        creator_id,
        attribute_name,
        attribute_value,
        sum(case when is_top_post then 1 else 0 end) as top_posts_with_value,
        sum(case when is_top_post then 0 else 1 end) as other_posts_with_value,
        avg(score_7d) as avg_score_7d
    from attributes
    group by 1, 2, 3
),

final as (
    select
        v.creator_id,
        v.attribute_name,
        v.attribute_value,
        cast(c.top_posts as {{ dbt.type_bigint() }}) as top_posts,
        cast(c.other_posts as {{ dbt.type_bigint() }}) as other_posts,
        cast(v.top_posts_with_value as {{ dbt.type_bigint() }}) as top_posts_with_value,
        cast(v.other_posts_with_value as {{ dbt.type_bigint() }}) as other_posts_with_value,
        cast(cast(v.top_posts_with_value as {{ type_double() }}) / c.top_posts as {{ type_double() }}) as share_top,
        cast(
            cast(v.other_posts_with_value as {{ type_double() }}) / nullif(c.other_posts, 0) as {{ type_double() }}
        ) as share_other,
        cast(
            (cast(v.top_posts_with_value as {{ type_double() }}) / c.top_posts)
            / nullif(cast(v.other_posts_with_value as {{ type_double() }}) / nullif(c.other_posts, 0), 0)
            as {{ type_double() }}
        ) as lift,
        cast(v.avg_score_7d as {{ type_double() }}) as avg_score_7d
    from per_value as v
    inner join creator_counts as c on v.creator_id = c.creator_id
)

select * from final
