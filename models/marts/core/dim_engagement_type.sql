-- One row per engagement type with its weight in the viral score (from seeds/engagement_types.csv).
with

engagement_types as (
    select * from {{ ref('engagement_types') }}
),

final as (
    select
        cast(engagement_type as {{ dbt.type_string() }}) as engagement_type,
        cast(engagement_weight as integer) as engagement_weight,
        cast(counts_as_view as boolean) as counts_as_view,
        cast(is_interaction as boolean) as is_interaction,
        cast(engagement_group as {{ dbt.type_string() }}) as engagement_group,
        cast(description as {{ dbt.type_string() }}) as engagement_description
    from engagement_types
)

select * from final
