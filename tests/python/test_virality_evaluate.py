"""Evaluate / train / score on the bundled sample (DuckDB always, Postgres when reachable):
a held-out later period, baselines on the same rows, idempotent prediction writes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from flows.dbt import run_dbt
from python_ml.virality.baselines import BASELINES
from python_ml.virality.evaluate import EvaluationError, evaluate
from python_ml.virality.features import FEATURES, PASSTHROUGH, build_matrix, load_examples
from python_ml.virality.metrics import binary_metrics, precision_at_k_per_day
from python_ml.virality.score import score
from python_ml.virality.train import train_production
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR
from trendcast.warehouse import connect

YOUTUBE_SAMPLE = PROJECT_DIR / "data" / "sample" / "youtube"
pytestmark = pytest.mark.skipif(
    not any(YOUTUBE_SAMPLE.glob("*.jsonl.gz")), reason="no YouTube archives in data/sample"
)


def _build(settings) -> None:
    with connect(settings) as wh:
        load_paths(wh, [YOUTUBE_SAMPLE])
    run_dbt(
        [
            "build",
            "--select",
            "+path:models/marts/trends/youtube",
            "--indirect-selection",
            "cautious",
        ],
        settings,
    )


def _periods(settings):
    with connect(settings) as wh:
        days = sorted(load_examples(wh)["as_of_date"].unique())
    train_end = days[int(len(days) * 0.6)]
    return train_end, train_end + timedelta(days=1)


@pytest.mark.slow
def test_evaluate_held_out_and_idempotent(warehouse):
    _build(warehouse)
    train_end, test_start = _periods(warehouse)
    with connect(warehouse) as wh:
        res = evaluate(wh, warehouse, train_end, test_start)
        df = load_examples(wh)
        preds = wh.query_df(
            "select * from ml.predictions where model_version = ?", [res["model_version"]]
        )
        again = evaluate(wh, warehouse, train_end, test_start)
        preds_again = wh.query_df(
            "select * from ml.predictions where model_version = ?", [res["model_version"]]
        )
        meta = wh.query_df(
            "select * from ml.model_metadata where model_version = ?", [res["model_version"]]
        )
    labelled = df[df["persists_2d"].notna()]
    test = labelled[labelled["as_of_date"] >= test_start]
    train = labelled[labelled["label_window_closes_on"] <= train_end]
    # held-out: test rows are later than every training row, and none is shared
    assert res["n_test"] == len(test) > 0
    assert res["n_train"] == len(train) > 0
    assert min(test["as_of_date"]) > max(train["as_of_date"])
    assert set(zip(test.region_code, test.video_id, strict=True)).isdisjoint(
        zip(train.region_code, train.video_id, strict=True)
    )
    assert res["base_rate"] == pytest.approx(test["persists_2d"].mean(), abs=1e-4)
    for name in ("rank_only", "views_per_hour", "momentum"):
        assert res["baselines"][name]["n"] == res["n_test"]
    m = res["model"]
    assert 0.0 <= m["roc_auc"] <= 1.0 and 0.0 <= m["pr_auc"] <= 1.0 and 0.0 <= m["brier"] <= 1.0
    # predictions: one per test row, keyed, scores are probabilities; rerun changes nothing
    assert len(preds) == res["n_test"] == res["predictions_written"]
    assert not preds.duplicated(["task", "entity_id", "region", "as_of", "model_version"]).any()
    assert preds["score"].between(0, 1).all()
    assert set(preds["entity_type"]) == {"youtube_video"}
    assert pd.to_datetime(preds["as_of"]).dt.date.min() >= test_start
    assert again["model_version"] == res["model_version"]  # deterministic, content-addressed
    assert len(preds_again) == len(preds)
    assert len(meta) == 1 and len(meta.iloc[0]["artifact_sha256"]) == 64


@pytest.mark.slow
def test_evaluate_refuses_overlapping_periods(duckdb_warehouse):
    _build(duckdb_warehouse)
    train_end, _ = _periods(duckdb_warehouse)
    with connect(duckdb_warehouse) as wh, pytest.raises(EvaluationError):
        evaluate(wh, duckdb_warehouse, train_end, train_end - timedelta(days=10))


@pytest.mark.slow
def test_train_then_score_writes_unseen_rows(duckdb_warehouse):
    _build(duckdb_warehouse)
    with connect(duckdb_warehouse) as wh:
        trained = train_production(wh, duckdb_warehouse)
        first = score(wh, duckdb_warehouse)
        second = score(wh, duckdb_warehouse)
        preds = wh.query_df("select * from ml.predictions")
        expl = wh.query_df("select * from ml.prediction_explanations")
    assert trained["status"] == "ok"
    assert first["scored"] > 0 and second["scored"] == first["scored"]
    assert len(preds) == first["scored"]  # idempotent
    # only rows the model did not train on (window not closed by train_end)
    train_end = pd.Timestamp(trained["train_end"]).date()
    assert (pd.to_datetime(preds["as_of"]).dt.date > train_end - timedelta(days=3)).all()
    assert set(expl["feature"]) <= set(FEATURES)
    assert len(expl) == first["explained"] > 0


def test_metrics_and_baselines_on_hand_data():
    frame = pd.DataFrame(
        {
            "region_code": ["A"] * 4 + ["B"] * 4,
            "as_of_date": ["d"] * 8,
            "persists_2d": [1, 0, 0, 0, 1, 1, 0, 0],
            "s": [0.9, 0.8, 0.1, 0.2, 0.3, 0.9, 0.8, 0.1],
        }
    )
    assert precision_at_k_per_day(frame, "s", 1) == pytest.approx(1.0)
    assert precision_at_k_per_day(frame, "s", 2) == pytest.approx((0.5 + 0.5) / 2)
    m = binary_metrics(frame["persists_2d"].to_numpy(), frame["s"].to_numpy(), probability=True)
    assert m["positives"] == 3 and 0.5 < m["roc_auc"] <= 1.0
    x = pd.DataFrame(
        {"chart_rank": [1, 50], "log_views_per_hour": [5.0, 1.0], "like_view_ratio": [0.05, 0.01]}
    )
    for fn in BASELINES.values():
        s = fn(x)
        assert s[0] > s[1]  # top rank, fast, engaging -> higher score


def test_build_matrix_keeps_missing_counts_missing():
    df = pd.DataFrame(
        {
            "chart_rank": [1, 2],
            "view_count": [100, 200],
            "like_count": [None, 5],
            "comment_count": [3, None],
            "video_age_hours": [2.0, 3.0],
            "views_per_hour": [50.0, 66.0],
            "like_view_ratio": [None, 0.025],
            "comment_view_ratio": [0.03, None],
            "category_id": ["10", None],
            "channel_prior_persisted": [0, 2],
            "channel_prior_labelled": [0, 2],
            "title": ["Hello WORLD #x", None],
            "tags": ['["a","b"]', None],
            "description_length": [10, None],
        }
    )
    for c in PASSTHROUGH:
        if c not in df:
            df[c] = np.nan
    x = build_matrix(df)
    assert list(x.columns) == FEATURES
    assert np.isnan(x.loc[0, "log_likes"]) and x.loc[0, "likes_missing"] == 1
    assert x.loc[1, "comments_missing"] == 1
    assert x.loc[0, "n_tags"] == 2 and x.loc[1, "n_tags"] == 0
    assert x.loc[1, "channel_persist_rate"] == pytest.approx(3 / 6)
    assert x.loc[0, "title_hashtags"] == 1
