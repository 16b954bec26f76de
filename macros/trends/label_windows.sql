{#- Column lists and unions generated per prediction window for trends.viral_labels (kept in
    macros so the model stays readable and lintable). `windows` is trends_label_windows(). -#}

{# hashtags: per window, reach gained, the peak key and the longest gap inside (as_of, as_of + w] #}
{% macro trends_hashtag_window_columns(windows) -%}
        {%- for w in windows %}
        sum(m.reach_count) over (
            partition by m.hashtag_id order by m.hour_number range between 1 following and {{ w }} following
        ) as gained_{{ w }},
        -- the peak hour: max of reach * 10^6 + (999999 - hour_number), so ties go to the earliest hour
        max(m.reach_count * 1000000 + (999999 - m.hour_number)) over (
            partition by m.hashtag_id order by m.hour_number range between 1 following and {{ w }} following
        ) as peak_key_{{ w }},
        max(m.window_duration_minutes) over (
            partition by m.hashtag_id order by m.hour_number range between 1 following and {{ w }} following
        ) as max_gap_minutes_{{ w }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{# hashtags: one select per window, unioned #}
{% macro trends_hashtag_windows_unpivoted(windows, double) -%}
    {%- for w in windows %}
    select
        hashtag_id as entity_id,
        platform,
        as_of_at,
        cast({{ w }} as {{ dbt.type_int() }}) as window_hours,
        cumulative_reach_count as start_value,
        coalesce(gained_{{ w }}, 0) as gained_value,
        case when peak_key_{{ w }} is not null
            then {{ dbt.dateadd('hour', '999999 - ' ~ trends_mod('peak_key_' ~ w, 1000000) ~ ' - hour_number', 'as_of_at') }}
        end as actual_peak_at,
        cast(floor(peak_key_{{ w }} / 1000000) as {{ double }}) as actual_peak_value,
        max_gap_minutes_{{ w }} as max_gap_minutes
    from hashtag_windows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{# videos: per window, views at the end, the observing fetch, the peak key and the longest gap #}
{% macro trends_video_window_columns(windows) -%}
        {%- for w in windows %}
        max(trusted_view_count) over (
            partition by post_id order by fetched_epoch range between current row and {{ w * 3600 }} following
        ) as end_value_{{ w }},
        min(fetched_epoch) over (
            partition by post_id order by fetched_epoch range between {{ w * 3600 }} following and unbounded following
        ) as observed_epoch_{{ w }},
        -- the peak: max of floor(rate) * 10^6 + (999999 - fetch hour number), ties to the earliest hour
        max(floor(view_rate) * 1000000 + (999999 - fetch_hour_number)) over (
            partition by post_id order by fetched_epoch range between 1 following and {{ w * 3600 }} following
        ) as peak_key_{{ w }},
        max(hours_since_previous_fetch) over (
            partition by post_id order by fetched_epoch range between 1 following and {{ w * 3600 }} following
        ) as max_gap_hours_{{ w }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{# videos: one select per window, unioned #}
{% macro trends_video_windows_unpivoted(windows, double) -%}
    {%- for w in windows %}
    select
        post_id as entity_id,
        platform,
        fetched_at as as_of_at,
        cast({{ w }} as {{ dbt.type_int() }}) as window_hours,
        trusted_view_count as start_value,
        end_value_{{ w }} - trusted_view_count as gained_value,
        creator_average_views,
        case when peak_key_{{ w }} is not null
            then {{ dbt.dateadd('hour', '999999 - ' ~ trends_mod('peak_key_' ~ w, 1000000), "cast('1970-01-01 00:00:00+00' as " ~ type_timestamptz() ~ ")") }}
        end as actual_peak_at,
        cast(floor(peak_key_{{ w }} / 1000000) as {{ double }}) as actual_peak_value,
        max_gap_hours_{{ w }} as max_gap_hours,
        {{ dbt.dateadd('second', 'observed_epoch_' ~ w ~ ' - fetched_epoch', 'fetched_at') }} as observed_at
    from video_windows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
