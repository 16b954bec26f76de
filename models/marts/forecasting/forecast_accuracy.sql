-- Forecast accuracy for BI: one row per model, account, granularity, run type and forecast day,
-- over buckets whose actual is known and that are not collection gaps. Sums are kept so any
-- roll-up recomputes MAE/RMSE/coverage exactly (RMSE = sqrt(sum_sq_error / n_scored)).
-- Empty until the first forecast or backtest run.
with

scored as (
    select * from {{ ref('int_forecasts_scored') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'model_metadata_id', "'|'", 'run_type', "'|'",
            dbt.safe_cast('forecast_date', dbt.type_string())
        ])) }} as forecast_accuracy_id,
        model_metadata_id,
        model_name,
        model_version,
        account,
        granularity,
        run_type,
        forecast_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_scored,
        cast(sum(abs_error) as {{ type_double() }}) as sum_abs_error,
        cast(sum(sq_error) as {{ type_double() }}) as sum_sq_error,
        cast(sum(is_covered) as {{ dbt.type_bigint() }}) as n_covered,
        cast(avg(abs_error) as {{ type_double() }}) as mae,
        cast(sqrt(avg(sq_error)) as {{ type_double() }}) as rmse,
        cast(avg(cast(is_covered as {{ type_double() }})) as {{ type_double() }}) as coverage_95
    from scored
    group by model_metadata_id, model_name, model_version, account, granularity, run_type, forecast_date
)

select * from final
