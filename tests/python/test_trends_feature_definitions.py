"""seeds/feature_definitions.csv must describe exactly the columns of the feature marts.

Three views of the same promise: the seed against the models' YAML (static, fast), the seed
against the built tables (DuckDB, after a real dbt build), and the checker itself on a broken case.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from trendcast.settings import PROJECT_DIR, Settings

SEED = PROJECT_DIR / "seeds" / "feature_definitions.csv"
MODELS_YML = PROJECT_DIR / "models" / "marts" / "trends" / "_trends__models.yml"
FEATURE_MODELS = ("hashtag_features", "video_features")
GROUPS = {
    "key",
    "temporal_growth",
    "engagement",
    "creator_diversity",
    "semantic",
    "novelty",
    "temporal_pattern",
    "prediction_residual",
}


def load_definitions(path: Path = SEED) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def definition_problems(
    definitions: list[dict[str, str]], columns: dict[str, list[str]]
) -> list[str]:
    """Columns without a definition and definitions without a column, per model."""
    problems = []
    for model, cols in columns.items():
        defined = {d["name"] for d in definitions if d["model_name"] == model}
        problems += [f"{model}.{c}: no definition" for c in cols if c not in defined]
        problems += [f"{model}.{n}: no such column" for n in sorted(defined - set(cols))]
    return problems


def yaml_columns() -> dict[str, list[str]]:
    doc = yaml.safe_load(MODELS_YML.read_text())
    return {
        m["name"]: [c["name"] for c in m["columns"]]
        for m in doc["models"]
        if m["name"] in FEATURE_MODELS
    }


def test_every_definition_is_well_formed() -> None:
    definitions = load_definitions()
    assert definitions, "empty seed"
    for d in definitions:
        where = f"{d['model_name']}.{d['name']}"
        assert d["feature_group"] in GROUPS, f"{where}: unknown group {d['feature_group']!r}"
        assert d["description"].strip(), f"{where}: no description"
        if d["valid_min"] and d["valid_max"]:
            assert float(d["valid_min"]) <= float(d["valid_max"]), f"{where}: min > max"
        assert int(d["computation_lag_minutes"]) >= 0, f"{where}: negative lag"
        assert d["is_nullable"] in ("true", "false"), f"{where}: is_nullable {d['is_nullable']!r}"
        if d["feature_group"] == "key" and d["name"] != "creator_id":
            assert d["is_nullable"] == "false", f"{where}: a key column must not be nullable"
        created = datetime.fromisoformat(d["created_at"])
        if d["deprecated_at"]:
            assert datetime.fromisoformat(d["deprecated_at"]) > created, (
                f"{where}: deprecated first"
            )
        assert int(d["version"]) >= 1
    groups = {d["feature_group"] for d in definitions}
    assert groups >= GROUPS, f"feature groups without a feature: {GROUPS - groups}"


def test_seed_matches_the_models_yaml() -> None:
    columns = yaml_columns()
    assert set(columns) == set(FEATURE_MODELS)
    assert definition_problems(load_definitions(), columns) == []


def test_checker_reports_missing_and_stale_definitions() -> None:
    definitions = [
        {"model_name": "hashtag_features", "name": "a"},
        {"model_name": "hashtag_features", "name": "gone"},
    ]
    problems = definition_problems(definitions, {"hashtag_features": ["a", "b"]})
    assert problems == [
        "hashtag_features.b: no definition",
        "hashtag_features.gone: no such column",
    ]


@pytest.mark.parametrize("model", FEATURE_MODELS)
def test_seed_matches_the_built_tables(built_duckdb: Settings, model: str) -> None:
    from trendcast.warehouse import connect

    # not read_only: dbt (run in this process by the fixture) may still hold the file open
    # read-write, and DuckDB refuses a second connection with a different configuration
    with connect(built_duckdb) as wh:
        columns = wh.columns("trends", model)
    assert columns, f"trends.{model} was not built"
    assert definition_problems(load_definitions(), {model: columns}) == []


@pytest.mark.parametrize("model", FEATURE_MODELS)
def test_non_nullable_features_have_no_nulls_in_the_built_tables(
    built_duckdb: Settings, model: str
) -> None:
    from trendcast.warehouse import connect

    required = [
        d["name"]
        for d in load_definitions()
        if d["model_name"] == model and d["is_nullable"] == "false"
    ]
    assert required, f"{model}: no feature is defined as not nullable"
    nulls = ", ".join(f"count(*) - count({c}) as {c}" for c in required)
    with connect(built_duckdb) as wh:
        counts = wh.query_df(f"select count(*) as total_rows, {nulls} from trends.{model}")
    assert int(counts.loc[0, "total_rows"]) > 0
    assert {c: int(counts.loc[0, c]) for c in required if counts.loc[0, c]} == {}
