{#- Roles, grants and row-level security (docs/SECURITY.md).

    Postgres has roles: `trendcast_service` (the pipeline, full write, sees every row) and
    `trendcast_reader` (BI: SELECT on the mart schemas only). Every model's `grants` config
    (dbt_project.yml) re-applies them on each rebuild, and the marts that carry a scope (region,
    platform, Mastodon instance) get their row policies back from `row_security()`, a post-hook
    run inside the same transaction that swaps the new table in, so no reader ever sees a rebuilt
    table without its policy. DuckDB has no roles: readers open a published copy of the file. -#}

{#- The mart schemas a reader may read; raw, staging, intermediate, seeds, ml (Python-written
    predictions and registries) and private (the marts of names and free text the pipeline's
    own consumers need) hold payloads, personal data or model internals. -#}
{% macro reader_schemas() -%}
    {{ return(['core', 'analytics', 'trends', 'forecasting', 'ml_marts', 'domains']) }}
{%- endmacro %}

{% macro pipeline_schemas() -%}
    {{ return(
        ['raw', 'staging', 'intermediate', 'seeds', 'ml', 'security', 'ops', 'domains_extracted',
         'private']
        + reader_schemas()
    ) }}
{%- endmacro %}

{#- DuckDB has no roles: the grants config is a no-op there instead of one warning per build. -#}
{% macro duckdb__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

{#- on-run-start: the roles and the policy table exist before any model grants to them. -#}
{% macro security_setup() -%}
    {{ return(adapter.dispatch('security_setup', 'trendcast')()) }}
{%- endmacro %}

{% macro default__security_setup() -%}
    select 1
{%- endmacro %}

{% macro postgres__security_setup() -%}
    {#- duplicate_object: two builds on one server (roles are server-wide) may race -#}
    do $tc$
    begin
        if not exists (select from pg_roles where rolname = 'trendcast_service') then
            begin
                create role trendcast_service nologin;
            exception when duplicate_object then null;
            end;
        end if;
        if not exists (select from pg_roles where rolname = 'trendcast_reader') then
            begin
                create role trendcast_reader nologin;
            exception when duplicate_object then null;
            end;
        end if;
    end
    $tc$;
    create schema if not exists security;
    create table if not exists security.reader_scopes (
        role_name text not null,
        scope_kind text not null,
        scope_value text not null,
        primary key (role_name, scope_kind, scope_value)
    );
    comment on table security.reader_scopes is
    'Row scopes per reader role: scope_kind region, platform, instance or * (any kind); scope_value a value or * (all). A reader sees a row of a scoped mart only if it holds a matching scope for every kind the mart carries.';
    alter table security.reader_scopes enable row level security;
    drop policy if exists own_scopes on security.reader_scopes;
    create policy own_scopes on security.reader_scopes for select using (role_name = current_user);
    grant usage on schema security to trendcast_reader, trendcast_service;
    grant select on security.reader_scopes to trendcast_reader;
    grant all on security.reader_scopes to trendcast_service;
    drop policy if exists service_all on security.reader_scopes;
    create policy service_all on security.reader_scopes for all to trendcast_service
    using (true) with check (true)
{%- endmacro %}

{#- on-run-end: schema usage (schemas appear with the first build) and the layers dbt does not
    build (raw, ml). The reader gets usage on the mart schemas only. -#}
{% macro security_grants() -%}
    {{ return(adapter.dispatch('security_grants', 'trendcast')()) }}
{%- endmacro %}

{% macro default__security_grants() -%}
    select 1
{%- endmacro %}

{% macro postgres__security_grants() -%}
    do $tc$
    declare
        s text;
    begin
        foreach s in array array[{{ "'" ~ pipeline_schemas() | join("', '") ~ "'" }}] loop
            if exists (select from pg_namespace where nspname = s) then
                execute format('grant usage, create on schema %I to trendcast_service', s);
                execute format('grant all on all tables in schema %I to trendcast_service', s);
                execute format(
                    'alter default privileges in schema %I grant all on tables to trendcast_service', s
                );
            end if;
        end loop;
        foreach s in array array[{{ "'" ~ reader_schemas() | join("', '") ~ "'" }}] loop
            if exists (select from pg_namespace where nspname = s) then
                execute format('grant usage on schema %I to trendcast_reader', s);
            end if;
        end loop;
    end
    $tc$
{%- endmacro %}

{#- post-hook of every mart: row policies for the scopes named in the model's
    `meta.row_scope` ({kind: SQL expression over the row}). Both subqueries are uncorrelated, so
    Postgres runs them once per query (an init plan and a hashed subplan), not once per row:
    a correlated exists took 10 s to count 1.4M rows of viral_labels, the owner 0.3 s. -#}
{% macro row_security() -%}
    {{ return(adapter.dispatch('row_security', 'trendcast')()) }}
{%- endmacro %}

{% macro default__row_security() -%}
    select 1
{%- endmacro %}

{% macro postgres__row_security() -%}
    {%- set scopes = (model.config.get('meta') or {}).get('row_scope') -%}
    {%- if scopes and model.config.materialized in ('table', 'incremental') -%}
        alter table {{ this }} enable row level security;
        drop policy if exists service_all on {{ this }};
        create policy service_all on {{ this }} for all to trendcast_service using (true) with check (true);
        drop policy if exists reader_scope on {{ this }};
        create policy reader_scope on {{ this }} for select using (
        {%- for kind, expr in scopes.items() %}
            {{ 'and ' if not loop.first }}(
                exists (
                    select from security.reader_scopes as s
                    where s.role_name = current_user
                        and s.scope_kind in ('{{ kind }}', '*')
                        and s.scope_value = '*'
                )
                or ({{ expr }}) in (
                    select s.scope_value from security.reader_scopes as s
                    where s.role_name = current_user and s.scope_kind in ('{{ kind }}', '*')
                )
            )
        {%- endfor %}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- `dbt run-operation apply_security` (what `trendcast db roles` runs): roles, policy table and
    grants without a build, e.g. on a fresh server before the first build or after a restore. -#}
{% macro apply_security() -%}
    {%- if target.type == 'postgres' -%}
        {%- do run_query(security_setup()) -%}
        {%- do run_query(security_grants()) -%}
    {%- endif -%}
{%- endmacro %}
