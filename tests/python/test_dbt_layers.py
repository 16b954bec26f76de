"""The layer rules hold for the project's models, and the check itself catches each breach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.python.layer_rules import (
    RULES,
    Violation,
    load_allowlist,
    python_violations,
    violations,
)
from trendcast.settings import PROJECT_DIR

ALLOWLIST = PROJECT_DIR / "tests" / "layers" / "allowlist.yml"


def _model(name: str, layer: str, parents: list[str], **extra) -> dict:
    return {
        "resource_type": "model",
        "package_name": "trendcast",
        "name": name,
        "original_file_path": f"models/{layer}/x/{name}.sql",
        "description": extra.get("description", f"One row per {name}."),
        "depends_on": {"nodes": parents},
        "config": {"contract": {"enforced": extra.get("contract", layer == "marts")}},
    }


def _test(model: str, kind: str, column: str | None = None) -> dict:
    return {
        "resource_type": "test",
        "attached_node": f"model.trendcast.{model}",
        "column_name": column,
        "test_metadata": {"name": kind},
    }


def _manifest(models: list[dict], keyed: bool = True) -> dict:
    nodes = {f"model.trendcast.{m['name']}": m for m in models}
    if keyed:
        for m in models:
            nodes[f"test.u.{m['name']}"] = _test(m["name"], "unique", "id")
            nodes[f"test.n.{m['name']}"] = _test(m["name"], "not_null", "id")
    return {"nodes": nodes}


def test_a_well_layered_graph_passes() -> None:
    models = [
        _model("stg_a", "staging", ["source.trendcast.raw.a"]),
        _model("int_a", "intermediate", ["model.trendcast.stg_a", "seed.trendcast.s"]),
        _model("fct_a", "marts", ["model.trendcast.int_a"]),
        _model("fct_b", "marts", ["model.trendcast.fct_a"]),
    ]
    assert violations(_manifest(models)) == []


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        (
            [_model("int_a", "intermediate", ["source.trendcast.raw.a"])],
            Violation("source_outside_staging", "int_a", "raw.a"),
        ),
        (
            [
                _model("stg_a", "staging", ["source.trendcast.raw.a"]),
                _model("stg_b", "staging", ["model.trendcast.stg_a"]),
            ],
            Violation("staging_reads_model", "stg_b", "stg_a"),
        ),
        (
            [
                _model("stg_a", "staging", ["source.trendcast.raw.a"]),
                _model("fct_a", "marts", ["model.trendcast.stg_a"]),
            ],
            Violation("mart_reads_staging", "fct_a", "stg_a"),
        ),
        (
            [
                _model("fct_a", "marts", []),
                _model("int_a", "intermediate", ["model.trendcast.fct_a"]),
            ],
            Violation("intermediate_reads_mart", "int_a", "fct_a"),
        ),
        (
            [_model("fct_a", "marts", [], description=" ")],
            Violation("missing_description", "fct_a"),
        ),
        (
            [_model("fct_a", "marts", [], contract=False)],
            Violation("mart_without_contract", "fct_a"),
        ),
    ],
)
def test_each_breach_is_reported(models: list[dict], expected: Violation) -> None:
    assert expected in violations(_manifest(models))


def _macro(name: str, description: str = "") -> dict:
    return {
        "package_name": "trendcast",
        "name": name,
        "original_file_path": "macros/x/x.sql",
        "description": description,
    }


def test_every_macro_is_described_and_dialect_implementations_share_the_dispatchers() -> None:
    manifest = _manifest([])
    manifest["macros"] = {
        f"macro.trendcast.{m['name']}": m
        for m in [
            _macro("json_text", "Text at a JSON path."),
            _macro("duckdb__json_text"),
            _macro("postgres__json_text"),
            _macro("spark__json_text"),
            _macro("duckdb__safe_cast"),  # overrides dbt's safe_cast: no dispatcher here
            _macro("_private_helper"),
            _macro("core_rule"),
        ]
    }
    assert violations(manifest) == [
        Violation("macro_without_description", "_private_helper"),
        Violation("macro_without_description", "core_rule"),
        Violation("macro_without_description", "duckdb__safe_cast"),
    ]
    manifest["macros"]["macro.trendcast.json_text"]["description"] = ""
    assert Violation("macro_without_description", "json_text") in violations(manifest)
    assert Violation("macro_without_description", "spark__json_text") not in violations(manifest)


def test_an_exposure_reading_staging_or_intermediate_is_reported() -> None:
    models = [
        _model("stg_a", "staging", ["source.trendcast.raw.a"]),
        _model("int_a", "intermediate", ["model.trendcast.stg_a"]),
        _model("fct_a", "marts", ["model.trendcast.int_a"]),
    ]
    manifest = _manifest(models)
    manifest["exposures"] = {
        "exposure.trendcast.ok": {
            "package_name": "trendcast",
            "name": "ok",
            "depends_on": {"nodes": ["model.trendcast.fct_a", "source.trendcast.raw.a"]},
        },
        "exposure.trendcast.bad": {
            "package_name": "trendcast",
            "name": "bad",
            "depends_on": {"nodes": ["model.trendcast.int_a", "model.trendcast.stg_a"]},
        },
    }
    assert violations(manifest) == [
        Violation("exposure_reads_non_public", "bad", "int_a"),
        Violation("exposure_reads_non_public", "bad", "stg_a"),
    ]


def test_python_consumers_reading_staging_or_intermediate_are_reported(tmp_path: Path) -> None:
    (tmp_path / "python_ml").mkdir()
    (tmp_path / "python_ml" / "ok.py").write_text(
        'Q = "select * from trends.hashtag_metrics"  # a staging.stg_x__posts mention is no read\n'
    )
    (tmp_path / "python_ml" / "bad.py").write_text(
        'Q = """select a.x from intermediate.int_a as a\n  JOIN staging.stg_b as b on true"""\n'
        'if wh.table_exists("staging", "stg_c"):\n    pass\n'
    )
    assert python_violations(tmp_path, ("python_ml",)) == [
        Violation("python_reads_non_public", "python_ml/bad.py", "intermediate.int_a"),
        Violation("python_reads_non_public", "python_ml/bad.py", "staging.stg_b"),
        Violation("python_reads_non_public", "python_ml/bad.py", "staging.stg_c"),
    ]


def test_python_consumers_read_marts_only() -> None:
    assert python_violations(PROJECT_DIR) == []


def test_primary_key_needs_unique_and_not_null_on_one_column_or_a_combination() -> None:
    model = _model("int_a", "intermediate", [])
    manifest = _manifest([model], keyed=False)
    assert violations(manifest) == [Violation("missing_primary_key_test", "int_a")]
    manifest["nodes"]["t1"] = _test("int_a", "unique", "id")
    manifest["nodes"]["t2"] = _test("int_a", "not_null", "other_id")
    assert violations(manifest) == [Violation("missing_primary_key_test", "int_a")]
    manifest["nodes"]["t3"] = _test("int_a", "not_null", "ID")
    assert violations(manifest) == []
    combo = _manifest([model], keyed=False)
    combo["nodes"]["t"] = _test("int_a", "unique_combination")
    assert violations(combo) == []


def test_allowlist_entries_need_a_written_reason(tmp_path: Path) -> None:
    path = tmp_path / "allow.yml"
    path.write_text("allowed:\n  - {rule: mart_reads_staging, model: fct_a, reason: ''}\n")
    with pytest.raises(ValueError, match="write why"):
        load_allowlist(path)
    path.write_text("allowed:\n  - {rule: no_such_rule, model: fct_a, reason: because it is so}\n")
    with pytest.raises(ValueError, match="unknown rule"):
        load_allowlist(path)
    assert set(RULES) >= {a.rule for a in load_allowlist(ALLOWLIST)}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project's manifest from one `dbt parse` (no warehouse needed)."""
    from dataclasses import replace

    from flows.dbt import run_dbt
    from trendcast.settings import Settings

    out = tmp_path_factory.mktemp("layers")
    settings = replace(Settings.from_env("duckdb"), duckdb_path=out / "parse.duckdb")
    target = out / "target"
    run_dbt(["parse", "--target-path", str(target)], settings)
    return json.loads((target / "manifest.json").read_text())


@pytest.mark.slow
def test_project_models_follow_the_layer_rules(manifest: dict) -> None:
    found = violations(manifest)
    allowed = load_allowlist(ALLOWLIST)
    allowed_keys = {(a.rule, a.model) for a in allowed}
    breaches = [v for v in found if (v.rule, v.model) not in allowed_keys]
    stale = sorted(allowed_keys - {(v.rule, v.model) for v in found})
    assert not breaches, (
        "dbt layer rules broken (fix, or allow with a reason in "
        + str(ALLOWLIST.relative_to(PROJECT_DIR))
        + "):\n"
        + "\n".join(map(str, breaches))
    )
    assert not stale, f"allow-list entries that no longer match a violation: {stale}"
