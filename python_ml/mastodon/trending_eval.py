"""Evaluation of the three trending scores of mastodon.trending_hashtags on the simulator's
planted trends (ground truth: _truth/mastodon_planted_trends.parquet).

precision@10: over every instance-hour from the first planted start on, the share of the top-10
entries (positive score) that are a planted trend of that instance, live at that hour (started by
the hour's end). Organic hashtags that burst in the simulated world count against every score
alike. lead time: hours from a planted trend's start to the end of the first hour in which it is
in its instance's top 10 (the hour's counts are known at its end); recall: the share of planted
trends that reach the top 10 within 12 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trendcast.warehouse import Warehouse

SCORES = ("spike_score", "mastodon_score", "trendcast_score")
TOP_K = 10
DETECT_WITHIN_HOURS = 12


@dataclass(frozen=True)
class ScoreEvaluation:
    score: str
    precision_at_10: float
    median_lead_hours: float | None
    mean_lead_hours: float | None
    recall: float
    top10_entries: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def load_planted(truth_dir: Path) -> pd.DataFrame:
    """The simulator's planted trends, with start times as naive UTC like the mart's
    hour_start they are compared with (pandas refuses to compare aware with naive times)."""
    df = pd.read_parquet(Path(truth_dir) / "mastodon_planted_trends.parquet")
    df["started_at"] = pd.to_datetime(df["started_at"], utc=True).dt.tz_localize(None)
    return df


def evaluate_trending(wh: Warehouse, planted: pd.DataFrame) -> list[ScoreEvaluation]:
    """precision@10, lead time and recall of each trending score against the planted trends
    (definitions in the module docstring): the simulator's truth is the only labelled Mastodon data."""
    scores = wh.query_df(
        f"select instance, tag_name, hour_start, {', '.join(SCORES)} from mastodon.trending_hashtags"
    )
    scores["hour_start"] = pd.to_datetime(scores["hour_start"])
    scores["hour_end"] = scores["hour_start"] + pd.Timedelta(hours=1)
    first_start = planted["started_at"].min().floor("h")
    scores = scores[scores["hour_start"] >= first_start]
    starts = {(r.instance, r.hashtag): r.started_at for r in planted.itertuples()}
    out = []
    for score in SCORES:
        top = scores[scores[score] > 0].copy()
        top["rank"] = top.groupby(["instance", "hour_start"])[score].rank(
            method="first", ascending=False
        )
        top = top[top["rank"] <= TOP_K]
        started = [
            starts.get((i, t)) for i, t in zip(top["instance"], top["tag_name"], strict=True)
        ]
        hit = np.array(
            [s is not None and s <= e for s, e in zip(started, top["hour_end"], strict=True)],
            dtype=bool,
        )
        leads = []
        for (inst, tag), start in starts.items():
            seen = top[(top["instance"] == inst) & (top["tag_name"] == tag)]
            seen = seen[seen["hour_end"] > start]
            if len(seen):
                lead = (seen["hour_end"].min() - start).total_seconds() / 3600
                if lead <= DETECT_WITHIN_HOURS:
                    leads.append(lead)
        out.append(
            ScoreEvaluation(
                score=score,
                precision_at_10=float(hit.mean()) if len(hit) else 0.0,
                median_lead_hours=float(np.median(leads)) if leads else None,
                mean_lead_hours=float(np.mean(leads)) if leads else None,
                recall=len(leads) / len(starts) if starts else 0.0,
                top10_entries=len(hit),
            )
        )
    return out
