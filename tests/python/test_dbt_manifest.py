"""Reusing a parsed dbt manifest (flows/dbt_manifest.py): reused only while the parse inputs are
the same, and re-pointed at the current warehouse so nothing lands in another one."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import duckdb

from flows import dbt_manifest
from flows.dbt import run_dbt
from trendcast.settings import PROJECT_DIR, Settings


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(PROJECT_DIR / "profiles.yml", root / "profiles.yml")
    (root / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0'\nprofile: trendcast\nmodel-paths: [models]\n"
    )
    (root / "models").mkdir()
    (root / "models" / "a.sql").write_text("select 1 as x\n")
    return root


def _settings(project: Path, db: str = "w.duckdb") -> Settings:
    return replace(Settings.from_env("duckdb"), duckdb_path=project / db, project_dir=project)


def test_key_follows_files_vars_target_and_environment(tmp_path):
    project = _project_copy(tmp_path)
    s = _settings(project)
    env = {"TRENDCAST_TARGET": "duckdb", "TRENDCAST_X": "1", "HOME": "/root"}
    key = dbt_manifest.cache_key(["build"], s, env)
    assert key is not None
    # the warehouse's name, dbt's folders and unrelated variables do not change the parse
    other_db = _settings(project, "v.duckdb")
    env_paths = {**env, "TRENDCAST_DUCKDB_PATH": "/elsewhere.duckdb", "DBT_LOG_PATH": "/l"}
    assert dbt_manifest.cache_key(["run", "-s", "a"], other_db, {**env_paths, "HOME": "/"}) == key
    # everything else does
    assert dbt_manifest.cache_key(["build", "--vars", "{k: 1}"], s, env) != key
    assert dbt_manifest.cache_key(["build"], s, {**env, "TRENDCAST_X": "2"}) != key
    assert dbt_manifest.cache_key(["build"], replace(s, target="postgres"), env) != key
    (project / "models" / "a.sql").write_text("select 2 as x\n")
    assert dbt_manifest.cache_key(["build"], s, env) != key
    (project / "models" / "b.sql").write_text("select 3 as y\n")
    changed = dbt_manifest.cache_key(["build"], s, env)
    (project / "models" / "b.sql").unlink()
    assert dbt_manifest.cache_key(["build"], s, env) not in (changed, None)
    # commands that parse for themselves, and the switch, never reuse
    assert dbt_manifest.cache_key(["parse"], s, env) is None
    assert dbt_manifest.cache_key(["deps"], s, env) is None
    assert dbt_manifest.cache_key(["build"], replace(s, target="spark"), env) is None


def test_key_is_none_when_reuse_is_off(tmp_path, monkeypatch):
    monkeypatch.setenv("TRENDCAST_DBT_REUSE_MANIFEST", "false")
    assert dbt_manifest.cache_key(["build"], _settings(_project_copy(tmp_path)), {}) is None


def test_repoint_moves_only_the_profiles_database():
    def node(db, rel):
        return SimpleNamespace(database=db, relation_name=rel)

    mine = node("old", '"old"."core"."dim_content"')
    other = node("analytics_db", '"analytics_db"."x"."y"')
    test = node("old", None)
    manifest = SimpleNamespace(
        nodes={"m": mine, "t": test},
        sources={"s": node("old", '"old"."raw"."calls"'), "o": other},
        unit_tests={},
        flat_graph={},
    )
    dbt_manifest.clear()
    dbt_manifest.store(("k",), "old", manifest)
    got = dbt_manifest.cached(("k",), "new")
    assert got is not manifest  # a copy: an invocation changes the manifest it is given
    n = got.nodes
    assert n["m"].database == "new" and n["m"].relation_name == '"new"."core"."dim_content"'
    assert got.sources["s"].relation_name == '"new"."raw"."calls"'
    assert n["t"].database == "new" and n["t"].relation_name is None
    o = got.sources["o"]
    assert o.database == "analytics_db" and o.relation_name == '"analytics_db"."x"."y"'
    # the stored parse is untouched, so the next warehouse gets a clean copy too
    assert mine.database == "old" and test.database == "old"
    n["m"].compiled_code = "select 1"
    assert dbt_manifest.cached(("k",), "old").nodes["m"].relation_name == mine.relation_name
    assert not hasattr(dbt_manifest.cached(("k",), "old").nodes["m"], "compiled_code")
    assert dbt_manifest.cached(("other",), "new") is None
    dbt_manifest.clear()


def test_a_cached_copy_is_the_parse_itself(tmp_path, monkeypatch):
    """The copy an invocation gets holds the same nodes, sources, macros and unit tests as the
    parse it was stored from (every field dbt writes to manifest.json), and is a new object
    each time."""
    from dbt.cli.main import dbtRunner

    project = _project_copy(tmp_path)
    (project / "models" / "b.sql").write_text("select x * 2 as y from {{ ref('a') }}\n")
    (project / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: b\n    columns:\n      - name: y\n"
        "        data_tests: [not_null]\n"
    )
    settings = _settings(project)
    monkeypatch.chdir(project)
    for key, value in settings.dbt_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    parsed = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project)]).result
    dbt_manifest.clear()
    dbt_manifest.store(("k",), "w", parsed)
    first, second = dbt_manifest.cached(("k",), "w"), dbt_manifest.cached(("k",), "w")
    assert first is not parsed and second is not first
    want = parsed.writable_manifest().to_dict(omit_none=False)
    assert len(want["nodes"]) == 3  # two models and the test
    assert first.writable_manifest().to_dict(omit_none=False) == want
    assert second.writable_manifest().to_dict(omit_none=False) == want
    # every field, also those manifest.json leaves out (unit-test fixtures), holds what the parse
    # holds; the lookups are caches, rebuilt on first use, and must find what the parse finds
    for field in dataclasses.fields(parsed):
        if not field.name.startswith("_"):
            mine, theirs = getattr(first, field.name), getattr(parsed, field.name)
            assert type(mine) is type(theirs), field.name
            if isinstance(theirs, dict):
                assert mine.keys() == theirs.keys(), field.name
    assert first.ref_lookup.find("b", None, None, first).unique_id == "model.tiny.b"
    dbt_manifest.clear()


def test_reused_manifest_writes_into_each_invocations_own_warehouse(tmp_path):
    """A small project (an ephemeral model and a table on it) run into three DuckDB files in
    turn, the second and third on the first one's parse: each file gets its own table under its
    own catalog name, with the ephemeral CTE injected every time (an invocation marks the CTEs
    of the manifest it is given as injected; the next one must not inherit that)."""
    project = _project_copy(tmp_path)
    (project / "models" / "a.sql").unlink()
    (project / "models" / "e.sql").write_text(
        "{{ config(materialized='ephemeral') }}\nselect 41 as x\n"
    )
    (project / "models" / "t.sql").write_text(
        "{{ config(materialized='table') }}\nselect x + 1 as y from {{ ref('e') }}\n"
    )
    dbt_manifest.clear()
    seen = []
    for name in ("first", "second", "third"):
        settings = _settings(project, f"warehouse_{name}.duckdb")
        run_dbt(["run", "--select", "t"], settings)
        with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
            seen.append(
                con.execute(
                    "select table_catalog, table_name from information_schema.tables"
                ).fetchall()
                + con.execute("select y from main.t").fetchall()
            )
    assert seen == [[(f"warehouse_{n}", "t"), (42,)] for n in ("first", "second", "third")]
    assert len(dbt_manifest._CACHE) == 1
    dbt_manifest.clear()


def test_an_invocation_can_leave_the_written_artifacts_alone(tmp_path, monkeypatch):
    """The hourly cycle's invocations after its build skip writing manifest.json and
    run_results.json (run_dbt write_json=False): the build wrote them from the same parse, and
    serialising the manifest is a good part of a small invocation's cost. Their results still
    come back, with the relations they wrote."""
    project = _project_copy(tmp_path)
    (project / "models" / "a.sql").write_text("{{ config(materialized='table') }}\nselect 1 as x\n")
    target = tmp_path / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    settings = _settings(project)
    dbt_manifest.clear()
    first = run_dbt(["run", "--select", "a"], settings)
    written = {p.name for p in target.glob("*.json")}
    assert {"manifest.json", "run_results.json"} <= written
    for name in ("manifest.json", "run_results.json"):
        (target / name).unlink()
    second = run_dbt(["run", "--select", "a"], settings, write_json=False)
    assert not (target / "manifest.json").exists()
    assert not (target / "run_results.json").exists()
    assert first.written == second.written
    assert len(second.written) == 1 and second.written[0].endswith(".a")
    dbt_manifest.clear()
