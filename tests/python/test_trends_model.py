"""Trend virality model: the time split purges the window, the trending baseline decays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_ml.trends_model import task_name
from python_ml.trends_model.train import TrainConfig, split, trending_score


def _frame(hours: int) -> pd.DataFrame:
    times = pd.date_range("2026-01-01", periods=hours, freq="h", tz="UTC")
    return pd.DataFrame({"as_of_at": times, "has_label": True, "label": np.arange(hours) % 2})


def test_split_is_time_ordered_with_a_purge_at_least_the_window() -> None:
    df = _frame(200)
    for window in (6, 12, 24, 48):
        train, test = split(df, window, TrainConfig(test_fraction=0.3))
        assert len(train) > 0 and len(test) > 0
        gap = test["as_of_at"].min() - train["as_of_at"].max()
        assert gap >= pd.Timedelta(hours=window)


def test_trending_score_rises_with_current_activity_and_decays_with_age() -> None:
    df = pd.DataFrame(
        {
            "reach_24h": [100.0, 1000.0, 1000.0],
            "baseline_daily_reach": [100.0, 100.0, 100.0],
            "hours_since_first_seen": [0.0, 0.0, 72.0],
        }
    )
    s = trending_score(df, half_life_hours=72.0)
    assert s[0] == 0.0 and s[1] > 0 and np.isclose(s[2], s[1] / 2)


def test_task_names_match_the_feature_store_residual_mapping() -> None:
    assert task_name("hashtag", 24) == "trends_hashtag_viral_24h"
    assert task_name("video", 24) == "trends_video_viral_24h"


def test_one_query_per_entity_gives_the_labels_of_one_join_per_window(warehouse) -> None:
    """The pivoted loader must equal the former left join per window, row for row."""
    from python_ml.trends_model.train import load_entity_examples, load_examples
    from trendcast.warehouse import connect

    times = pd.date_range("2026-01-01", periods=3, freq="h", tz="UTC")
    features = pd.DataFrame(
        {
            "hashtag_id": ["b", "a", "b", "a", "c", "a"],
            "platform": ["tiktok"] * 5 + ["mastodon"],
            "as_of_at": [times[0], times[0], times[1], times[1], times[2], times[2]],
            "reach_velocity": [1.0, None, 3.0, 4.0, 5.0, 6.0],
            "is_weekend": [True, False, None, True, False, True],
        }
    )
    definitions = pd.DataFrame(
        {
            "model_name": "hashtag_features",
            "name": [
                "hashtag_id",
                "reach_velocity",
                "is_weekend",
                "last_prediction_error",
                "retired_rate",
            ],
            "feature_group": [
                "key",
                "temporal_growth",
                "temporal_pattern",
                "prediction_residual",
                "temporal_growth",
            ],
            "data_type": ["text", "double", "boolean", "double", "double"],
            # a deprecated feature is never trained on (hashtag_features has no such column)
            "deprecated_at": pd.to_datetime([None, None, None, None, "2025-01-01"], utc=True),
        }
    )
    labels = pd.DataFrame(
        [
            # entity_type, entity_id, as_of_at, window_hours, definition_id, is_viral
            ("hashtag", "a", times[0], 6, "growth_100pct", True),
            ("hashtag", "a", times[0], 12, "growth_100pct", False),
            ("hashtag", "a", times[0], 6, "top_10", False),  # another definition: ignored
            ("hashtag", "b", times[0], 6, "growth_100pct", None),  # row without a label
            ("hashtag", "b", times[1], 12, "growth_100pct", True),
            ("video", "a", times[1], 6, "growth_100pct", True),  # another entity: ignored
            ("hashtag", "c", times[2], 48, "growth_100pct", True),
            ("hashtag", "a", times[2], 6, "growth_100pct", True),  # mastodon row
        ],
        columns=[
            "entity_type",
            "entity_id",
            "as_of_at",
            "window_hours",
            "definition_id",
            "is_viral",
        ],
    )
    labels["is_viral"] = labels["is_viral"].astype("boolean")
    features["is_weekend"] = features["is_weekend"].astype("boolean")
    with connect(warehouse) as wh:
        wh.write_df(definitions, "seeds", "feature_definitions")
        wh.write_df(features, "trends", "hashtag_features")
        wh.write_df(labels, "trends", "viral_labels")
        both, feats = load_entity_examples(wh, "hashtag", "tiktok", (6, 12, 48))
        assert feats == ["reach_velocity", "is_weekend"]
        assert list(zip(both["as_of_at"], both["entity_id"], strict=True)) == [
            (times[0], "a"), (times[0], "b"), (times[1], "a"), (times[1], "b"), (times[2], "c"),
        ]  # fmt: skip
        assert both["label_6h"].tolist() == [1, 0, 0, 0, 0]
        assert both["has_label_6h"].tolist() == [True, False, False, False, False]
        assert both["label_12h"].tolist() == [0, 0, 0, 1, 0]
        assert both["has_label_12h"].tolist() == [True, False, False, True, False]
        assert both["has_label_48h"].tolist() == [False, False, False, False, True]
        for window in (6, 12, 48):
            per_window = wh.query_df(
                "select f.hashtag_id as entity_id, f.as_of_at, "
                "case when l.is_viral then 1 else 0 end as label, "
                "l.is_viral is not null as has_label "
                "from trends.hashtag_features as f left join trends.viral_labels as l "
                "on l.entity_type = 'hashtag' and l.entity_id = f.hashtag_id "
                "and l.as_of_at = f.as_of_at and l.window_hours = ? "
                "and l.definition_id = 'growth_100pct' where f.platform = 'tiktok' "
                "order by f.as_of_at, f.hashtag_id",
                [window],
            )
            one, _ = load_examples(wh, "hashtag", window, "tiktok")
            assert one["label"].tolist() == per_window["label"].astype(int).tolist()
            assert one["has_label"].tolist() == per_window["has_label"].astype(bool).tolist()
            assert one["label"].tolist() == both[f"label_{window}h"].tolist()
    assert np.isnan(both["reach_velocity"].iloc[0])
    assert both["is_weekend"].tolist()[:3] == [0.0, 1.0, 1.0] and np.isnan(
        both["is_weekend"].iloc[3]
    )
