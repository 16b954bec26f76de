-- Forecast accuracy for BI: one row per model, account, granularity, run type and forecast day,
-- over buckets whose actual is known and that are not collection gaps. Sums are kept so any
-- roll-up recomputes MAE/RMSE/coverage exactly (RMSE = sqrt(sum_sq_error / n_scored)).
-- ml.* is written by Python: before the first forecast run the tables do not exist yet, and
-- this mart is then empty (same columns) instead of failing the build.
{%- set forecasts_rel = adapter.get_relation(database=target.database, schema='ml', identifier='forecasts') %}
{%- set models_rel = adapter.get_relation(database=target.database, schema='ml', identifier='forecast_models') %}
-- depends_on: {{ source('ml_forecasting', 'forecasts') }}
-- depends_on: {{ source('ml_forecasting', 'forecast_models') }}
{%- set have_ml = forecasts_rel is not none and models_rel is not none %}

with

{% if have_ml %}
forecasts as (
    select * from {{ source('ml_forecasting', 'forecasts') }}
),

models as (
    select * from {{ source('ml_forecasting', 'forecast_models') }}
),

scored as (
    select
        f.model_metadata_id,
        m.model_name,
        m.model_version,
        f.account,
        f.granularity,
        f.run_type,
        cast({{ dbt.date_trunc('day', 'f.forecast_time') }} as date) as forecast_date,
        abs(f.predicted_count - f.actual_count) as abs_error,
        (f.predicted_count - f.actual_count) * (f.predicted_count - f.actual_count) as sq_error,
        case
            when f.actual_count between f.lower_bound_95 and f.upper_bound_95 then 1 else 0
        end as is_covered
    from forecasts as f
    inner join models as m
        on f.model_metadata_id = m.model_metadata_id
    where f.actual_count is not null and not f.is_gap
),
{% else %}
scored as (
    select
        cast(null as {{ dbt.type_string() }}) as model_metadata_id,
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as model_version,
        cast(null as {{ dbt.type_string() }}) as account,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as granularity,
        cast(null as {{ dbt.type_string() }}) as run_type,
        cast(null as date) as forecast_date,
        cast(null as double precision) as abs_error,
        cast(null as double precision) as sq_error,
        0 as is_covered
    where 1 = 0
),
{% endif %}

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
        cast(sum(abs_error) as double precision) as sum_abs_error,
        cast(sum(sq_error) as double precision) as sum_sq_error,
        cast(sum(is_covered) as {{ dbt.type_bigint() }}) as n_covered,
        cast(avg(abs_error) as double precision) as mae,
        cast(sqrt(avg(sq_error)) as double precision) as rmse,
        cast(avg(cast(is_covered as double precision)) as double precision) as coverage_95
    from scored
    group by model_metadata_id, model_name, model_version, account, granularity, run_type, forecast_date
)

select * from final
