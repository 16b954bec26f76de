"""Batch-incremental staging tables equal a full refresh of the same raw data.

`stg_tiktok__videos` parses only the batches landed since its last run. Simulated TikTok snapshot
files are landed in three steps, out of order, plus a hand-made file that repeats some videos at
the same fetched_at in a different API call (a new batch seeing a stored key again, so the
incremental run has to rank it against the stored row). dbt runs after each step; then the table
and its child are compared with a `--full-refresh` build, on DuckDB and on Postgres.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from flows.dbt import run_dbt
from trendcast.archive import record, write_archive
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.simulator import SimConfig, simulate
from trendcast.warehouse import connect

# (schema, model): the incremental staging table and its child
MODELS = [
    ("staging", "stg_tiktok__videos"),
    ("intermediate", "int_tiktok__video_hashtags_exploded"),
]
NAMES = [name for _, name in MODELS]
HOURS = 6


@pytest.fixture(scope="module")
def tiktok_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("tiktok_sim")
    cfg = SimConfig(
        start=datetime(2025, 6, 1, tzinfo=UTC),
        hours=HOURS,
        scale="tiny",
        events=3_000,
        seed=5,
        sources=("platform", "tiktok"),
    )
    simulate(cfg, out)
    files = sorted((out / "tiktok").glob("*.jsonl.gz"))
    assert len(files) == HOURS
    return files


def _repeat_file(source: Path, dest: Path) -> int:
    """A new file: the first video query of `source` again, as another call (its params differ),
    at the same fetched_at, with every view count changed. Returns how many videos it repeats."""
    with gzip.open(source, "rt") as fh:
        for line in fh:
            call = json.loads(line)
            videos = call["response"].get("data", {}).get("videos") if call["response"] else None
            if call["endpoint"].startswith("v2/research/video/query") and videos:
                break
        else:
            raise AssertionError(f"no video query in {source}")
    call["params"] = {**call["params"], "repeat_of": "test"}
    for video in videos:
        video["view_count"] = int(video.get("view_count") or 0) + 1
    with gzip.open(dest, "wt") as fh:
        fh.write(json.dumps(call) + "\n")
    return len(videos)


def _snapshot(settings: Settings) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(settings) as wh:
        for schema, table in MODELS:
            df = wh.query_df(f"select * from {schema}.{table}")
            df = df.reindex(sorted(df.columns), axis=1)
            frames[table] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return frames


def test_tiktok_videos_incremental_equals_full_refresh(
    warehouse: Settings, tiktok_files: list[Path], tmp_path: Path
) -> None:
    repeat = tmp_path / "tiktok_repeat.jsonl.gz"
    repeated = _repeat_file(tiktok_files[1], repeat)
    assert repeated > 0
    steps = [tiktok_files[:2], tiktok_files[4:], [repeat], tiktok_files[2:4]]

    with connect(warehouse) as wh:
        load_paths(wh, steps[0])
    run_dbt(["run", "--select", *NAMES, "--full-refresh"], warehouse)
    with connect(warehouse) as wh:
        first = wh.query_df("select count(*) as n from staging.stg_tiktok__videos")["n"][0]
    for step in steps[1:]:
        with connect(warehouse) as wh:
            load_paths(wh, step)
        run_dbt(["run", "--select", *NAMES], warehouse)
    incremental = _snapshot(warehouse)
    assert len(incremental["stg_tiktok__videos"]) > first

    # the repeated keys were really seen in two batches (the raw call landed, not as a duplicate)
    with connect(warehouse) as wh:
        landed = wh.query_df(
            "select count(*) as n from raw.api_responses "
            "where processing_status = 'processed' and params::text like '%repeat_of%'"
        )["n"][0]
    assert landed == 1

    run_dbt(["run", "--select", *NAMES, "--full-refresh"], warehouse)
    full = _snapshot(warehouse)
    for name, expected in full.items():
        pd.testing.assert_frame_equal(incremental[name], expected, obj=name)
    # one row per (video_id, fetched_at): the repeat did not add rows
    videos = full["stg_tiktok__videos"]
    assert not videos.duplicated(["video_id", "fetched_at"]).any()


COMMENT_COLUMNS = [
    "comment_id", "video_id", "parent_comment_id", "comment_text", "comment_html",
    "author_display_name", "author_channel_id", "published_at", "updated_at", "like_count",
    "fetched_at",
]  # fmt: skip


def _comment(cid: str, video: str, text: str, likes: int, parent: str | None = None) -> dict:
    snippet = {
        "videoId": video, "textDisplay": f"<b>{text}</b>", "textOriginal": text,
        "authorDisplayName": f"user-{cid}", "authorChannelId": {"value": f"UC{cid}"},
        "publishedAt": "2025-06-01T10:00:00Z", "updatedAt": "2025-06-01T10:00:00Z",
        "likeCount": likes,
    }  # fmt: skip
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "id": cid, "snippet": snippet}


def _thread_page(video: str, threads: list[tuple[dict, list[dict]]], fetched: datetime) -> dict:
    items = []
    for top, replies in threads:
        item = {"kind": "youtube#commentThread", "id": top["id"],
                "snippet": {"videoId": video, "topLevelComment": top,
                            "totalReplyCount": len(replies)}}  # fmt: skip
        if replies:
            item["replies"] = {"comments": replies}
        items.append(item)
    params = {"part": "snippet,replies", "videoId": video, "maxResults": 100}
    return record("youtube", "youtube/v3/commentThreads", params, fetched, {"items": items})


def test_youtube_comment_threads_incremental_equals_full_refresh(
    warehouse: Settings, tmp_path: Path
) -> None:
    """Comment pages landed in two batches: replies get their thread's top-level comment as
    parent, a comment fetched again later keeps its latest values, and the incremental table
    equals a full refresh."""
    t0 = datetime(2025, 6, 1, 12, tzinfo=UTC)
    first = _thread_page(
        "vid1",
        [
            (_comment("c1", "vid1", "first", 1), [_comment("r1", "vid1", "reply one", 0, "c1")]),
            (_comment("c2", "vid1", "second", 2), []),
        ],
        t0,
    )
    # the same thread a day later: c1 edited and liked more, a new reply without parentId
    later = _thread_page(
        "vid1",
        [(_comment("c1", "vid1", "first, edited", 7), [_comment("r2", "vid1", "reply two", 3)])],
        t0 + timedelta(days=1),
    )
    other = _thread_page("vid2", [(_comment("c3", "vid2", "other video", 0), [])], t0)
    steps = []
    for i, calls in enumerate([[first], [later, other]]):
        path = tmp_path / f"comments_{i}.jsonl.gz"
        write_archive(path, calls)
        steps.append(path)

    model = "stg_youtube__comment_threads"
    query = f"select {', '.join(COMMENT_COLUMNS)} from staging.{model} order by comment_id"
    with connect(warehouse) as wh:
        load_paths(wh, [steps[0]])
    run_dbt(["run", "--select", model, "--full-refresh"], warehouse)
    for step in steps[1:]:
        with connect(warehouse) as wh:
            load_paths(wh, [step])
        run_dbt(["run", "--select", model], warehouse)
    with connect(warehouse) as wh:
        incremental = wh.query_df(query)
    run_dbt(["run", "--select", model, "--full-refresh"], warehouse)
    with connect(warehouse) as wh:
        full = wh.query_df(query)
    pd.testing.assert_frame_equal(incremental, full)

    rows = full.set_index("comment_id")
    assert list(rows.index) == ["c1", "c2", "c3", "r1", "r2"]
    assert rows.loc["c1", "comment_text"] == "first, edited"
    assert rows.loc["c1", "like_count"] == 7
    assert rows.loc["c1", "comment_html"] == "<b>first, edited</b>"
    assert rows.loc["r1", "parent_comment_id"] == "c1"
    assert rows.loc["r2", "parent_comment_id"] == "c1"
    assert pd.isna(rows.loc["c1", "parent_comment_id"])
    assert rows.loc["r2", "author_channel_id"] == "UCr2"
    assert rows.loc["c3", "video_id"] == "vid2"
