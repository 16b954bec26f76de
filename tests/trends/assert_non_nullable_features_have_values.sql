{#- A contract check (an error): one row per feature of hashtag_features / video_features that
    seeds/feature_definitions.csv defines as not nullable (is_nullable = false) and that has NULL
    values, with how many rows. One scan per model (a CTE of null counts), whatever the number of
    features. The seed is read at execution time, so a new definition needs no edit here. -#}
{%- set models = ['hashtag_features', 'video_features'] -%}
{#- refs outside `if execute`, so dbt records the dependencies at parse time -#}
{%- set dependencies = [ref('feature_definitions'), ref('hashtag_features'), ref('video_features')] -%}
{%- set ctes = [] -%}
{%- set checks = [] -%}
{%- if execute -%}
    {%- set defs = run_query(
        'select model_name, name from ' ~ ref('feature_definitions') ~ ' where not is_nullable'
    ) -%}
    {%- for model in models -%}
        {%- set relation = ref(model) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- set sums = [] -%}
        {%- for row in defs.rows if row[0] == model and row[1] | lower in columns -%}
            {%- do sums.append('sum(case when ' ~ row[1] ~ ' is null then 1 else 0 end) as ' ~ row[1]) -%}
            {%- do checks.append(
                "select '" ~ model ~ "' as model_name, '" ~ row[1] ~ "' as feature_name, "
                ~ row[1] ~ " as row_count from nulls_" ~ model ~ " where " ~ row[1] ~ " > 0"
            ) -%}
        {%- endfor -%}
        {%- if sums -%}
            {%- do ctes.append('nulls_' ~ model ~ ' as (select ' ~ sums | join(', ') ~ ' from ' ~ relation ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}

{%- if checks %}
with {{ ctes | join(',\n') }}
{{ checks | join('\nunion all\n') }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as feature_name,
    0 as row_count
where 1 = 0
{%- endif %}
