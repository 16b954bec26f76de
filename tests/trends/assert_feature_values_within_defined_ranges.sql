{#- An expectation about data (severity warn: a real value never stops the build): one row per
    feature of hashtag_features / video_features with values outside its [valid_min, valid_max]
    from seeds/feature_definitions.csv, with how many rows. The same counts are recorded per
    quality run in ml.data_quality_checks (feature_out_of_range) and ml.feature_quality
    (out_of_range_count). -#}
{{ config(severity='warn') }}
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
            {%- do checks.append(
                "select '" ~ model ~ "' as model_name, '" ~ row[1] ~ "' as feature_name, "
                ~ "count(*) as row_count from " ~ relation ~ " where " ~ conditions | join(' or ')
                ~ " having count(*) > 0"
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
    0 as row_count
where 1 = 0
{%- endif %}
