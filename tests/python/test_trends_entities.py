"""Entity columns and group A/F features of the trend store, on DuckDB and Postgres.

The TikTok fixtures of the bundled sample (web item list, scraper snapshot: real items) plus a
small hand-written Research API archive (video queries with effects and regions, a user/info
call) are landed and only the models these tests read are built. Expected values are computed
here from the recorded JSON, never copied from a previous run.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from flows.isolated import throwaway_warehouse
from tests.python.conftest import FIXTURES, SAMPLE_DIR, require_pg
from trendcast.settings import Settings

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # any date: the models must not care
# video -> (username, created_at, region, hashtags, effect_ids, views at each hourly fetch;
# None = not yet posted)
VIDEOS = {
    "7100000000000000001": (
        "ann", T0 - timedelta(hours=3), "US", ["tcAlpha", "Beta"], ["101", "202"],
        [100, 300, 600, 600, 1000],
    ),
    "7100000000000000002": (
        "bob", T0 - timedelta(minutes=30), "DE", ["tcalpha"], [],
        [50, 50, 80, 200, 260],
    ),
    "7100000000000000003": (
        "ann", T0 + timedelta(hours=1, minutes=30), "GB", ["tcalpha"], ["0"],
        [None, None, 10, 40, 90],
    ),
}  # fmt: skip
ANN = {"display_name": "Ann", "bio_description": "dance + code", "is_verified": False,
       "follower_count": 232, "following_count": 45, "likes_count": 27155089, "video_count": 44}  # fmt: skip
FETCHES = [T0 + timedelta(hours=h, minutes=5) for h in range(5)]
SELECT = [
    "+videos",
    "+creators",
    "+creator_profiles",
    "+sounds",
    "+hashtag_features",
    "+video_features",
    "feature_definitions",
]


def _line(endpoint: str, params: dict, fetched_at: datetime, response: dict) -> str:
    return json.dumps(
        {
            "source": "tiktok",
            "endpoint": endpoint,
            "params": params,
            "fetched_at": fetched_at.isoformat().replace("+00:00", "Z"),
            "response": response,
        }
    )


def _research_archive(path: Path) -> None:
    lines = []
    for i, fetched in enumerate(FETCHES):
        videos = [
            {
                "id": vid,
                "username": user,
                "create_time": int(created.timestamp()),
                "region_code": region,
                "hashtag_names": tags,
                "effect_ids": effects,
                "music_id": "m1",
                "view_count": views[i],
                "like_count": views[i] // 10,
                "comment_count": 1,
                "share_count": 0,
            }
            for vid, (user, created, region, tags, effects, views) in VIDEOS.items()
            if views[i] is not None
        ]
        lines.append(
            _line(
                "v2/research/video/query/",
                {"query": {"and": [{"field_name": "hashtag_name", "field_values": ["tcalpha"]}]}},
                fetched,
                {"data": {"videos": videos, "has_more": False}, "error": {"code": "ok"}},
            )
        )
    lines.append(
        _line(
            "v2/research/user/info/",
            {"username": "ann"},
            FETCHES[-1],
            {"data": ANN, "error": {"code": "ok"}},
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as f:
        f.write("\n".join(lines) + "\n")


def _land_and_build(settings: Settings, archive_dir: Path) -> None:
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    research = archive_dir / "tiktok_research.jsonl.gz"
    _research_archive(research)
    with connect(settings) as wh:
        load_paths(wh, [SAMPLE_DIR / "tiktok", research])
    # tests of the built models run; those that also need an unselected model are left out
    run_dbt(["build", "--indirect-selection", "cautious", "--select", *SELECT], settings)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def entities(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """One build per target for the whole module (the tests only read it)."""
    tmp = tmp_path_factory.mktemp("entities")
    if request.param == "duckdb":
        settings = replace(Settings.from_env("duckdb"), duckdb_path=tmp / "warehouse.duckdb")
        _land_and_build(settings, tmp)
        yield settings
        return
    require_pg()
    with throwaway_warehouse(Settings.from_env("postgres")) as settings:
        _land_and_build(settings, tmp)
        yield settings


def _df(settings: Settings, sql: str) -> pd.DataFrame:
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        return wh.query_df(sql)


def _web_items() -> list[dict]:
    return json.loads((FIXTURES / "tiktok" / "tiktok_web_itemlist_10_2021-08.json").read_text())


def _scraper_items() -> list[dict]:
    with gzip.open(SAMPLE_DIR / "tiktok" / "tiktok_real_fixtures.jsonl.gz", "rt") as f:
        lines = [json.loads(line) for line in f]
    return next(x["response"]["collector"] for x in lines if x["endpoint"] == "scraper/trending")


def _none(value):
    return None if value is None or pd.isna(value) else value


def test_entity_columns_follow_the_sources(entities: Settings) -> None:
    videos = _df(
        entities,
        "select video_id, hashtag_names, effect_ids, is_duet from trends.videos "
        "where platform = 'tiktok'",
    ).set_index("video_id")
    # Research API: effect lists as sent, hashtag lists of the latest fetch, no duet flag
    for vid, (_, _, _, tags, effects, _) in VIDEOS.items():
        row = videos.loc[vid]
        assert json.loads(row["effect_ids"]) == effects
        assert json.loads(row["hashtag_names"]) == sorted({t.lower() for t in tags})
        assert _none(row["is_duet"]) is None
    # web item list: duets from duetInfo, no effect list
    for item in _web_items():
        row = videos.loc[item["id"]]
        assert bool(row["is_duet"]) == (item["duetInfo"]["duetFromId"] not in ("0", ""))
        assert _none(row["effect_ids"]) is None
        names = {c["title"].lower() for c in item.get("challenges", []) if c.get("title")}
        assert set(json.loads(row["hashtag_names"])) == names

    # sounds: the latest fetch that carried metadata wins (web 2021 over scraper 2020); later
    # items of one response over earlier ones
    expected: dict[str, tuple] = {}
    for m in (i["musicMeta"] for i in _scraper_items()):
        expected[m["musicId"]] = (m["musicName"], m["musicAuthor"], None, m["musicOriginal"])
    for m in (i["music"] for i in _web_items()):
        expected[m["id"]] = (m["title"], m["authorName"], m["duration"], m["original"])
    sounds = _df(
        entities,
        "select sound_id, title, artist, duration_seconds, is_original from trends.sounds "
        "where platform = 'tiktok'",
    ).set_index("sound_id")
    assert set(expected) <= set(sounds.index)
    for sound_id, (title, artist, duration, original) in expected.items():
        row = sounds.loc[sound_id]
        got = (row["title"], row["artist"], _none(row["duration_seconds"]), row["is_original"])
        assert got == (title, artist, duration, original), sound_id
    # a sound only the Research API names has no metadata
    assert sounds.loc["m1"][["title", "artist", "is_original"]].isna().all()

    creators = _df(
        entities,
        "select c.creator_id, c.following_count, c.like_count, p.bio, c.region_code, "
        "c.follower_count from trends.creators as c "
        "left join private.creator_profiles as p on c.creator_id = p.creator_id "
        "where c.platform = 'tiktok'",
    ).set_index("creator_id")
    ann = creators.loc["tiktok:ann"]
    assert (ann["following_count"], ann["like_count"], ann["bio"]) == (
        ANN["following_count"],
        ANN["likes_count"],
        ANN["bio_description"],
    )
    # location: region_code of the latest video (ties at one fetch broken by the higher id)
    assert ann["region_code"] == "GB"
    bob = creators.loc["tiktok:bob"]
    assert bob["region_code"] == "DE"
    assert _none(bob["following_count"]) is None and _none(bob["bio"]) is None
    # creators known only from web items: the profile embedded in their latest item
    for item in _web_items():
        row = creators.loc["tiktok:" + item["author"]["uniqueId"]]
        stats = item["authorStats"]
        assert (row["following_count"], row["like_count"], row["follower_count"]) == (
            stats["followingCount"],
            stats["heartCount"],
            stats["followerCount"],
        )
        assert row["bio"] == item["author"]["signature"]
        assert _none(row["region_code"]) is None  # the web shape does not carry it


def test_group_a_and_f_features(entities: Settings) -> None:
    hf = _df(
        entities,
        "select f.*, m.view_count as metrics_view_count, m.hour_number "
        "from trends.hashtag_features as f inner join trends.hashtag_metrics as m "
        "on f.hashtag_id = m.hashtag_id and f.as_of_at = m.as_of_at "
        "where f.platform = 'tiktok' and f.hashtag_name = 'tcalpha' order by f.as_of_at",
    )
    assert len(hf) >= len(FETCHES)
    assert (hf["feature_window_hours"] == 24).all()
    views_at = dict(zip(hf["hour_number"], hf["metrics_view_count"], strict=True))
    first = hf["hour_number"].min()
    prev_rv = None
    for _, r in hf.iterrows():
        for lag in (1, 6, 24):
            got = _none(r[f"view_count_lag_{lag}h"])
            h = r["hour_number"] - lag
            assert got == (None if h < first else views_at.get(h, 0)), (r["as_of_at"], lag)
        rel = _none(r["reach_velocity_relative"])
        if prev_rv is None or prev_rv == 0:
            assert rel is None
        else:
            assert rel == pytest.approx((r["reach_velocity"] - prev_rv) / prev_rv)
        prev_rv = r["reach_velocity"]
    assert hf["reach_velocity_relative"].notna().any()

    # F: the share of the hashtag's posts of the last 7 days per UTC creation hour
    def expected_distribution(as_of: pd.Timestamp) -> dict[str, float]:
        hours = [
            created.hour
            for created, views in ((v[1], v[5]) for v in VIDEOS.values())
            if any(
                n is not None and f + timedelta(minutes=55) <= as_of.to_pydatetime()
                for f, n in zip(FETCHES, views, strict=True)
            )
        ]
        return {f"{h:02d}": hours.count(h) / len(hours) for h in sorted(set(hours))}

    for _, r in hf.iterrows():
        dist = json.loads(r["timezone_distribution_7d"])
        assert list(dist) == sorted(dist)
        assert dist == pytest.approx(expected_distribution(r["as_of_at"]))
    assert json.loads(hf["timezone_distribution_7d"].iloc[-1])["01"] == pytest.approx(1 / 3)

    vf = _df(
        entities,
        "select video_id, as_of_at, view_velocity, view_velocity_relative, feature_window_hours "
        "from trends.video_features where platform = 'tiktok' order by video_id, as_of_at",
    )
    assert (vf["feature_window_hours"] == 24).all()
    checked = 0
    for _, g in vf.groupby("video_id"):
        prev = None
        for _, r in g.iterrows():
            rel = _none(r["view_velocity_relative"])
            if prev is None or pd.isna(prev) or prev == 0:
                assert rel is None
            else:
                assert rel == pytest.approx((r["view_velocity"] - prev) / prev)
                checked += 1
            prev = r["view_velocity"]
    assert checked >= 4
