-- For BI: each account's latest live post-count forecast per granularity (hourly, daily), with
-- its 95% interval and, once collected, the actual count (NULL on collection gaps).
with

forecasts as (
    select * from {{ ref('int_account_forecasts_latest') }}
),

final as (
    select
        account,
        granularity,
        forecast_time,
        target_time,
        model_metadata_id,
        model_name,
        cast(predicted_count as {{ type_double() }}) as predicted_count,
        cast(predicted_mean as {{ type_double() }}) as predicted_mean,
        cast(lower_bound_95 as {{ type_double() }}) as lower_bound_95,
        cast(upper_bound_95 as {{ type_double() }}) as upper_bound_95,
        cast(actual_count as {{ type_double() }}) as actual_count,
        is_gap,
        case
            when actual_count is null then cast(null as boolean)
            else actual_count between lower_bound_95 and upper_bound_95
        end as is_within_interval,
        created_at
    from forecasts
)

select * from final
