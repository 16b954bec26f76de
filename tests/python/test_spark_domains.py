"""The domain harvester builds the same on Spark as on DuckDB, Python stages included.

The same archives are landed on DuckDB and on a two-worker standalone cluster (spark_fixture.py):
the bundled sample's comments (YouTube comment threads of two music videos, TikTok Research API
comment pages), its Mastodon public timelines (statuses are harvested too), and one small file of
video data for commented videos (a real YouTube chart line and the TikTok Research API's
documented video query example, their video ids set to ids the comments are about, so the domain
marts' video join has rows to join). On each target:

1. `dbt run` of the domain lineage (DOMAIN_MODELS in trendcast/spark.py): `domains.comment`,
   which the extraction reads;
2. the Python extraction (`extract_mentions`), through `connect(settings, spark_ready=True)`:
   on Spark it reads through Arrow and writes with `write_df` / `delete_keys` (rewrites of
   Parquet tables); then `dbt run` of what reads its tables (`source:domains_extracted+`);
3. the enrichment (`enrich_pending`, which reads `domains.domain`), then the same `dbt run`.
   Enrichment asks no network: its per-domain check is replaced by a fixed answer (the HTTP,
   DNS and WHOIS code is the same Python on every target; tests/python/test_domains_enrich.py
   tests it against loopback servers). Both stages run on a fixed clock, so their timestamps
   are compared too.

Every table of DOMAIN_TABLES is then compared with DuckDB's (row count, key set, checksum of
the normalised rows), and the test checks that the data exercises what is compared.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.dbt import run_dbt
from tests.python.spark_fixture import cluster_session
from tests.python.spark_fixture import reset as _reset
from tests.python.test_spark import _assert_same_tables
from trendcast.archive import write_archive
from trendcast.landing import load_paths
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.spark import DOMAIN_MODELS, DOMAIN_TABLES
from trendcast.warehouse import Warehouse, connect

pytestmark = pytest.mark.spark

SAMPLE = PROJECT_DIR / "data" / "sample"
CLOCK = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
# the videos the sample's comments are about (the YouTube files' names; the first TikTok call)
YOUTUBE_VIDEOS = ["9bZkp7q19f0", "CevxZvSJLk8"]
TIKTOK_VIDEO = 6835083002352028930
# what reads the tables the Python stages write, rebuilt after each stage
EXTRACTED_MODELS = ["run", "--select", "source:domains_extracted+"]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A session on a fresh two-worker standalone cluster, with its own warehouse folder."""
    with cluster_session(tmp_path_factory.mktemp("spark_domains")) as session:
        yield session


def _first_line(path: Path, endpoint: str) -> dict[str, Any]:
    with gzip.open(path, "rt") as lines:
        return next(r for r in map(json.loads, lines) if r["endpoint"].startswith(endpoint))


def _videos_archive(out: Path) -> Path:
    """Video data for commented videos: real lines with their video ids replaced."""
    chart = _first_line(
        SAMPLE / "youtube" / "youtube_mostpopular_US_2025-09-01_2025-10-27.jsonl.gz",
        "youtube/v3/videos",
    )
    items = chart["response"]["items"][: len(YOUTUBE_VIDEOS)]
    for item, video_id in zip(items, YOUTUBE_VIDEOS, strict=True):
        item["id"] = video_id
    chart["response"]["items"] = items
    query = _first_line(SAMPLE / "tiktok" / "tiktok_real_fixtures.jsonl.gz", "v2/research/video")
    video = query["response"]["data"]["videos"][0]
    video["video_id"] = TIKTOK_VIDEO
    query["response"]["data"]["videos"] = [video]
    path = out / "commented_videos.jsonl"
    write_archive(path, [chart, query])
    return path


class _Clock(datetime):
    """`datetime` whose now() is CLOCK: the stages' timestamps are the same on both targets."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return CLOCK


def _checked(domain: str, config: Any) -> dict[str, Any]:
    """A fixed answer per domain in enrich_domain's shape (no network)."""
    reachable = len(domain) % 2 == 0
    return {
        "domain_name": domain,
        "metadata": {
            "http": {"reachable": reachable, "status": 200 if reachable else None},
            "dns": {"a": ["192.0.2.7"] if reachable else []},
            "whois": {"registrar": None},
        },
        "is_reachable": reachable,
        "error": None if reachable else "dns: NXDOMAIN",
    }


def _extract(wh: Warehouse) -> dict[str, Any]:
    """Extraction with one stale mention it must delete, then a second run with nothing to do."""
    from trendcast.domains.store import SCHEMA, extract_mentions, mentions_table

    # a comment without a domain, with a mention left by an older scan of another text: the
    # rescan finds none, so only delete_keys can remove the stale row
    stale_key = wh.scalar(
        "select comment_key from domains.comment where comment_text not like '%.%' "
        "and comment_text not like '%dot%' order by comment_key limit 1"
    )
    stale = mentions_table([stale_key], ["an old text with etsy.com"], CLOCK)
    assert stale.num_rows == 1
    wh.write_df(stale, SCHEMA, "mentions")
    first = extract_mentions(wh)
    again = extract_mentions(wh)
    left = wh.scalar(f"select count(*) from {SCHEMA}.mentions where comment_key = ?", [stale_key])
    scanned = wh.scalar(
        f"select mentions from {SCHEMA}.scanned_comments where comment_key = ?", [stale_key]
    )
    return {
        "scanned": first["comments_scanned"],
        "found": first["mentions_found"],
        "rescanned": again["comments_scanned"],
        "stale_left": (left, scanned),
    }


def _enrich(wh: Warehouse) -> list[dict[str, Any]]:
    """Two runs: the second skips the domains the first checked (within the TTL), and its
    limit leaves some domains never checked (the marts' rows without enrichment)."""
    from trendcast.domains.enrich import EnrichConfig, enrich_pending

    config = EnrichConfig(ttl_hours=24.0)
    return [enrich_pending(wh, config, limit=limit) for limit in (100, 30)]


def _build(settings: Settings, files: list[Path], full_refresh: list[str]) -> dict[str, Any]:
    """Land `files`, build, extract, rebuild, enrich, rebuild: the pipeline's order."""
    if settings.target == "spark":
        from trendcast.landing.spark import load_paths_spark
        from trendcast.spark import spark_session

        landed = load_paths_spark(spark_session(), files)
        assert landed and all(r.reconciles and not r.skipped for r in landed)
    else:
        with connect(settings) as wh:
            load_paths(wh, files)
    run_dbt([*DOMAIN_MODELS, *full_refresh], settings)
    with connect(settings, spark_ready=True) as wh:
        extracted = _extract(wh)
    run_dbt(EXTRACTED_MODELS, settings)
    with connect(settings, spark_ready=True) as wh:
        enriched = _enrich(wh)
    run_dbt(EXTRACTED_MODELS, settings)
    return {**extracted, "enriched": enriched}


def test_spark_builds_the_same_domain_marts(
    spark: Any,
    duckdb_warehouse: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Comments landed, domain lineage built, mentions extracted and domains enriched on Spark
    (the Python stages on SparkWarehouse), marts built again: every table equals DuckDB's."""
    import trendcast.domains.enrich as enrich
    import trendcast.domains.store as store

    monkeypatch.setattr(store, "datetime", _Clock)
    monkeypatch.setattr(enrich, "datetime", _Clock)
    monkeypatch.setattr(enrich, "enrich_domain", _checked)
    files = [
        *sorted((SAMPLE / "comments").glob("*.jsonl.gz")),
        *sorted((SAMPLE / "mastodon").glob("*.jsonl.gz")),
        _videos_archive(tmp_path),
    ]

    on_duckdb = _build(duckdb_warehouse, files, ["--full-refresh"])
    _reset(spark)
    on_spark = _build(Settings.from_env("spark"), files, [])

    assert on_spark == on_duckdb
    assert on_spark["scanned"] > 0 and on_spark["found"] > 0 and on_spark["rescanned"] == 0
    assert on_spark["stale_left"] == (0, 0)
    assert [run["checked"] for run in on_spark["enriched"]] == [100, 30]

    _assert_same_tables(spark, duckdb_warehouse, DOMAIN_TABLES)
    # the paths compared have data to differ on: the rows would be equal but empty otherwise
    with connect(duckdb_warehouse) as wh:
        covered = wh.query(
            "select"
            " (select count(distinct platform) from domains.domain_mention),"
            " (select count(*) from domains.domain where is_suspicious),"
            " (select count(*) from domains.domain where subdomain is not null),"
            " (select count(*) from domains.domain where is_verified),"
            " (select count(*) from domains.domain where not is_verified and metadata is not null),"
            " (select count(*) from domains.domain where metadata is null),"
            " (select count(*) from domains.video where title is not null),"
            " (select count(*) from domains.video where metadata like '%null%'),"
            " (select count(*) from domains.v_videos_with_domains where domains like '%, %'),"
            " (select count(*) from domains.v_comments_with_domains where platform = 'mastodon'),"
            " (select count(*) from domains.v_domains_new_today),"
            " (select count(*) from domains.v_domains_recent_activity)"
        )[0]
    assert all(n > 0 for n in covered), covered
