"""The domain harvester end to end on hand-built archives, on DuckDB and Postgres: raw landing ->
dbt (comment) -> extraction -> dbt (domain, domain_mention, views, functions) -> cleanup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.dbt import run_dbt
from trendcast.archive import record, write_archive
from trendcast.domains.cleanup import cleanup_old_data
from trendcast.domains.store import extract_mentions
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC).replace(microsecond=0)
RECENT = NOW - timedelta(days=1)
OLD = NOW - timedelta(days=400)


def _tiktok(comments: list[tuple[int, str, datetime]], video: int) -> dict:
    body = {
        "data": {
            "comments": [
                {"id": cid, "video_id": video, "text": text, "like_count": 0, "reply_count": 0,
                 "parent_comment_id": video, "create_time": int(ts.timestamp())}
                for cid, text, ts in comments
            ],
            "cursor": len(comments), "has_more": False,
        },
        "error": {"code": "ok", "message": "", "log_id": ""},
    }  # fmt: skip
    return record("tiktok", "v2/research/video/comment/list/", {"video_id": str(video)}, NOW, body)


def _youtube(video: str, comments: list[tuple[str, str, datetime]]) -> dict:
    items = [
        {"kind": "youtube#commentThread", "id": cid, "snippet": {"videoId": video,
         "topLevelComment": {"kind": "youtube#comment", "id": cid, "snippet": {
             "videoId": video, "textDisplay": text, "textOriginal": text,
             "authorDisplayName": f"user-{cid}", "publishedAt": ts.isoformat(), "likeCount": 0}},
         "totalReplyCount": 0, "isPublic": True}}
        for cid, text, ts in comments
    ]  # fmt: skip
    params = {"part": "snippet", "videoId": video, "maxResults": 100}
    return record("youtube", "youtube/v3/commentThreads", params, NOW, {"items": items})


def _mastodon() -> dict:
    status = {
        "id": "900", "created_at": RECENT.isoformat().replace("+00:00", "Z"), "edited_at": None,
        "account": {"id": "1", "acct": "alice"}, "language": "en", "visibility": "public",
        "url": "https://mastodon.social/@alice/900", "in_reply_to_id": None, "reblog": None,
        "content": '<p>read <a href="https://news.example.org/a">news.example.org/a</a> &amp; '
                   "etsy.com</p>",
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "tags": [], "mentions": [],
    }  # fmt: skip
    return record(
        "mastodon", "api/v1/timelines/public", {"instance": "mastodon.social"}, NOW, [status]
    )


def _archive(tmp_path: Path) -> Path:
    path = tmp_path / "comments.jsonl"
    write_archive(
        path,
        [
            _tiktok(
                [
                    (101, "get it https://www.etsy.com/item/1?x=1", RECENT),
                    (102, "or etsy[.]com/shop lol", RECENT),
                    (103, "no link here, e.g. report.pdf v1.2", RECENT),
                    (104, "old deal at oldshop.com and etsy.com", OLD),
                ],
                video=555,
            ),
            _youtube(
                "vidA",
                [
                    ("ya", "see bit.ly/abc", RECENT),
                    ("yb", "amazon.com and again amazon.com/deals", RECENT),
                    ("yc", "mail me at me@gmail.com #fun.com", OLD),
                ],
            ),
            _mastodon(),
        ],
    )
    return path


MODELS = "+models/marts/domains"  # one run: comment (read by the extractor) and its neighbours


def _counts(wh) -> dict[str, int]:
    return {
        name: wh.scalar(f"select count(*) from domains.{name}")
        for name in ("comment", "domain", "domain_mention")
    }


def test_domains_from_raw_to_views_functions_and_cleanup(
    warehouse: Settings, tmp_path: Path
) -> None:
    with connect(warehouse) as wh:
        load_paths(wh, [_archive(tmp_path)])
    run_dbt(["run", "--select", MODELS], warehouse)
    with connect(warehouse) as wh:
        first = extract_mentions(wh)
        assert first["comments_scanned"] == 8
        assert extract_mentions(wh)["comments_scanned"] == 0  # nothing new to scan
        mentions = "select count(*) from domains_extracted.mentions"
        n_extracted = wh.scalar(mentions)
        # a forced full re-extraction replaces, never duplicates
        wh.execute("delete from domains_extracted.scanned_comments")
        assert extract_mentions(wh)["comments_scanned"] == 8
        assert wh.scalar(mentions) == n_extracted
    run_dbt(["build", "--select", "source:domains_extracted+"], warehouse)

    with connect(warehouse) as wh:
        found = dict(
            wh.query("select domain_name, mention_count from domains.domain order by domain_name")
        )
        # etsy: 101, 102, 104 and the status; amazon twice in one comment counts once
        assert found == {
            "amazon.com": 1, "bit.ly": 1, "etsy.com": 4, "example.org": 1, "oldshop.com": 1,
        }  # fmt: skip
        assert wh.scalar("select sum(mention_count) from domains.domain") == wh.scalar(
            "select count(*) from domains.domain_mention"
        )
        flags = dict(wh.query("select domain_name, is_suspicious from domains.domain"))
        assert flags["bit.ly"] and flags["etsy.com"] and not flags["amazon.com"]
        before = _counts(wh)
        if warehouse.target == "postgres":
            # full-text search on comment text goes through the GIN index
            assert (
                wh.scalar(
                    "select count(*) from pg_indexes where schemaname = 'domains' "
                    "and indexname = 'comment_text_search'"
                )
                == 1
            )
            hits = wh.query(
                "select comment_id from domains.comment where to_tsvector('simple', "
                "coalesce(comment_text, '')) @@ plainto_tsquery('simple', 'deal')"
            )
            assert hits == [("104",)]

        top = wh.query(
            "select domain_name, total_mentions, unique_videos from domains.v_domains_top_mentioned "
            "order by total_mentions desc, domain_name limit 1"
        )
        assert top == [("etsy.com", 4, 2)]
        marked = wh.scalar(
            "select comment_text_marked from domains.v_comments_with_domains "
            "where comment_id = '102'"
        )
        assert marked == "or ⟦etsy[.]com/shop⟧ lol"
        video = wh.query(
            "select domain_mentions, unique_domains, domains from domains.v_videos_with_domains "
            "where video_id = '555'"
        )
        assert video == [(4, 2, "etsy.com, oldshop.com")]
        recent = dict(
            wh.query(
                "select domain_name, mentions_7d from domains.v_domains_recent_activity "
                "where domain_name = 'etsy.com'"
            )
        )
        assert recent == {"etsy.com": 3}
        trending = wh.query(
            "select domain_name, current_mentions, previous_mentions "
            "from domains.get_trending_domains(7)"
        )
        assert trending[0] == ("etsy.com", 3, 0)
        assert {r[0] for r in trending} == {"etsy.com", "amazon.com", "bit.ly", "example.org"}
        stats = wh.query_df(
            "select * from domains.get_dashboard_stats(?, ?)",
            [NOW - timedelta(days=7), NOW + timedelta(days=1)],
        ).iloc[0]
        assert stats["total_comments"] == 6  # the old TikTok and YouTube comments are outside
        assert stats["total_mentions"] == 6 and stats["top_domain"] == "etsy.com"

        dry = cleanup_old_data(wh, days_to_keep=30, dry_run=True)
        assert (dry["mentions"], dry["domains"]) == (2, 1)
        assert _counts(wh) == before  # a dry run deletes nothing
        done = cleanup_old_data(wh, days_to_keep=30)
        assert (done["mentions"], done["domains"]) == (2, 1)
        names = {r[0] for r in wh.query("select domain_name from domains.domain")}
        # oldshop.com had only old mentions; etsy.com keeps its recent ones
        assert names == {"amazon.com", "bit.ly", "etsy.com", "example.org"}
        # gone from the extractor's table too, so a rebuild does not bring them back
        assert wh.scalar(mentions) == n_extracted - 2
    # the CLI reads the same functions, as a table or JSON
    from typer.testing import CliRunner

    from flows.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["domains", "trending", "--days", "7", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["domain_name"] == "etsy.com"
    start, end = (NOW - timedelta(days=7)).isoformat(), (NOW + timedelta(days=1)).isoformat()
    out = runner.invoke(app, ["domains", "stats", "--start", start, "--end", end, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["total_comments"] == 6
    out = runner.invoke(app, ["domains", "trending", "--days", "7"])
    assert out.exit_code == 0 and "etsy.com" in out.output
