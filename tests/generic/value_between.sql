{#- Warns when some non-NULL values of the column are outside [min_value, max_value], errors when
    most are. A range is an expectation about data, not a contract: a real value outside it (likes
    above views, a counter that goes down) is counted and never stops the build, while a column
    that is mostly out of range says the feed or a parser broke (a unit change, counts read from
    the wrong field).
    The failure number is the share of checked values out of range in percent, rounded up (one
    row in a million counts as 1), so warn_if '>0' flags any value and error_if compares the share
    with var('data_expectation_error_percent') (default 50). A range that a model's own code
    guarantees (calendar parts) sets `config: {error_if: '>0'}` where it is used: any value out
    of it is an error. `severity: warn` where used means never an error. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

{{ config(
    severity='error',
    warn_if='>0',
    error_if='>' ~ var('data_expectation_error_percent', 50),
    fail_calc='coalesce(max(out_of_range_percent), 0)',
) }}
{%- set below = column_name ~ ' < ' ~ min_value if min_value is not none else 'false' %}
{%- set above = column_name ~ ' > ' ~ max_value if max_value is not none else 'false' %}

with

checked as (
    select case when {{ below }} or {{ above }} then 1 else 0 end as is_out_of_range
    from {{ model }}
    where {{ column_name }} is not null
),

summary as (
    select
        sum(is_out_of_range) as out_of_range_rows,
        count(*) as checked_rows
    from checked
)

select
    out_of_range_rows,
    checked_rows,
    cast(ceil(100.0 * out_of_range_rows / nullif(checked_rows, 0)) as {{ dbt.type_int() }}) as out_of_range_percent
from summary
where out_of_range_rows > 0

{% endtest %}
