"""Reusing a parsed dbt manifest (flows/dbt_manifest.py): reused only while the parse inputs are
the same, and re-pointed at the current warehouse so nothing lands in another one."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from flows import dbt_manifest
from flows.dbt import run_dbt
from trendcast.settings import PROJECT_DIR, Settings


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, root / name)
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
    assert dbt_manifest.cached(("k",), "new") is manifest
    assert mine.database == "new" and mine.relation_name == '"new"."core"."dim_content"'
    assert manifest.sources["s"].relation_name == '"new"."raw"."calls"'
    assert test.database == "new" and test.relation_name is None
    assert other.database == "analytics_db" and other.relation_name == '"analytics_db"."x"."y"'
    assert dbt_manifest.cached(("other",), "new") is None
    dbt_manifest.clear()


@pytest.mark.slow
def test_reused_manifest_writes_into_each_invocations_own_warehouse(tmp_path):
    """Seeds into three DuckDB files in turn (the second and third reuse the first's parse):
    each file holds its own seeds under its own catalog name."""
    dbt_manifest.clear()
    seeded = []
    for name in ("first", "second", "third"):
        path = tmp_path / name / f"warehouse_{name}.duckdb"
        path.parent.mkdir()
        settings = replace(Settings.from_env("duckdb"), duckdb_path=path)
        run_dbt(["seed", "--select", "engagement_types"], settings)
        with duckdb.connect(str(path), read_only=True) as con:
            catalogs = con.sql(
                "select distinct table_catalog from information_schema.tables "
                "where table_schema = 'seeds'"
            ).fetchall()
            rows = con.execute("select count(*) from seeds.engagement_types").fetchone()[0]
        seeded.append((catalogs, rows))
    assert [c for c, _ in seeded] == [[(f"warehouse_{n}",)] for n in ("first", "second", "third")]
    assert len({r for _, r in seeded}) == 1 and seeded[0][1] > 0
    assert len(dbt_manifest._CACHE) == 1
    dbt_manifest.clear()
