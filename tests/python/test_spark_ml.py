"""The YouTube virality stages (train, score) on the Spark target equal the same stages on DuckDB.

The bundled YouTube sample is landed on DuckDB and on a two-worker standalone cluster
(tests/python/spark_fixture.py), the chart marts (trends.youtube_chart_features, _labels and
private.youtube_chart_titles, everything they read) are built by dbt on both, then
`train_production` and `score` run through `connect()` on each target. Spark's run reads the
marts through Arrow, trains LightGBM on the driver (the sample is under the row bound, so every
row) and writes ml.model_metadata, ml.predictions and ml.prediction_explanations as Spark
Parquet tables. Compared with DuckDB's: the same model (its content-addressed version: the
booster and calibration are byte for byte the same, as the training rows, their order and their
values are), the same prediction and explanation keys, scores and contributions within 1e-9;
a second scoring run on Spark leaves the same rows (the upsert by rewrite is idempotent).

Marked `spark` (`make test-spark`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from flows.dbt import run_dbt
from python_ml.virality.score import EXPLANATION_KEYS, PREDICTION_KEYS, score
from python_ml.virality.train import train_production
from tests.python.spark_fixture import cluster_session, reset
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import connect

pytestmark = pytest.mark.spark

YOUTUBE = sorted((PROJECT_DIR / "data" / "sample" / "youtube").glob("*.jsonl.gz"))
CHART_MARTS = ["run", "--select", "+path:models/marts/trends/youtube"]
METADATA = ["model_version", "task", "purpose", "train_start", "train_end", "hyperparameters"]
METADATA += ["features", "metrics", "artifact_sha256"]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with cluster_session(tmp_path_factory.mktemp("spark_ml")) as session:
        yield session


def _stages(settings: Settings) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    with connect(settings, spark_ready=True) as wh:
        trained = train_production(wh, settings)
        first = score(wh, settings)
        second = score(wh, settings)
    return trained, first, second


def _table(settings: Settings, table: str, keys: list[str]) -> pd.DataFrame:
    with connect(settings, spark_ready=True) as wh:
        df = wh.query_df(f"select * from {table}")
    for col in ("as_of", "train_start", "train_end"):
        if col in df:
            df[col] = pd.to_datetime(df[col], utc=col == "as_of").astype(str)
    return df.sort_values(keys).reset_index(drop=True)


def test_virality_train_and_score_on_spark_equal_duckdb(
    spark: Any, duckdb_warehouse: Settings
) -> None:
    from trendcast.landing.spark import load_paths_spark

    assert YOUTUBE, "no YouTube archives in data/sample"
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, YOUTUBE)
    run_dbt(CHART_MARTS, duckdb_warehouse)
    duck_trained, duck_first, _ = _stages(duckdb_warehouse)

    reset(spark)
    spark_settings = Settings.from_env("spark")
    assert all(r.reconciles for r in load_paths_spark(spark, YOUTUBE))
    run_dbt(CHART_MARTS, spark_settings)
    trained, first, second = _stages(spark_settings)

    assert duck_trained["status"] == trained["status"] == "ok"
    assert trained["sample"]["rows"] == trained["sample"]["of"]  # under the bound: every row
    for key in ("n_train", "n_validation", "validation_roc_auc", "train_end", "model_version"):
        assert trained[key] == duck_trained[key], key
    assert first["scored"] == duck_first["scored"] > 0
    assert first["explained"] == duck_first["explained"] > 0
    assert (second["scored"], second["explained"]) == (first["scored"], first["explained"])

    meta_keys = ["model_name", "model_version"]
    duck_meta = _table(duckdb_warehouse, "ml.model_metadata", meta_keys)
    spark_meta = _table(spark_settings, "ml.model_metadata", meta_keys)
    assert len(spark_meta) == 1
    assert spark_meta[METADATA].to_dict("records") == duck_meta[METADATA].to_dict("records")

    for table, keys, value in (
        ("ml.predictions", PREDICTION_KEYS, "score"),
        ("ml.prediction_explanations", EXPLANATION_KEYS, "contribution"),
    ):
        duck = _table(duckdb_warehouse, table, keys)
        on_spark = _table(spark_settings, table, keys)
        # rows scored twice on Spark are there once: the keyed rewrite replaced them
        assert len(on_spark) == len(duck) > 0, table
        assert not on_spark.duplicated(keys).any(), table
        assert on_spark[keys].to_dict("records") == duck[keys].to_dict("records"), table
        diff = (on_spark[value] - duck[value]).abs().max()
        assert diff < 1e-9, f"{table}.{value} differs by up to {diff}"
        assert sorted(on_spark.columns) == sorted(duck.columns), table
