{#- A contract check (an error): driven by seeds/feature_definitions.csv, one failing row per
      - column of hashtag_features / video_features without a definition (missing_definition),
      - definition without a column (stale_definition).
    Values against [valid_min, valid_max] are an expectation about data, not a contract:
    assert_feature_values_within_defined_ranges (severity warn).
    The seed is read at execution time, so adding a definition needs no edit here. -#}
{%- set models = ['hashtag_features', 'video_features'] -%}
{#- refs outside `if execute`, so dbt records the dependencies at parse time -#}
{%- set dependencies = [ref('feature_definitions'), ref('hashtag_features'), ref('video_features')] -%}
{%- set checks = [] -%}
{%- if execute -%}
    {%- set defs = run_query('select model_name, name from ' ~ ref('feature_definitions')) -%}
    {%- for model in models -%}
        {%- set relation = ref(model) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- set defined = [] -%}
        {%- for row in defs.rows if row[0] == model -%}
            {%- do defined.append(row[1] | lower) -%}
            {%- if row[1] | lower not in columns -%}
                {%- do checks.append("select '" ~ model ~ "' as model_name, '" ~ row[1] ~ "' as feature_name, 'stale_definition' as problem") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for column in columns if column not in defined -%}
            {%- do checks.append("select '" ~ model ~ "' as model_name, '" ~ column ~ "' as feature_name, 'missing_definition' as problem") -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}

{%- if checks %}
{{ checks | join('\nunion all\n') }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as feature_name,
    cast(null as {{ dbt.type_string() }}) as problem
where 1 = 0
{%- endif %}
