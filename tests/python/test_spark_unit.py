"""The business rules' dbt unit tests pass on Spark, every one of them.

The project's unit tests (the `unit_tests:` blocks of the models' yml: viral score weights, the
creator tier windows, the label rules, the A/B sample-ratio threshold, the gap rule of the post
counts, ...) feed fixed rows to a model's SQL and compare its output with the expected rows. On
Spark the same tests run the model's SQL through the `spark__` macros, so a dialect difference
in a rule (a NULL order, a date boundary, an integer division) fails here with the rule's name.

dbt needs every input relation of a unit-tested model to exist (it reads their columns to type
the fixture rows), so the test first builds every model of the project empty (`dbt run
--empty`: each model's SQL runs on Spark over `limit 0` inputs, which also shows every model
compiles and runs there), then runs `dbt test --select test_type:unit`, and checks that every
unit test the project declares ran and passed: none skipped, none missing.

Part of `make test` (and of `make test-spark`): a local[1] session, no cluster (the rules are SQL
semantics, not shuffles; the cluster's cost is spent by tests/python/test_spark.py). Without
PySpark or Java it skips, except under CI=true, where it fails (spark_fixture.require_spark).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.dbt import list_nodes, run_dbt
from tests.python.spark_fixture import local_env
from trendcast.settings import PROJECT_DIR, Settings

EMPTY_ONLY = ["trending_predictions", "trend_virality_predictions"]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from trendcast.spark import spark_session

    with local_env(tmp_path_factory.mktemp("spark_unit")):
        session = spark_session()
        session.sparkContext.setLogLevel("ERROR")
        yield session


def unit_tests(settings: Settings) -> dict[str, str]:
    """Every unit test of the project -> the model it tests (`unit_test.<project>.<model>.<test>`)."""
    nodes = list_nodes(["--resource-type", "unit_test"], settings)
    return {n["unique_id"]: n["unique_id"].split(".")[2] for n in nodes}


def test_every_business_rule_unit_test_passes_on_spark(spark: Any) -> None:
    from trendcast.landing.spark import load_paths_spark

    settings = Settings.from_env("spark")
    declared = unit_tests(settings)
    # the project's rules are there to test: a selection that lost them would pass vacuously
    assert len(declared) >= 20, declared

    # the raw tables the staging models read exist once one small file has landed
    sample = min((PROJECT_DIR / "data" / "sample" / "youtube").glob("*.jsonl.gz"), key=_size)
    assert all(r.reconciles for r in load_paths_spark(spark, [sample]))
    run_dbt(["seed"], settings)
    # every model of the project, empty: each model's SQL runs on Spark (the two BI marts of the
    # virality predictions, which no comparison test builds, only here), and every input of a
    # unit-tested model exists
    built = run_dbt(["run", "--empty", "--select", "path:models"], settings)
    models = [r for r in built.results if r["resource_type"].endswith("model")]
    assert {r["status"] for r in models} == {"success"}, models
    assert set(EMPTY_ONLY) <= {r["name"] for r in models}
    assert set(declared.values()) <= {r["name"] for r in models}

    # run_dbt raises with the failing tests' names and messages when one fails or errors
    run = run_dbt(["test", "--select", "test_type:unit"], settings)
    ran = {r["name"]: r["status"] for r in run.results if r["resource_type"].endswith("unit_test")}
    names = {unique_id.split(".")[-1] for unique_id in declared}
    assert len(names) == len(declared), "unit test names must be unique across models"
    assert set(ran) == names, sorted(set(ran) ^ names)
    assert set(ran.values()) == {"pass"}, {name: s for name, s in ran.items() if s != "pass"}


def _size(path: Path) -> int:
    return path.stat().st_size
