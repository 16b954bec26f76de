{#- The seed's dashboard functions, one SQL text each, served as Postgres SQL functions and
    DuckDB table macros under the same names, so BI tools, `trendcast domains stats|trending` and
    ad-hoc SQL call the same thing: `select * from domains.get_trending_domains(7)`.
    "Now" is the newest mention in the warehouse, not the wall clock: replayed or delayed
    archives give the same answer as live ones. -#}

{% macro domains_dashboard_stats_sql(schema, p_start, p_end) -%}
    with
    comments as (
        select * from {{ schema }}.comment
        where coalesce(posted_at, discovered_at) >= {{ p_start }}
            and coalesce(posted_at, discovered_at) < {{ p_end }}
    ),
    mentions as (
        select * from {{ schema }}.domain_mention
        where coalesce(posted_at, discovered_at) >= {{ p_start }}
            and coalesce(posted_at, discovered_at) < {{ p_end }}
    ),
    top_domain as (
        select domain_name from mentions group by 1 order by count(*) desc, domain_name limit 1
    )
    select
        (select count(*) from comments) as total_comments,
        (select count(distinct comment_key) from mentions) as comments_with_domains,
        (select count(*) from mentions) as total_mentions,
        (select count(distinct domain_name) from mentions) as unique_domains,
        (select count(*) from {{ schema }}.domain
            where first_seen_at >= {{ p_start }} and first_seen_at < {{ p_end }}) as new_domains,
        (select count(distinct video_id) from mentions) as videos_with_domains,
        (select count(distinct m.domain_name) from mentions as m
            inner join {{ schema }}.domain as d on m.domain_name = d.domain_name
            where d.is_suspicious) as suspicious_domains,
        (select domain_name from top_domain) as top_domain
{%- endmacro %}

{% macro domains_trending_sql(schema, p_days) -%}
    with
    mentions as (
        select domain_name, coalesce(posted_at, discovered_at) as seen_at
        from {{ schema }}.domain_mention
    ),
    anchor as (
        select max(seen_at) as now_at from mentions
    ),
    periods as (
        select
            m.domain_name,
            sum(case when m.seen_at > a.now_at - {{ p_days }} * interval '1 day' then 1 else 0 end)
                as current_mentions,
            sum(case when m.seen_at <= a.now_at - {{ p_days }} * interval '1 day'
                and m.seen_at > a.now_at - 2 * {{ p_days }} * interval '1 day' then 1 else 0 end)
                as previous_mentions
        from mentions as m
        cross join anchor as a
        group by 1
    ),
    scored as (
        select
            domain_name,
            cast(current_mentions as bigint) as current_mentions,
            cast(previous_mentions as bigint) as previous_mentions,
            -- growth over the previous period; a domain new in this period counts as +100%
            case when previous_mentions > 0
                then cast(current_mentions - previous_mentions as double precision) / previous_mentions
                else 1.0 end as growth_rate,
            cast(current_mentions as double precision) / {{ p_days }} as velocity_score
        from periods
        where current_mentions > 0
    )
    select
        domain_name,
        current_mentions,
        previous_mentions,
        growth_rate,
        velocity_score,
        -- momentum: pace, amplified by growth (capped so one mention after none cannot dominate)
        velocity_score * (1 + least(greatest(growth_rate, -1.0), 5.0)) as momentum_score
    from scored
    order by momentum_score desc, current_mentions desc, domain_name
{%- endmacro %}

{% macro create_domain_functions() -%}
    {{ return(adapter.dispatch('create_domain_functions', 'trendcast')()) }}
{%- endmacro %}

{% macro duckdb__create_domain_functions() -%}
    create or replace macro {{ this.schema }}.get_dashboard_stats(p_start, p_end) as table
        {{ domains_dashboard_stats_sql(this.schema, 'cast(p_start as timestamp with time zone)', 'cast(p_end as timestamp with time zone)') }};
    create or replace macro {{ this.schema }}.get_trending_domains(p_days_back) as table
        {{ domains_trending_sql(this.schema, 'p_days_back') }};
{%- endmacro %}

{% macro postgres__create_domain_functions() -%}
    create or replace function {{ this.schema }}.get_dashboard_stats(
        p_start timestamp with time zone, p_end timestamp with time zone
    ) returns table (
        total_comments bigint, comments_with_domains bigint, total_mentions bigint,
        unique_domains bigint, new_domains bigint, videos_with_domains bigint,
        suspicious_domains bigint, top_domain text
    ) language sql stable as $fn$
        {{ domains_dashboard_stats_sql(this.schema, 'p_start', 'p_end') }}
    $fn$;
    create or replace function {{ this.schema }}.get_trending_domains(p_days_back integer)
    returns table (
        domain_name text, current_mentions bigint, previous_mentions bigint,
        growth_rate double precision, velocity_score double precision,
        momentum_score double precision
    ) language sql stable as $fn$
        {{ domains_trending_sql(this.schema, 'p_days_back') }}
    $fn$;
{%- endmacro %}

{#- Full-text search on comment text: a GIN index on Postgres; DuckDB has none (docs/DOMAINS.md). -#}
{% macro create_comment_search_index() -%}
    {{ return(adapter.dispatch('create_comment_search_index', 'trendcast')()) }}
{%- endmacro %}

{% macro duckdb__create_comment_search_index() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_comment_search_index() -%}
    create index if not exists comment_text_search
        on {{ this }} using gin (to_tsvector('simple', coalesce(comment_text, '')))
{%- endmacro %}
