-- One row per UTC report day and report reason: reports, how many were decided and how, who
-- decided, and the time from report to decision (hours; mean, median, 90th percentile over the
-- decided reports). Reports still open at the data's end count as open. A decision whose report
-- event never arrived has no report time and is left out (int_platform_reports_decided keeps
-- it). No reporter is named: the mart holds counts only.
with

reports as (
    select * from {{ ref('int_platform_reports_decided') }}
    where reported_at is not null
),

timed as (
    select
        {{ core_utc_date('reported_at') }} as report_date,
        coalesce(report_reason, 'unknown') as report_reason,
        is_actioned,
        moderation_action,
        actor_type,
        case
            when is_actioned then {{ seconds_between('reported_at', 'actioned_at') }} / 3600.0
        end as hours_to_action
    from reports
),

final as (
    select
        report_date,
        report_reason,
        cast(count(*) as {{ dbt.type_bigint() }}) as reports,
        cast(sum(case when is_actioned then 1 else 0 end) as {{ dbt.type_bigint() }}) as decided_reports,
        cast(sum(case when not is_actioned then 1 else 0 end) as {{ dbt.type_bigint() }}) as open_reports,
        cast(sum(case when moderation_action = 'remove' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as removals,
        cast(sum(case when moderation_action = 'restrict' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as restrictions,
        cast(sum(case when moderation_action = 'warn' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as warnings,
        cast(sum(case when moderation_action = 'no_violation' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as no_violation_decisions,
        cast(sum(case when actor_type = 'automated' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as automated_decisions,
        -- on a double (a sum of 1.0 literals divided by a count is a rounded DECIMAL on Spark)
        cast(
            cast(
                sum(case when moderation_action in ('remove', 'restrict', 'warn') then 1 else 0 end)
                as {{ type_double() }}
            )
            / nullif(sum(case when is_actioned then 1 else 0 end), 0)
            as {{ type_double() }}
        ) as violation_rate,
        cast(avg(hours_to_action) as {{ type_double() }}) as avg_hours_to_action,
        cast({{ percentile_cont('hours_to_action', 0.5) }} as {{ type_double() }})
            as median_hours_to_action,
        cast({{ percentile_cont('hours_to_action', 0.9) }} as {{ type_double() }})
            as p90_hours_to_action
    from timed
    group by report_date, report_reason
)

select * from final
