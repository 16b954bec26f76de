-- Every (instance, hashtag, hour) of the scoring window with the three trending scores side by
-- side (docs/MASTODON.md has the formulas, constants and their evaluation):
--   spike_score     the seed's heuristic: relative change of the hour's posts against the same
--                   hour a day before, summed over the last hours with exponential decay;
--                   growth_4h_vs_20h is the seed's second query (posts per hour, last 4 hours
--                   against the 20 before);
--   mastodon_score  Mastodon's Trends::Tags: distinct accounts today (UTC day so far) against
--                   yesterday's, zero under 5 accounts or when below yesterday,
--                   (observed - expected)^2 / expected, then the largest score of the last two
--                   days decayed with a 4-hour half-life, zero under 1;
--   trendcast_score distinct accounts of the last 2 hours (k) against the rate of the 22
--                   before (lambda for 2 hours, with a prior of half an account), as the Poisson
--                   log-likelihood ratio k ln(k / lambda) - (k - lambda): how surprising the
--                   burst is, so a steady busy tag scores low and a new tag with a few fresh
--                   accounts high; zero under 3 accounts, at or below the rate, or under
--                   var('mastodon_trendcast_min_llr') (8: the least surprise that is a trend,
--                   chosen on the simulator's planted trends, docs/MASTODON.md).
-- Hours are UTC hour starts; a row counts the posts created in [hour_start, hour_start + 1h).
-- The window is the last var('mastodon_trend_window_hours') hours before each instance's latest
-- post, for tags with at least var('mastodon_trend_min_posts') posts in it. Frames are RANGE over
-- an integer hour index, so hours without posts need no row before a tag's first post.
{%- set window_hours = var('mastodon_trend_window_hours', 336) | int %}
{%- set min_posts = var('mastodon_trend_min_posts', 3) | int %}
{%- set spike_decay_hours = 6 %}
{%- set spike_halflife = var('mastodon_spike_halflife_hours', 1) %}
{%- set min_llr = var('mastodon_trendcast_min_llr', 8) %}
with

post_tags as (
    select * from {{ ref('int_mastodon__post_tags_resolved') }}
),

tagged as (
    select
        instance,
        tag_name,
        account_id,
        {{ dbt.date_trunc('hour', 'created_at') }} as hour_start
    from post_tags
    where created_at is not null
),

bounds as (
    select
        instance,
        max(hour_start) as last_hour
    from tagged
    group by 1
),

in_window as (
    select t.*
    from tagged as t
    inner join bounds as b on t.instance = b.instance
    where t.hour_start > {{ dbt.dateadd('hour', -(window_hours + 48), 'b.last_hour') }}
),

hourly as (
    select
        instance,
        tag_name,
        hour_start,
        count(*) as post_count,
        count(distinct account_id) as account_count
    from in_window
    group by 1, 2, 3
),

scored_tags as (
    select
        instance,
        tag_name,
        min(hour_start) as first_hour
    from hourly
    group by 1, 2
    having sum(post_count) >= {{ min_posts }}
),

first_use as (
    select
        instance,
        tag_name,
        account_id,
        cast(hour_start as date) as use_date,
        min(hour_start) as first_hour
    from in_window
    group by 1, 2, 3, 4
),

new_day_accounts as (
    select
        instance,
        tag_name,
        first_hour as hour_start,
        count(*) as new_accounts
    from first_use
    group by 1, 2, 3
),

day_accounts as (
    select
        instance,
        tag_name,
        use_date,
        count(*) as account_total
    from first_use
    group by 1, 2, 3
),

offsets as (
    {{ core_integers(4) }}
),

spine as (
    select
        t.instance,
        t.tag_name,
        {{ dbt.dateadd('hour', 'o.n', 't.first_hour') }} as hour_start
    from scored_tags as t
    inner join bounds as b on t.instance = b.instance
    cross join offsets as o
    where
        o.n < {{ window_hours + 48 }}
        and {{ dbt.dateadd('hour', 'o.n', 't.first_hour') }} <= b.last_hour
),

counted as (
    select
        s.instance,
        s.tag_name,
        s.hour_start,
        cast({{ epoch_seconds('s.hour_start') }} / 3600 as {{ dbt.type_bigint() }}) as hour_index,
        coalesce(h.post_count, 0) as post_count,
        coalesce(h.account_count, 0) as account_count,
        coalesce(n.new_accounts, 0) as new_day_accounts,
        coalesce(y.account_total, 0) as accounts_day_before
    from spine as s
    left join hourly as h
        on s.instance = h.instance and s.tag_name = h.tag_name and s.hour_start = h.hour_start
    left join new_day_accounts as n
        on s.instance = n.instance and s.tag_name = n.tag_name and s.hour_start = n.hour_start
    left join day_accounts as y
        on
            s.instance = y.instance
            and s.tag_name = y.tag_name
            and y.use_date = cast({{ dbt.dateadd('day', -1, 's.hour_start') }} as date)
),

windowed as (
    select
        *,
        coalesce(sum(post_count) over (
            partition by instance, tag_name order by hour_index
            range between 24 preceding and 24 preceding
        ), 0) as posts_day_before,
        sum(post_count) over (
            partition by instance, tag_name order by hour_index
            range between 3 preceding and current row
        ) as posts_last_4h,
        coalesce(sum(post_count) over (
            partition by instance, tag_name order by hour_index
            range between 23 preceding and 4 preceding
        ), 0) as posts_previous_20h,
        sum(account_count) over (
            partition by instance, tag_name order by hour_index
            range between 1 preceding and current row
        ) as accounts_last_2h,
        coalesce(sum(account_count) over (
            partition by instance, tag_name order by hour_index
            range between 23 preceding and 2 preceding
        ), 0) as accounts_previous_22h,
        sum(new_day_accounts) over (
            partition by instance, tag_name, cast(hour_start as date) order by hour_index
            rows between unbounded preceding and current row
        ) as accounts_today
    from counted
),

relative as (
    select
        *,
        cast(post_count - posts_day_before as {{ type_double() }}) / (posts_day_before + 1)
            as spike_ratio,
        case
            when accounts_today < 5 then 0.0
            when accounts_today < greatest(accounts_day_before, 1) then 0.0
            else
                power(accounts_today - greatest(accounts_day_before, 1), 2)
                / cast(greatest(accounts_day_before, 1) as {{ type_double() }})
        end as mastodon_raw_score
    from windowed
),

decayed as (
    select
        *,
        0.0
        {%- for k in range(spike_decay_hours) %}
        + {{ 0.5 ** (k / spike_halflife) }} * coalesce(sum(spike_ratio) over (
            partition by instance, tag_name order by hour_index
            range between {{ k }} preceding and {{ k }} preceding
        ), 0)
        {%- endfor %} as spike_score
    from relative
),

positive_raw as (
    select
        instance,
        tag_name,
        hour_index,
        mastodon_raw_score
    from relative
    where mastodon_raw_score > 0
),

max_candidates as (
    select
        d.instance,
        d.tag_name,
        d.hour_index,
        p.mastodon_raw_score as max_score,
        p.hour_index as max_hour_index,
        row_number() over (
            partition by d.instance, d.tag_name, d.hour_index
            order by p.mastodon_raw_score desc, p.hour_index asc
        ) as max_rank
    from relative as d
    inner join positive_raw as p
        on
            d.instance = p.instance
            and d.tag_name = p.tag_name
            and p.hour_index between d.hour_index - 48 and d.hour_index
),

mastodon as (
    select
        instance,
        tag_name,
        hour_index,
        max_score * power(0.5, (hour_index - max_hour_index) / 4.0) as decaying_score
    from max_candidates
    where max_rank = 1
),

scored as (
    select
        d.instance,
        d.tag_name,
        d.hour_start,
        d.post_count,
        d.account_count,
        d.posts_day_before,
        d.spike_ratio,
        d.spike_score,
        d.posts_last_4h,
        d.posts_previous_20h,
        -- divisions on doubles here: a decimal literal divisor makes a DECIMAL division on
        -- Spark (rounded to 6 places), a DOUBLE one on DuckDB
        (cast(d.posts_last_4h as {{ type_double() }}) / 4)
        / (cast(d.posts_previous_20h + 1 as {{ type_double() }}) / 20) as growth_4h_vs_20h,
        d.accounts_today,
        d.accounts_day_before,
        d.mastodon_raw_score,
        case
            when coalesce(m.decaying_score, 0) >= 1 then m.decaying_score else 0.0
        end as mastodon_score,
        d.accounts_last_2h,
        d.accounts_previous_22h,
        case
            when d.accounts_last_2h < 3 then 0.0
            when d.accounts_last_2h <= 2 * (cast(d.accounts_previous_22h as {{ type_double() }}) + 0.5) / 22 then 0.0
            else
                d.accounts_last_2h
                * ln(d.accounts_last_2h / (2 * (cast(d.accounts_previous_22h as {{ type_double() }}) + 0.5) / 22))
                - (d.accounts_last_2h - 2 * (cast(d.accounts_previous_22h as {{ type_double() }}) + 0.5) / 22)
        end as trendcast_llr
    from decayed as d
    inner join bounds as b on d.instance = b.instance
    left join mastodon as m
        on d.instance = m.instance and d.tag_name = m.tag_name and d.hour_index = m.hour_index
    where d.hour_start > {{ dbt.dateadd('hour', -window_hours, 'b.last_hour') }}
),

thresholded as (
    select
        *,
        case when trendcast_llr >= {{ min_llr }} then trendcast_llr else 0.0 end as trendcast_score
    from scored
),

final as (
    select
        *,
        case when spike_score > 0 then rank() over (
            partition by instance, hour_start order by spike_score desc, tag_name asc
        ) end as spike_rank,
        case when mastodon_score > 0 then rank() over (
            partition by instance, hour_start order by mastodon_score desc, tag_name asc
        ) end as mastodon_rank,
        case when trendcast_score > 0 then rank() over (
            partition by instance, hour_start order by trendcast_score desc, tag_name asc
        ) end as trendcast_rank
    from thresholded
    where post_count > 0 or spike_score > 0 or mastodon_score > 0 or trendcast_score > 0
)

select * from final
