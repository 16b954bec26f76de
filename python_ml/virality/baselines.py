"""Baselines scored on the same rows as the model.

- rank_only: a better chart position at first appearance -> a higher score.
- views_per_hour: the raw velocity since publish.
- momentum: the classic "hot" heuristic, velocity x engagement x position:
  log1p(views per hour) + log1p(100 x like/view) - log(chart rank).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rank_only(x: pd.DataFrame) -> np.ndarray:
    return -x["chart_rank"].to_numpy(dtype=float)


def views_per_hour(x: pd.DataFrame) -> np.ndarray:
    return x["log_views_per_hour"].fillna(-1.0).to_numpy(dtype=float)


def momentum(x: pd.DataFrame) -> np.ndarray:
    like = np.log1p(100.0 * x["like_view_ratio"].fillna(0.0).to_numpy(dtype=float))
    return (
        x["log_views_per_hour"].fillna(0.0).to_numpy(dtype=float)
        + like
        - np.log(x["chart_rank"].clip(lower=1).to_numpy(dtype=float))
    )


BASELINES = {"rank_only": rank_only, "views_per_hour": views_per_hour, "momentum": momentum}
