{#- Group G features: errors of earlier predictions for the same entity, read from ml.predictions
    (int_trend_predictions).

    A prediction is usable at feature time t only once it was made (scored_at <= t) and its outcome
    was known (the label's observed_at <= t): before that, its error did not exist yet. Residual =
    score - label (1 viral, 0 not) of the label definition the task predicts.

    Tasks and what they predict come from var('trends_residual_tasks'):
        {task: {"entity_type": ..., "window_hours": ..., "definition_id": ...}}
    Returns a select with: entity_id, as_of_at (the feature rows' time, from `spine`),
    last_prediction_error, residual_bias_7d, residual_variance_7d, over predictions whose
    error became known in the 7 days before the row. -#}

{% macro trends_residual_features(spine, entity_type) -%}
    {%- set tasks = var('trends_residual_tasks', {
        'trends_hashtag_viral_24h': {'entity_type': 'hashtag', 'window_hours': 24, 'definition_id': 'growth_100pct'},
        'trends_video_viral_24h': {'entity_type': 'video', 'window_hours': 24, 'definition_id': 'growth_100pct'},
    }) -%}
    {%- set double = type_double() -%}
    {%- set predictions = ref('int_trend_predictions') -%}
    select
        entity_id,
        as_of_at,
        max(case when recency_rank = 1 then residual end) as last_prediction_error,
        avg(residual) as residual_bias_7d,
        var_pop(residual) as residual_variance_7d
    from (
        select
            s.entity_id,
            s.as_of_at,
            r.residual,
            row_number() over (
                partition by s.entity_id, s.as_of_at order by r.known_at desc, r.as_of desc
            ) as recency_rank
        from {{ spine }} as s
        inner join (
            select
                p.entity_id,
                p.as_of,
                cast(p.score as {{ double }}) - case when l.is_viral then 1.0 else 0.0 end as residual,
                case when p.scored_at > l.observed_at then p.scored_at else l.observed_at end as known_at
            from {{ predictions }} as p
            inner join {{ ref('viral_labels') }} as l
                on
                    p.entity_id = l.entity_id
                    and p.as_of = l.as_of_at
                    and l.entity_type = '{{ entity_type }}'
                    and (
                        false
                        {%- for task, spec in tasks.items() if spec['entity_type'] == entity_type %}
                        or (p.task = '{{ task }}' and l.window_hours = {{ spec['window_hours'] }}
                            and l.definition_id = '{{ spec['definition_id'] }}')
                        {%- endfor %}
                    )
            where p.entity_type = '{{ entity_type }}' and l.is_viral is not null
        ) as r
            on
                s.entity_id = r.entity_id
                and r.known_at <= s.as_of_at
                and r.known_at > {{ dbt.dateadd('day', -7, 's.as_of_at') }}
    ) as ranked
    group by 1, 2
{%- endmacro %}
