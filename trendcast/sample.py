"""Build the small real sample bundled in data/sample/ from the full real data set.

The repo ships the output (a user has no ../shared); this module documents and reproduces exactly
how it was cut: `python -m trendcast.sample ../shared/data/real data/sample`. Lines of the real
archives are copied verbatim (only filtered by fetch date); recorded fixtures are replayed into the
archive format with `trendcast.archive.from_recorded_responses`.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from trendcast.archive import from_recorded_responses, open_binary, record, write_archive

YOUTUBE_COUNTRIES = ("US", "GB")
YOUTUBE_WINDOW = ("2025-09-01", "2025-10-27")  # 8 weeks, fetched_at date range [start, end)
X_WINDOW = ("2025-04-01", "2025-06-01")  # two months of posts
# Mastodon public timelines: (collector file prefix, fetched_at of a run, calls kept from it).
# The Hammilidi collector re-fetched the newest page 25 times per run (a run shares fetched_at):
# two calls of a run show the dedupe; two runs 14 minutes apart give two hours of posting. Sefdine's
# calls follow max_id (older pages, some edited statuses).
MASTODON_RUNS = (
    ("mastodon_public_mastodon.social_2023-10-23_2023-10-24_Hammilidi", "2023-10-23T13:35:33Z", 2),
    ("mastodon_public_mastodon.social_2023-10-23_2023-10-24_Hammilidi", "2023-10-23T13:49:18Z", 2),
    ("mastodon_public_mastodon.social_2023-10-20_2023-10-23_Sefdine", "2023-10-20T15:56:35Z", 3),
)

# Recorded API fixtures replayed into archives (source, relative path)
RECORDED = [
    ("mastodon", "fixtures/mastodon/real_mastodon_social/v1_trends_tags.responses.json"),
    ("mastodon", "fixtures/mastodon/real_mastodon_social/v1_trends_links.responses.json"),
    ("mastodon", "fixtures/mastodon/real_mastodon_social/v1_statuses.responses.json"),
    ("mastodon", "fixtures/mastodon/real_mastodon_social/v1_statuses_history.responses.json"),
    ("mastodon", "fixtures/mastodon/local_test_instance/test_public_tl.responses.json"),
    ("mastodon", "fixtures/mastodon/local_test_instance/test_hashtag_tl.responses.json"),
    ("mastodon", "fixtures/mastodon/local_test_instance/test_stream_user_local.responses.json"),
    ("x", "fixtures/x_api/v2/test_client_get_all_tweets_count.responses.json"),
    ("x", "fixtures/x_api/v2/test_client_get_recent_tweets_count.responses.json"),
    ("x", "fixtures/x_api/v2/test_client_get_users_tweets.responses.json"),
]
# Raw fixtures the parser tests read directly (copied verbatim)
FIXTURE_FILES = [
    "fixtures/youtube/trending_videos_US_20260821.json",
    "fixtures/tiktok/tiktok_web_itemlist_10_2021-08.json",
    "fixtures/tiktok/research_api_doc_examples/example_resp_q_videos.json",
    "fixtures/tiktok/research_api_doc_examples/example_resp_comments.json",
    "fixtures/tiktok/research_api_doc_examples/example_resp_q_user.json",
    "fixtures/tiktok/SOURCE.txt",
    "fixtures/mastodon/SOURCE.txt",
    "fixtures/x_api/SOURCE.txt",
] + [path for _, path in RECORDED]


def _filter_lines(src: Path, dst: Path, start: str, end: str) -> int:
    dst.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with (
        open_binary(src) as fin,
        open(dst, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
    ):
        for line in fin:
            fetched = json.loads(line)["fetched_at"][:10]
            if start <= fetched < end:
                gz.write(line if line.endswith(b"\n") else line + b"\n")
                n += 1
    return n


def _mastodon_runs(real: Path, dst: Path) -> int:
    """The first calls of each run in MASTODON_RUNS, lines verbatim, in the order listed."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(dst, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
        for prefix, fetched_at, calls in MASTODON_RUNS:
            src = next(real.glob(f"{prefix}*.jsonl.gz"))
            kept = 0
            with open_binary(src) as fin:
                for line in fin:
                    if kept < calls and json.loads(line)["fetched_at"] == fetched_at:
                        gz.write(line if line.endswith(b"\n") else line + b"\n")
                        kept += 1
            n += kept
    return n


COMMENT_YOUTUBE_VIDEOS = ("KatyPerry", "Psy")
COMMENT_TIKTOK_CALLS = 25


def build(real: Path, out: Path) -> dict[str, int]:
    """Cut the bundled sample from the full real data set; returns lines written per file, so a
    maintainer can see at a glance that a re-cut kept the same windows."""
    counts: dict[str, int] = {}
    for cc in YOUTUBE_COUNTRIES:
        src = next((real / "youtube").glob(f"youtube_mostpopular_{cc}_*.jsonl.gz"))
        dst = (
            out
            / "youtube"
            / f"youtube_mostpopular_{cc}_{YOUTUBE_WINDOW[0]}_{YOUTUBE_WINDOW[1]}.jsonl.gz"
        )
        counts[dst.name] = _filter_lines(src, dst, *YOUTUBE_WINDOW)
    src = next((real / "x").glob("elonmusk_posts_*.jsonl.gz"))
    dst = out / "x" / f"elonmusk_posts_{X_WINDOW[0]}_{X_WINDOW[1]}.jsonl.gz"
    counts[dst.name] = _filter_lines(src, dst, *X_WINDOW)

    dst = out / "mastodon" / "mastodon_public_timelines_2023-10-20_2023-10-23.jsonl.gz"
    counts[dst.name] = _mastodon_runs(real / "mastodon", dst)

    # comments with links for the domain harvester: two YouTube videos whole, TikTok's first calls
    for artist in COMMENT_YOUTUBE_VIDEOS:
        src = next((real / "comments").glob(f"youtube_commentthreads_{artist}_*.jsonl.gz"))
        (out / "comments").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out / "comments" / src.name)
        with gzip.open(src) as fh:
            counts[src.name] = sum(1 for _ in fh)
    src = next((real / "comments").glob("tiktok_research_video_comments_*.jsonl.gz"))
    dst = (
        out
        / "comments"
        / "tiktok_research_video_comments_lqdoan-stats-tiktok-comments_first25calls.jsonl.gz"
    )
    with gzip.open(src, "rb") as fin, gzip.GzipFile(dst, "wb", mtime=0) as fout:
        for _, line in zip(range(COMMENT_TIKTOK_CALLS), fin, strict=False):
            fout.write(line)
    counts[dst.name] = COMMENT_TIKTOK_CALLS

    for rel in FIXTURE_FILES:
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real / rel, target)

    by_source: dict[str, list] = {}
    for source, rel in RECORDED:
        # the local test instance's timeline recordings carry no Date header: they were recorded
        # in the same session as its instance call (2026-08-01T13:55:50Z)
        fallback = datetime(2026, 8, 1, 13, 55, 50, tzinfo=UTC)
        by_source.setdefault(source, []).extend(
            from_recorded_responses(real / rel, source, default_fetched_at=fallback)
        )
    for source, records in by_source.items():
        dst = out / source / f"{source}_recorded_fixtures.jsonl.gz"
        counts[dst.name] = write_archive(dst, records)

    # TikTok: the unofficial web item-list shape and the tiktok-scraper trending snapshot.
    tiktok = real / "fixtures" / "tiktok"
    items = json.loads((tiktok / "tiktok_web_itemlist_10_2021-08.json").read_text())
    scraper = json.loads(
        (tiktok / "tiktok_trending_1000_2020-12-21_tiktok-scraper.json").read_text()
    )
    records = [
        # fetch time from the CDN request ids in the items (l=20210809070103...)
        record(
            "tiktok",
            "api/recommend/item_list",
            {"count": len(items)},
            datetime(2021, 8, 9, 7, 1, 3, tzinfo=UTC),
            {"itemList": items, "hasMore": False},
        ),
        # the scrape time per the README of the source data set (~2020-12-21 15:57 UTC)
        record(
            "tiktok",
            "scraper/trending",
            {"number": len(scraper)},
            datetime(2020, 12, 21, 15, 57, tzinfo=UTC),
            {"collector": scraper},
        ),
    ]
    for name in ("example_resp_q_videos", "example_resp_comments", "example_resp_q_user"):
        body = json.loads((tiktok / "research_api_doc_examples" / f"{name}.json").read_text())
        endpoint = {
            "example_resp_q_videos": "v2/research/video/query/",
            "example_resp_comments": "v2/research/video/comment/list/",
            "example_resp_q_user": "v2/research/user/info/",
        }[name]
        records.append(
            record(
                "tiktok",
                endpoint,
                {"doc_example": True},
                datetime(2023, 1, 13, 2, 46, 58, tzinfo=UTC),
                body,
            )
        )
    dst = out / "tiktok" / "tiktok_real_fixtures.jsonl.gz"
    counts[dst.name] = write_archive(dst, records)
    return counts


if __name__ == "__main__":
    real_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    for name, n in build(real_dir, out_dir).items():
        print(f"{n:6d} lines  {name}")
