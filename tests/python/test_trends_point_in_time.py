"""Point-in-time correctness of the trend feature store, on DuckDB and Postgres.

Build on simulated data fetched up to t, append the data fetched after t, rebuild (incremental),
and assert that every feature row at or before t is unchanged: none added, none removed, no value
different. Predictions (ml.predictions) and themes (ml.hashtag_themes) are present in both builds,
so group D and G features are covered too. Finally a full refresh must equal the incremental build.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from trendcast.settings import Settings

SIM_START = datetime(2026, 3, 2, tzinfo=UTC)  # any date: the models must not care
SIM_HOURS = 40
CUT_AFTER_HOURS = 27.5  # t = SIM_START + 27 h 30 min, in the middle of an hour
TABLES = {
    "hashtag_metrics": ("as_of_at", ["hashtag_id", "as_of_at"]),
    "hashtag_features": ("as_of_at", ["hashtag_id", "as_of_at"]),
    "video_metric_snapshots": ("fetched_at", ["video_id", "fetched_at"]),
    "video_features": ("as_of_at", ["video_id", "as_of_at"]),
}
SELECT = [
    "+path:models/marts/trends",
    # the creators' handles and bios live beside the trend marts, in the private schema
    "+path:models/marts/private",
    "feature_definitions",
    "--exclude",
    "path:models/marts/trends/youtube",
]


def _simulate(out: Path) -> None:
    from trendcast.simulator.config import SimConfig
    from trendcast.simulator.run import simulate

    simulate(
        SimConfig(start=SIM_START, hours=SIM_HOURS, scale="tiny", sources=("tiktok", "mastodon")),
        out,
    )


def _split(sim: Path, cut: datetime, before: Path, after: Path) -> tuple[int, int]:
    """Two archives: lines fetched at or before `cut`, and lines fetched after it."""
    n_before = n_after = 0
    before.parent.mkdir(parents=True, exist_ok=True)
    after.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(before, "wt") as fb, gzip.open(after, "wt") as fa:
        for path in sorted(sim.rglob("*.jsonl.gz")):
            with gzip.open(path, "rt") as f:
                for line in f:
                    try:
                        fetched = datetime.fromisoformat(
                            json.loads(line)["fetched_at"].replace("Z", "+00:00")
                        )
                    except (ValueError, KeyError, TypeError, AttributeError):
                        fb.write(line)  # malformed lines land as failed either way
                        continue
                    if fetched <= cut:
                        fb.write(line)
                        n_before += 1
                    else:
                        fa.write(line)
                        n_after += 1
    return n_before, n_after


def _write_predictions(settings: Settings) -> int:
    """Fake earlier scoring runs: a score per hashtag hour and video fetch, scored 5 min later."""
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        hashtags = wh.query_df(
            "select hashtag_id as entity_id, as_of_at as as_of from trends.hashtag_metrics"
        )
        hashtags["task"] = "trends_hashtag_viral_24h"
        hashtags["entity_type"] = "hashtag"
        videos = wh.query_df(
            "select video_id as entity_id, fetched_at as as_of from trends.video_metric_snapshots"
        )
        videos["task"] = "trends_video_viral_24h"
        videos["entity_type"] = "video"
        df = pd.concat([hashtags, videos], ignore_index=True)
        df["as_of"] = pd.to_datetime(df["as_of"], utc=True)
        rng = np.random.default_rng(7)
        df["score"] = rng.random(len(df))
        df["region"] = "global"
        df["model_version"] = "test"
        df["scored_at"] = df["as_of"] + pd.Timedelta(minutes=5)
        return wh.write_df(
            df, "ml", "predictions", key_columns=["task", "entity_id", "region", "as_of"]
        )


def _python_steps(settings: Settings) -> None:
    from python_ml.semantic.themes import compute_hashtag_themes
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        compute_hashtag_themes(wh)


def _snapshot(settings: Settings, cut: datetime | None) -> dict[str, pd.DataFrame]:
    from trendcast.warehouse import connect

    out = {}
    with connect(settings) as wh:
        for table, (time_col, keys) in TABLES.items():
            where = f" where {time_col} <= ?" if cut is not None else ""
            df = wh.query_df(f"select * from trends.{table}{where}", [cut] if cut else None)
            out[table] = df.sort_values(keys, kind="stable").reset_index(drop=True)
    return out


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], what: str) -> None:
    for table, left in a.items():
        right = b[table]
        assert list(left.columns) == list(right.columns), f"{table}: columns differ ({what})"
        assert len(left) == len(right), f"{table}: {len(left)} rows vs {len(right)} ({what})"
        for col in left.columns:
            x, y = left[col], right[col]
            if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
                xf, yf = x.astype("float64").to_numpy(), y.astype("float64").to_numpy()
                same = np.isclose(xf, yf, rtol=1e-9, atol=1e-12) | (np.isnan(xf) & np.isnan(yf))
            else:
                xn, yn = x.isna().to_numpy(), y.isna().to_numpy()
                both = ~xn & ~yn
                same = xn & yn
                same[both] = x[both].astype(object).to_numpy() == y[both].astype(object).to_numpy()
            bad = np.flatnonzero(~same)
            assert bad.size == 0, (
                f"{table}.{col} changed ({what}) in {bad.size} rows, e.g. "
                f"{left.iloc[bad[0]].to_dict()} -> {right.iloc[bad[0]][col]!r}"
            )


def test_features_at_or_before_t_do_not_change_when_later_data_arrives(
    warehouse: Settings, tmp_path: Path
) -> None:
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    sim = tmp_path / "sim"
    _simulate(sim)
    cut = SIM_START + timedelta(hours=CUT_AFTER_HOURS)
    first, second = tmp_path / "a" / "part1.jsonl.gz", tmp_path / "b" / "part2.jsonl.gz"
    n_before, n_after = _split(sim, cut, first, second)
    assert n_before > 0 and n_after > 0

    # build 1: data fetched up to t; then the Python steps; then rebuild so features see them
    with connect(warehouse) as wh:
        load_paths(wh, [first])
    run_dbt(["build", "--select", *SELECT], warehouse)
    assert _write_predictions(warehouse) > 0
    _python_steps(warehouse)
    run_dbt(["run", "--select", *SELECT], warehouse)
    before = _snapshot(warehouse, cut)
    assert len(before["hashtag_features"]) > 0 and len(before["video_features"]) > 0
    assert before["hashtag_features"]["theme_label"].notna().any(), "themes never joined"
    assert before["hashtag_features"]["last_prediction_error"].notna().any(), "no residuals"

    # build 2: append the data fetched after t, incremental rebuild
    with connect(warehouse) as wh:
        load_paths(wh, [second])
    run_dbt(["build", "--select", *SELECT], warehouse)
    _python_steps(warehouse)
    run_dbt(["run", "--select", *SELECT], warehouse)
    after = _snapshot(warehouse, cut)
    assert _snapshot(warehouse, None)["hashtag_features"]["as_of_at"].max() > pd.Timestamp(cut)
    _assert_same(before, after, "rows at or before t after appending later data")

    # the incremental build equals a full refresh
    incremental = _snapshot(warehouse, None)
    run_dbt(["run", "--full-refresh", "--select", *SELECT], warehouse)
    _assert_same(incremental, _snapshot(warehouse, None), "incremental vs full refresh")
