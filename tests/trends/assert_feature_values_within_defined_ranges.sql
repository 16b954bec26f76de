{#- An expectation about data: one row per feature of hashtag_features / video_features with
    values outside its [valid_min, valid_max] from seeds/feature_definitions.csv, with how many
    rows and their share of the feature's non-NULL values. The failure number is the largest share
    in percent, rounded up: any value out of range warns (warn_if '>0'), and only a feature mostly
    out of range (more than var('data_expectation_error_percent'), default 50) is an error, the
    sign of a broken feed or parser rather than of real values (likes above views on fresh
    uploads reach 16.9 likes per view on a few rows). The same counts are recorded per quality run
    in ml.data_quality_checks (feature_out_of_range) and ml.feature_quality (out_of_range_count). -#}
{{ config(
    severity='error',
    warn_if='>0',
    error_if='>' ~ var('data_expectation_error_percent', 50),
    fail_calc='coalesce(max(out_of_range_percent), 0)',
) }}
{%- set models = ['hashtag_features', 'video_features'] -%}
{#- refs outside `if execute`, so dbt records the dependencies at parse time -#}
{%- set dependencies = [ref('feature_definitions'), ref('hashtag_features'), ref('video_features')] -%}
{%- set checks = [] -%}
{%- if execute -%}
    {%- set defs = run_query(
        'select model_name, name, valid_min, valid_max from ' ~ ref('feature_definitions')
    ) -%}
    {%- for model in models -%}
        {%- set relation = ref(model) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- for row in defs.rows if row[0] == model and row[1] | lower in columns and (row[2] is not none or row[3] is not none) -%}
            {%- set conditions = [] -%}
            {%- if row[2] is not none -%}{%- do conditions.append(row[1] ~ ' < ' ~ row[2]) -%}{%- endif -%}
            {%- if row[3] is not none -%}{%- do conditions.append(row[1] ~ ' > ' ~ row[3]) -%}{%- endif -%}
            {%- set out_of_range = "sum(case when " ~ conditions | join(' or ') ~ " then 1 else 0 end)" -%}
            {%- do checks.append(
                "select '" ~ model ~ "' as model_name, '" ~ row[1] ~ "' as feature_name, "
                ~ out_of_range ~ " as row_count, count(" ~ row[1] ~ ") as checked_rows, "
                ~ "cast(ceil(100.0 * " ~ out_of_range ~ " / nullif(count(" ~ row[1] ~ "), 0)) as "
                ~ dbt.type_int() ~ ") as out_of_range_percent from " ~ relation
                ~ " having " ~ out_of_range ~ " > 0"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}

{%- if checks %}
{{ checks | join('\nunion all\n') }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as feature_name,
    0 as row_count,
    0 as checked_rows,
    0 as out_of_range_percent
where 1 = 0
{%- endif %}
