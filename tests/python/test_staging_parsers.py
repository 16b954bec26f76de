"""Parser tests: the staging models read every real fixture exactly as the raw JSON says.

Each test computes the expected rows straight from the recorded fixture files in Python and
compares them with what dbt's staging views produce from the landed archive, on DuckDB and Postgres.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.python.conftest import FIXTURES
from trendcast.settings import Settings
from trendcast.sources import shape_of
from trendcast.warehouse import connect


@pytest.fixture(params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest) -> Settings:
    return request.getfixturevalue(
        "built_duckdb" if request.param == "duckdb" else "built_postgres"
    )


def _rows(settings: Settings, sql: str) -> list[tuple]:
    with connect(settings) as wh:
        return wh.query(sql)


def test_tiktok_web_item_list(built: Settings) -> None:
    items = json.loads((FIXTURES / "tiktok" / "tiktok_web_itemlist_10_2021-08.json").read_text())
    got = {
        r[0]: r[1:]
        for r in _rows(
            built,
            "select video_id, view_count, like_count, share_count, comment_count, "
            "duration_seconds, music_id, username, created_at from staging.stg_tiktok__videos "
            "where api_shape = 'web_item_list'",
        )
    }
    assert len(got) == len(items)
    for item in items:
        row = got[item["id"]]
        stats = item["stats"]
        assert row[:4] == (
            stats["playCount"],
            stats["diggCount"],
            stats["shareCount"],
            stats["commentCount"],
        )
        assert row[4] == item["video"]["duration"]
        assert row[5] == item["music"]["id"]
        assert row[6] == item["author"]["uniqueId"]
        assert row[7] == datetime.fromtimestamp(item["createTime"], UTC)


def test_tiktok_web_hashtags(built: Settings) -> None:
    items = json.loads((FIXTURES / "tiktok" / "tiktok_web_itemlist_10_2021-08.json").read_text())
    expected = {
        (item["id"], c["title"].lower())
        for item in items
        for c in item.get("challenges") or []
        if c.get("title")
    }
    ids = {item["id"] for item in items}
    got = {
        (r[0], r[1])
        for r in _rows(
            built,
            "select video_id, hashtag_name from intermediate.int_tiktok__video_hashtags_exploded",
        )
        if r[0] in ids
    }
    assert got == expected


def test_tiktok_research_api_doc_examples(built: Settings) -> None:
    body = json.loads(
        (
            FIXTURES / "tiktok" / "research_api_doc_examples" / "example_resp_q_videos.json"
        ).read_text()
    )
    video = body["data"]["videos"][0]
    rows = _rows(
        built,
        "select video_id, region_code, view_count, comment_count, music_id, created_at "
        "from staging.stg_tiktok__videos where api_shape = 'research_api'",
    )
    # the example repeats one video twice in the same page: staging keeps one observation
    assert rows == [
        (
            str(video["video_id"]),
            video["region_code"],
            video["view_count"],
            video["comment_count"],
            str(video["music_id"]),
            datetime.fromtimestamp(video["create_time"], UTC),
        )
    ]
    comments = json.loads(
        (
            FIXTURES / "tiktok" / "research_api_doc_examples" / "example_resp_comments.json"
        ).read_text()
    )["data"]["comments"]
    # the sample also holds real comment pages (data/sample/comments): read the example's videos
    videos = ", ".join(sorted({f"'{c['video_id']}'" for c in comments}))
    got = _rows(
        built,
        "select comment_id, video_id, like_count from staging.stg_tiktok__comments "
        f"where video_id in ({videos}) order by comment_id",
    )
    want = sorted((str(c["id"]), str(c["video_id"]), c["like_count"]) for c in comments)
    assert got == want
    user = json.loads(
        (FIXTURES / "tiktok" / "research_api_doc_examples" / "example_resp_q_user.json").read_text()
    )["data"]
    got = _rows(
        built, "select follower_count, video_count, is_verified from staging.stg_tiktok__users"
    )
    assert got == [(user["follower_count"], user["video_count"], user["is_verified"])]


def test_tiktok_scraper_snapshot_counts(built: Settings) -> None:
    rows = _rows(
        built,
        "select count(*), count(distinct video_id), sum(view_count), min(view_count) "
        "from staging.stg_tiktok__videos where api_shape = 'scraper'",
    )
    n, distinct, total_views, min_views = rows[0]
    assert n == distinct == 1000
    assert total_views > 0 and min_views >= 0


def _recorded(name: str) -> list[dict]:
    return json.loads((FIXTURES / "mastodon" / "real_mastodon_social" / name).read_text())


def test_mastodon_trending_tags_history(built: Settings) -> None:
    body = _recorded("v1_trends_tags.responses.json")[0]["body"]
    expected = {
        (
            tag["name"].lower(),
            datetime.fromtimestamp(int(h["day"]), UTC).date(),
            int(h["uses"]),
            int(h["accounts"]),
            rank,
        )
        for rank, tag in enumerate(body, start=1)
        for h in tag["history"]
    }
    got = set(
        _rows(
            built,
            "select tag_name, history_date, use_count, account_count, trend_rank "
            "from staging.stg_mastodon__tags where instance = 'mastodon.social'",
        )
    )
    assert got == expected


def test_mastodon_statuses(built: Settings) -> None:
    entries = _recorded("v1_statuses.responses.json")
    expected = {
        (
            e["body"]["id"],
            e["body"]["favourites_count"],
            e["body"]["reblogs_count"],
            e["body"]["replies_count"],
            e["body"]["account"]["acct"],
        )
        for e in entries
    }
    got = set(
        _rows(
            built,
            "select status_id, favourites_count, reblogs_count, replies_count, account_acct "
            "from staging.stg_mastodon__statuses "
            "where instance = 'mastodon.social' and observed_via = 'rest'",
        )
    )
    assert got == expected
    tags = {
        (e["body"]["id"], t["name"].lower()) for e in entries for t in e["body"].get("tags", [])
    }
    got_tags = set(
        _rows(
            built,
            "select status_id, tag_name from intermediate.int_mastodon__status_tags_exploded "
            "where instance = 'mastodon.social'",
        )
    )
    assert tags <= got_tags


def test_mastodon_timeline_and_stream_shapes(built: Settings) -> None:
    rows = dict(
        _rows(
            built,
            "select observed_via, count(*) from staging.stg_mastodon__statuses "
            "where instance = 'localhost' group by 1",
        )
    )
    public = json.loads(
        (
            FIXTURES / "mastodon" / "local_test_instance" / "test_public_tl.responses.json"
        ).read_text()
    )
    ids = {s["id"] for e in public if isinstance(e["body"], list) for s in e["body"]}
    assert rows.get("timeline", 0) >= len(ids)
    assert rows.get("stream_update", 0) >= 1


@pytest.mark.parametrize(
    ("source", "endpoint", "shape"),
    [
        ("youtube", "youtube/v3/videos", "videos.list"),
        ("x", "2/users/44196397/tweets", "users.tweets"),
        ("x", "2/tweets/counts/all", "tweets.counts"),
        ("tiktok", "v2/research/video/query/", "research.video.query"),
        ("tiktok", "api/recommend/item_list", "web.item_list"),
        ("mastodon", "api/v1/statuses/110446223051565765", "statuses"),
        ("mastodon", "api/v1/trends/tags", "trends.tags"),
        ("mastodon", "api/v1/streaming/public", "streaming"),
        ("platform", "events/v1/poll", "events"),
        ("youtube", "youtube/v3/search", None),
    ],
)
def test_shape_of(source: str, endpoint: str, shape: str | None) -> None:
    assert shape_of(source, endpoint) == shape
