-- One row per sign-up cohort (UTC sign-up day): users who signed up with analytics consent, how
-- many were active on day 1, 7 and 30 after it, the retention rates over the users whose day N
-- the data already covers (NULL before any), and how many closed their account (churn).
with

users as (
    select * from {{ ref('user_retention') }}
),

final as (
    select
        signup_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as signups,
        -- rates from integer flags (avg of a decimal literal such as 1.0 is a rounded DECIMAL on Spark)
        {% for n in [1, 7, 30] %}
        cast(sum(case when is_retained_day_{{ n }} then 1 else 0 end) as {{ dbt.type_bigint() }})
            as retained_day_{{ n }},
        cast(
            avg(case when is_retained_day_{{ n }} then 1 when not is_retained_day_{{ n }} then 0 end)
            as {{ type_double() }}
        ) as retention_rate_day_{{ n }},
        {% endfor %}
        cast(sum(case when is_churned then 1 else 0 end) as {{ dbt.type_bigint() }}) as churned,
        cast(avg(case when is_churned then 1 else 0 end) as {{ type_double() }}) as churn_rate
    from users
    group by signup_date
)

select * from final
