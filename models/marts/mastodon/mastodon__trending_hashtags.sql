-- Trending hashtags per instance and UTC hour, three ways side by side (spike_score: the seed's
-- heuristic; mastodon_score: Mastodon's Trends::Tags; trendcast_score: trendcast's burst model),
-- each with its rank among the instance's tags that hour (NULL when the score is 0).
-- docs/MASTODON.md gives the formulas, the constants and their precision and lead time on the
-- simulator's planted trends.
with

scored as (
    select * from {{ ref('int_mastodon__tag_hours_scored') }}
),

final as (
    select
        cast(instance as {{ dbt.type_string() }}) as instance,
        cast(tag_name as {{ dbt.type_string() }}) as tag_name,
        cast(hour_start as {{ dbt.type_timestamp() }}) as hour_start,
        cast(post_count as {{ dbt.type_bigint() }}) as post_count,
        cast(account_count as {{ dbt.type_bigint() }}) as account_count,
        cast(posts_day_before as {{ dbt.type_bigint() }}) as posts_day_before,
        cast(spike_ratio as {{ type_double() }}) as spike_ratio,
        cast(spike_score as {{ type_double() }}) as spike_score,
        cast(posts_last_4h as {{ dbt.type_bigint() }}) as posts_last_4h,
        cast(posts_previous_20h as {{ dbt.type_bigint() }}) as posts_previous_20h,
        cast(growth_4h_vs_20h as {{ type_double() }}) as growth_4h_vs_20h,
        cast(accounts_today as {{ dbt.type_bigint() }}) as accounts_today,
        cast(accounts_day_before as {{ dbt.type_bigint() }}) as accounts_day_before,
        cast(mastodon_raw_score as {{ type_double() }}) as mastodon_raw_score,
        cast(mastodon_score as {{ type_double() }}) as mastodon_score,
        cast(accounts_last_2h as {{ dbt.type_bigint() }}) as accounts_last_2h,
        cast(accounts_previous_22h as {{ dbt.type_bigint() }}) as accounts_previous_22h,
        cast(trendcast_score as {{ type_double() }}) as trendcast_score,
        cast(spike_rank as {{ dbt.type_bigint() }}) as spike_rank,
        cast(mastodon_rank as {{ dbt.type_bigint() }}) as mastodon_rank,
        cast(trendcast_rank as {{ dbt.type_bigint() }}) as trendcast_rank
    from scored
)

select * from final
