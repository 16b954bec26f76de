"""Roles and row-level security on the real Postgres server (docs/SECURITY.md).

Logs in as real login roles (the server trusts loopback), so what is checked is what the server
enforces: grants, row policies and the service role's bypass, before and after a rebuild.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from trendcast.security import Scope, add_tenant, scoped_marts
from trendcast.settings import Settings
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow


@contextmanager
def login(settings: Settings, role: str) -> Iterator[psycopg.Connection]:
    conn = psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=role,
        dbname=settings.pg_dbname,
        autocommit=True,
    )
    try:
        yield conn
    finally:
        conn.close()


def count(conn: psycopg.Connection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def denied(conn: psycopg.Connection, sql: str) -> bool:
    try:
        conn.execute(sql)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def row_scopes() -> dict[str, dict[str, str]]:
    """table -> {kind: expression}, from the manifest dbt wrote (the models' meta.row_scope)."""
    manifest = Path(os.environ["DBT_TARGET_PATH"]) / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"].values()
    out = {}
    for node in nodes:
        scope = (node.get("config", {}).get("meta") or {}).get("row_scope")
        if node["resource_type"] == "model" and scope:
            out[f"{node['schema']}.{node['name']}"] = scope
    return out


@pytest.fixture
def roles(built_postgres: Settings) -> Iterator[dict[str, str]]:
    """Login roles: a full reader, a GB/YouTube tenant, a Mastodon-instance moderator, and a
    member of the service role. Dropped afterwards (roles are server-wide)."""
    tag = uuid.uuid4().hex[:8]
    names = {k: f"tc_{k}_{tag}" for k in ("all", "gb", "mod", "svc")}
    with connect(built_postgres) as wh:
        add_tenant(wh, names["all"], [Scope("*", "*")])
        add_tenant(wh, names["gb"], [Scope("region", "GB"), Scope("platform", "youtube")])
        add_tenant(
            wh, names["mod"], [Scope("platform", "mastodon"), Scope("instance", "mastodon.social")]
        )
        wh.execute(f"create role {names['svc']} login in role trendcast_service")
    try:
        yield names
    finally:
        with connect(built_postgres) as wh:
            wh.execute("delete from security.reader_scopes where role_name like ?", [f"%{tag}"])
            for name in names.values():
                wh.execute(f"drop role if exists {name}")


def check_visibility(settings: Settings, names: dict[str, str]) -> None:
    scopes = row_scopes()
    with connect(settings) as wh:
        tables = {f"{s}.{t}" for s, t in scoped_marts(wh)}
        assert tables == set(scopes), "every mart with meta.row_scope has row security, no other"
        owner = {t: wh.scalar(f"select count(*) from {t}") for t in tables}
        wanted = {
            "gb": {"region": ["GB"], "platform": ["youtube"]},
            "mod": {"platform": ["mastodon"], "instance": ["mastodon.social"]},
        }
        expected = {}
        for who, allowed in wanted.items():
            for table, kinds in scopes.items():
                # a tenant sees a row only if it holds a scope for every kind the table carries
                where = " and ".join(
                    f"({expr}) in ({', '.join(repr(v) for v in allowed[kind])})"
                    if kind in allowed
                    else "false"
                    for kind, expr in kinds.items()
                )
                expected[who, table] = wh.scalar(f"select count(*) from {table} where {where}")
    # the checks below must not pass vacuously on an empty sample
    assert owner["trends.youtube_chart_labels"] > 0
    assert expected["gb", "trends.youtube_chart_labels"] > 0
    assert expected["gb", "trends.videos"] < owner["trends.videos"]
    assert expected["mod", "trends.creators"] > 0

    with login(settings, names["all"]) as conn:
        for table in tables:
            assert count(conn, f"select count(*) from {table}") == owner[table], table
    for who in ("gb", "mod"):
        with login(settings, names[who]) as conn:
            for table in tables:
                seen = count(conn, f"select count(*) from {table}")
                assert seen == expected[who, table], (who, table)
    with login(settings, names["gb"]) as conn:
        regions = conn.execute("select distinct region_code from trends.youtube_chart_labels")
        assert {r[0] for r in regions} == {"GB"}
    with login(settings, names["svc"]) as conn:
        for table in tables:
            assert count(conn, f"select count(*) from {table}") == owner[table], table


def test_reader_reads_marts_only_and_cannot_write(built_postgres: Settings, roles) -> None:
    with login(built_postgres, roles["all"]) as conn:
        assert count(conn, "select count(*) from forecasting.fct_post_counts_daily") > 0  # unscoped
        for table in (
            "raw.api_responses",
            "raw.ingestion_batches",
            "staging.stg_youtube__video_snapshots",
            "seeds.engagement_types",
        ):
            assert denied(conn, f"select * from {table} limit 1"), table
        assert denied(conn, "select * from intermediate.int_youtube_chart_entries_daily limit 1")
        assert denied(conn, "delete from trends.videos")
        assert denied(conn, "insert into security.reader_scopes values ('x', '*', '*')")
        assert denied(conn, "create table core.sneaky (x int)")
        # a reader sees its own scopes only
        assert count(conn, "select count(*) from security.reader_scopes") == 1


def test_scoped_readers_see_only_their_rows_service_sees_all(
    built_postgres: Settings, roles
) -> None:
    check_visibility(built_postgres, roles)
    with login(built_postgres, roles["svc"]) as conn:
        assert count(conn, "select count(*) from raw.api_responses") > 0
        with conn.transaction(force_rollback=True):
            conn.execute("delete from trends.videos")  # the pipeline role may write


def test_rebuild_keeps_grants_and_policies(built_postgres: Settings, roles) -> None:
    from flows.dbt import run_dbt

    # a table mart and an incremental one (the incremental path revokes grants not configured)
    run_dbt(
        ["run", "--select", "youtube_chart_labels", "video_metric_snapshots"],
        built_postgres,
    )
    check_visibility(built_postgres, roles)
    with login(built_postgres, roles["all"]) as conn:
        assert denied(conn, "select * from raw.api_responses limit 1")
