{#- Driven by seeds/feature_definitions.csv: one failing row per
      - column of hashtag_features / video_features without a definition (missing_definition),
      - definition without a column (stale_definition),
      - feature value below valid_min or above valid_max (out_of_range, with the count).
    The seed is read at execution time, so adding a definition or a bound needs no edit here. -#}
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
        {%- set defined = [] -%}
        {%- for row in defs.rows if row[0] == model -%}
            {%- do defined.append(row[1] | lower) -%}
            {%- if row[1] | lower not in columns -%}
                {%- do checks.append("select '" ~ model ~ "' as model_name, '" ~ row[1] ~ "' as feature_name, 'stale_definition' as problem, 0 as row_count") -%}
            {%- elif row[2] is not none or row[3] is not none -%}
                {%- set conditions = [] -%}
                {%- if row[2] is not none -%}{%- do conditions.append(row[1] ~ ' < ' ~ row[2]) -%}{%- endif -%}
                {%- if row[3] is not none -%}{%- do conditions.append(row[1] ~ ' > ' ~ row[3]) -%}{%- endif -%}
                {%- do checks.append(
                    "select '" ~ model ~ "' as model_name, '" ~ row[1] ~ "' as feature_name, 'out_of_range' as problem, "
                    ~ "count(*) as row_count from " ~ relation ~ " where " ~ conditions | join(' or ')
                    ~ " having count(*) > 0"
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for column in columns if column not in defined -%}
            {%- do checks.append("select '" ~ model ~ "' as model_name, '" ~ column ~ "' as feature_name, 'missing_definition' as problem, 0 as row_count") -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}

{%- if checks %}
{{ checks | join('\nunion all\n') }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as feature_name,
    cast(null as {{ dbt.type_string() }}) as problem,
    0 as row_count
where 1 = 0
{%- endif %}
