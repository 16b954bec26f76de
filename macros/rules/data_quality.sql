{#- Data-quality rules over data as parsed (staging), counted by int_staging_rows_checked and
    turned into severities by python_ml/quality/checks.py. -#}

{#- The rules, as [check, source, staging model, rules]; a rule is [subject, SQL condition of the
    rows it applies to, SQL condition of a failing row]. -#}
{% macro staging_quality_rules() -%}
    {%- set engagement_types = "('impression', 'view', 'like', 'save', 'comment', 'share')" %}
    {%- set groups = [] %}
    {%- for source_name, model, fields in [
        ['tiktok', 'stg_tiktok__videos',
            ['username', 'created_at', 'view_count', 'like_count', 'hashtags_json']],
        ['youtube', 'stg_youtube__video_snapshots',
            ['published_at', 'channel_id', 'view_count', 'like_count', 'comment_count']],
        ['mastodon', 'stg_mastodon__statuses',
            ['created_at', 'account_id', 'language_code', 'favourites_count']],
    ] %}
        {%- set rules = [] %}
        {%- for field in fields %}{% do rules.append([field, 'true', field ~ ' is null']) %}{% endfor %}
        {%- do groups.append(['missing_fields', source_name, model, rules]) %}
    {%- endfor %}
    {%- do groups.append(['platform_event_contract', 'platform', 'stg_platform__events', [
        ['content_id', 'event_type in ' ~ engagement_types, 'content_id is null'],
        ['creator_id', 'event_type in ' ~ engagement_types, 'creator_id is null'],
        ['watch_duration_seconds', "event_type = 'view'", 'watch_duration_seconds is null'],
        ['watch_outside_duration', "event_type = 'view' and watch_duration_seconds is not null",
            'watch_duration_seconds < 0 or completion_percentage < 0 or completion_percentage > 100'],
        ['received_before_occurred', 'received_at is not null and occurred_at is not null',
            "received_at < occurred_at - interval '5 minutes'"],
        ['late_beyond_6h', 'received_at is not null and occurred_at is not null',
            "received_at > occurred_at + interval '6 hours'"],
    ]]) %}
    {%- do groups.append(['counts_above_views', 'youtube', 'stg_youtube__video_snapshots', [
        ['like_count', 'view_count is not null', 'like_count > view_count'],
        ['comment_count', 'view_count is not null', 'comment_count > view_count'],
    ]]) %}
    {{ return(groups) }}
{%- endmacro %}

{#- One row per rule: check_name, source_name, subject, applies_to, fails_when, records_checked,
    failed_records. One scan per group of rules. -#}
{% macro staging_quality_counts_sql(groups) -%}
    with
    {% for check_name, source_name, model, rules in groups %}
    counted_{{ loop.index }} as (
        select
            {%- for subject, applies, fails in rules %}
            sum(case when {{ applies }} then 1 else 0 end) as applies_{{ loop.index }},
            sum(case when ({{ applies }}) and ({{ fails }}) then 1 else 0 end) as fails_{{ loop.index }}
            {{- ',' if not loop.last }}
            {%- endfor %}
        from {{ ref(model) }}
    ){{ ',' if not loop.last }}
    {% endfor %}
    {%- for check_name, source_name, model, rules in groups %}
        {%- set group_index = loop.index %}
        {%- for subject, applies, fails in rules %}
    select
        '{{ check_name }}' as check_name,
        '{{ source_name }}' as source_name,
        '{{ subject }}' as subject,
        '{{ applies | replace("'", "''") }}' as applies_to,
        '{{ fails | replace("'", "''") }}' as fails_when,
        cast(coalesce(applies_{{ loop.index }}, 0) as {{ dbt.type_bigint() }}) as records_checked,
        cast(coalesce(fails_{{ loop.index }}, 0) as {{ dbt.type_bigint() }}) as failed_records
    from counted_{{ group_index }}
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
