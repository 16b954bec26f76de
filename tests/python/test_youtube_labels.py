"""The persists_2d label and the point-in-time features, through the real path:
archive lines -> raw landing -> dbt staging/intermediate/marts (DuckDB)."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from flows.dbt import run_dbt
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR
from trendcast.warehouse import connect

SELECT = [
    "build",
    "--select",
    "+path:models/marts/trends/youtube",
    "--indirect-selection",
    "cautious",
]
YOUTUBE_SAMPLE = sorted((PROJECT_DIR / "data" / "sample" / "youtube").glob("*.jsonl.gz"))


def _item(video_id: str, views: int | None = 1000, likes: int | None = 10) -> dict:
    stats = {"favoriteCount": "0", "commentCount": "3"}
    if views is not None:
        stats["viewCount"] = str(views)
    if likes is not None:
        stats["likeCount"] = str(likes)
    return {
        "kind": "youtube#video",
        "id": video_id,
        "snippet": {
            "publishedAt": "2025-01-01T00:00:00Z",
            "channelId": f"ch_{video_id}",
            "channelTitle": "c",
            "title": f"title {video_id}",
            "categoryId": "10",
            "tags": ["x", "y"],
        },
        "statistics": stats,
    }


def _line(region: str, day: date, ids: list[str], page_token: str | None = None) -> str:
    params = {
        "part": "snippet,statistics",
        "chart": "mostPopular",
        "regionCode": region,
        "maxResults": 50,
    }
    if page_token:
        params["pageToken"] = page_token
    fetched = datetime(day.year, day.month, day.day, 11, 0, 0 if not page_token else 5)
    return json.dumps(
        {
            "source": "youtube",
            "endpoint": "youtube/v3/videos",
            "params": params,
            "fetched_at": fetched.isoformat() + "+00:00",
            "response": {"kind": "youtube#videoListResponse", "items": [_item(i) for i in ids]},
        }
    )


def _write(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


T = date(2025, 1, 10)


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory: pytest.TempPathFactory):
    """Region XX has chart days t..t+3; region YY misses t+2 and t+3 (gap), has t+4."""
    tmp = tmp_path_factory.mktemp("yt_labels")
    d = lambda n: T + timedelta(days=n)  # noqa: E731
    lines = [
        # XX: a seen t and t+3 -> 1; b seen only t+1 -> 0; c seen t+2 -> 1; z only on t -> 0
        _line("XX", d(0), ["a", "b", "c", "z"]),
        _line("XX", d(1), ["b"]),
        _line("XX", d(2), ["c", "q"]),
        _line("XX", d(3), ["a", "q"]),
        # YY: e on t and t+1, days t+2 and t+3 missing -> no label; second page ranks continue
        _line("YY", d(0), ["e", "f"]),
        _line("YY", d(0), ["g"], page_token="CAIQAA"),
        _line("YY", d(1), ["e"]),
        _line("YY", d(4), ["e"]),
    ]
    archive = _write(tmp / "youtube_hand.jsonl.gz", lines)
    return archive


def test_label_rule_on_hand_made_snapshots(duckdb_warehouse, hand_made):
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, [hand_made])
    run_dbt(SELECT, duckdb_warehouse)
    with connect(duckdb_warehouse) as wh:
        labels = wh.query_df(
            "select region_code, video_id, first_seen_date, persists_2d "
            "from trends.youtube_chart_labels"
        )
        ranks = wh.query_df(
            "select video_id, chart_rank from staging.stg_youtube__video_snapshots "
            "where region_code = 'YY' and snapshot_date = ?",
            [T],
        )
    got = {(r.region_code, r.video_id): r.persists_2d for r in labels.itertuples()}
    assert got[("XX", "a")] == 1  # seen on t and t+3
    assert got[("XX", "b")] == 0  # seen only on t+1
    assert got[("XX", "c")] == 1  # seen on t+2
    assert got[("XX", "z")] == 0
    assert pd.isna(got[("YY", "e")])  # t+2 and t+3 chart days missing -> no label
    # q first appears on t+2: its t+4/t+5 days do not exist -> no label
    assert pd.isna(got[("XX", "q")])
    first = labels.set_index(["region_code", "video_id"])["first_seen_date"]
    assert pd.Timestamp(first[("XX", "q")]).date() == T + timedelta(days=2)
    # rank runs across the pages of one call
    assert dict(zip(ranks.video_id, ranks.chart_rank, strict=True)) == {"e": 1, "f": 2, "g": 3}


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt") as fh:
        return [line.rstrip("\n") for line in fh if line.strip()]


def _day(line: str) -> date:
    return datetime.fromisoformat(json.loads(line)["fetched_at"]).date()


def _split_sample(tmp: Path, cutoff: date) -> tuple[list[Path], list[Path]]:
    early, late = [], []
    for f in YOUTUBE_SAMPLE:
        a, b = [], []
        for line in _lines(f):
            (a if _day(line) <= cutoff else b).append(line)
        early.append(_write(tmp / f"early_{f.name}", a))
        late.append(_write(tmp / f"late_{f.name}", b))
    return early, late


@pytest.mark.slow
@pytest.mark.skipif(not YOUTUBE_SAMPLE, reason="no YouTube archives in data/sample/youtube")
def test_features_are_point_in_time(duckdb_warehouse, tmp_path):
    """Appending later snapshots must not change any feature of an earlier first appearance."""
    days = sorted({_day(line) for f in YOUTUBE_SAMPLE for line in _lines(f)})
    cutoff = days[len(days) // 2]
    early, late = _split_sample(tmp_path, cutoff)
    query = "select * from trends.youtube_chart_features order by region_code, video_id"
    with connect(duckdb_warehouse) as wh:
        load_paths(wh, early)
    run_dbt(SELECT, duckdb_warehouse)
    with connect(duckdb_warehouse) as wh:
        before = wh.query_df(query)
        labels_before = wh.query_df("select count(persists_2d) from trends.youtube_chart_labels")
        load_paths(wh, late)
    run_dbt(SELECT, duckdb_warehouse)
    with connect(duckdb_warehouse) as wh:
        after = wh.query_df(query)
        labels_after = wh.query_df("select count(persists_2d) from trends.youtube_chart_labels")
    assert len(before) > 100
    assert len(after) > len(before)
    assert labels_after.iloc[0, 0] > labels_before.iloc[0, 0]  # later data closes more windows
    key = ["region_code", "video_id"]
    merged = before.merge(after, on=key, suffixes=("_before", "_after"), how="left")
    assert merged["as_of_date_after"].notna().all()
    for col in before.columns:
        if col in key:
            continue
        a, b = merged[f"{col}_before"], merged[f"{col}_after"]
        same = (a == b) | (a.isna() & b.isna())
        if a.dtype.kind == "f":
            same |= (a - b).abs() < 1e-9
        assert same.all(), f"feature {col} changed for {int((~same).sum())} rows after appending"
