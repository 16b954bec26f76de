"""The Spark target builds the same Mastodon marts and X staging as DuckDB, on a real cluster.

The same archives are landed on DuckDB and on a two-worker standalone cluster (spark_fixture's
`cluster_session`), the Mastodon marts (models/marts/mastodon) with their whole lineage, the
Mastodon staging and the X staging are built on both (`SOCIAL_SEEDS` / `SOCIAL_MODELS`,
trendcast/spark.py), and every table of `SOCIAL_TABLES` is compared as test_spark.py compares
the star schema: row count, key set, and a checksum of the normalised rows.

The archives: the bundled sample's Mastodon archives (real public timelines, recorded REST,
trends and /history responses) and X archives (real timeline pages and count buckets), three
simulated Mastodon hours (streaming updates, edits and deletes, tag timelines re-fetched, with
malformed and duplicate lines), and a few streaming and REST lines written here for what neither
holds: a boost (`reblog` is an object: json_type_of), posts whose text ends in an ideographic or a
no-break space (html_to_text's trim), an English post edited from praise to complaint (a
sentiment change) and a post re-fetched an hour later with 90 more favourites (a fast riser).

The Mastodon sentiment stage (python_ml/mastodon/sentiment.py, which writes
ml.mastodon_post_sentiments) runs on each target's warehouse through `connect()` after the build,
with the same clock, then the models that read it are built again on both: the sentiment marts
are compared with rows, not only empty.

Marked `spark` (`make test-spark`). Needs the `spark` extra and Java 17; under CI=true a missing
one fails instead of skipping.
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
from tests.python.test_spark import (
    _assert_same_landing,
    _assert_same_tables,
    _build_duckdb,
    _build_spark,
)
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.simulator import Imperfections, SimConfig, simulate
from trendcast.spark import SOCIAL_MODELS, SOCIAL_SEEDS, SOCIAL_TABLES, SOCIAL_UNCOMPARED
from trendcast.warehouse import connect

SAMPLE = PROJECT_DIR / "data" / "sample"
# the clock of the sentiment stage on both targets (analyzed_at is compared)
ANALYZED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
# the models that read ml.mastodon_post_sentiments, built again once the stage has written it
SENTIMENT_MODELS = ["run", "--select", "stg_ml__mastodon_post_sentiments+"]


def _status(n: int, content: str, **fields: Any) -> dict[str, Any]:
    """A Mastodon Status entity (the fields staging reads), id and times from `n`."""
    status = {
        "id": f"1113000000000000{n:02d}",
        "created_at": f"2023-10-21T10:{n:02d}:00.000Z",
        "edited_at": None,
        "account": {"id": f"90{n}", "acct": f"user{n}"},
        "language": "ja",
        "visibility": "public",
        "uri": f"https://mastodon.social/users/user{n}/statuses/{n}",
        "url": f"https://mastodon.social/@user{n}/{n}",
        "content": content,
        "spoiler_text": "",
        "in_reply_to_id": None,
        "reblog": None,
        "replies_count": 1,
        "reblogs_count": 2,
        "favourites_count": 3,
        "tags": [],
        "mentions": [],
    }
    status.update(fields)
    return status


def _line(endpoint: str, instance: str, fetched_at: str, response: Any) -> str:
    params = {"instance": instance, **({"stream": "public"} if "streaming" in endpoint else {})}
    return json.dumps(
        {
            "source": "mastodon",
            "endpoint": endpoint,
            "params": params,
            "fetched_at": fetched_at,
            "response": response,
        },
        ensure_ascii=False,
    )


def _written_lines() -> list[str]:
    """Streaming and REST lines for the cases the sample and the simulator do not hold."""
    boosted = _status(
        1,
        "<p>Boosted &amp; shared</p>",
        language="en",
        account={"id": "901", "acct": "origin@example.org"},
        uri="https://example.org/users/origin/statuses/1",
        url="https://example.org/@origin/1",
    )
    boost = _status(2, "", reblog=boosted, url=None, favourites_count=0)
    praise = _status(5, "<p>What a wonderful, lovely day! I love it.</p>", language="en")
    complaint = dict(
        praise,
        content="<p>What a terrible, awful day. I hate it.</p>",
        edited_at="2023-10-21T10:05:20.000Z",
    )
    stream = "api/v1/streaming/public"

    def update(status: dict[str, Any], event: str = "update", second: str = "01") -> str:
        at = f"2023-10-21T10:{status['id'][-2:]}:{second}Z"
        response = {"stream": ["public"], "event": event, "payload": status}
        return _line(stream, "mastodon.social", at, response)

    riser = _status(6, "<p>Rising</p>", language="en", favourites_count=10)
    rest = f"api/v1/statuses/{riser['id']}"
    return [
        update(boost),
        update(_status(3, "<p>夜の散歩\u3000</p>")),
        update(_status(4, "<p>\u00a0Ende&nbsp;gut\u00a0</p>", language="de")),
        update(praise),
        update(complaint, "status.update", "30"),
        _line(rest, "social.example", "2023-10-21T11:00:00Z", riser),
        _line(rest, "social.example", "2023-10-21T12:00:00Z", dict(riser, favourites_count=100)),
    ]


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample's Mastodon and X files, three simulated Mastodon hours, the written lines."""
    out = tmp_path_factory.mktemp("spark_social")
    simulate(
        SimConfig(
            start=datetime(2025, 6, 1, tzinfo=UTC),
            hours=3,
            scale="tiny",
            events=1_500,
            seed=37,
            sources=("mastodon",),
            mastodon_statuses_per_day=4_000,
            imperfections=Imperfections(duplicate_line_rate=0.02, malformed_line_rate=0.02),
        ),
        out,
    )
    simulated = sorted((out / "mastodon").glob("*.jsonl.gz"))
    assert len(simulated) == 3
    written = out / "mastodon_written_cases.jsonl.gz"
    with gzip.open(written, "wt", encoding="utf-8") as f:
        f.write("\n".join(_written_lines()) + "\n")
    return [
        *sorted((SAMPLE / "mastodon").glob("*.jsonl.gz")),
        *sorted((SAMPLE / "x").glob("*.jsonl.gz")),
        *simulated,
        written,
    ]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A session on a fresh two-worker standalone cluster, with its own warehouse folder."""
    with cluster_session(tmp_path_factory.mktemp("spark")) as session:
        yield session


@pytest.mark.spark
def test_spark_builds_the_same_mastodon_and_x_models(
    spark: Any, archives: list[Path], duckdb_warehouse: Settings
) -> None:
    """The Mastodon marts with their lineage and the X staging equal DuckDB's, table by table
    (HTML to text, JSON type tests, edits, deletes, unreadable lines, trending scores, the
    sentiment stage's rows and the marts built on them)."""
    from python_ml.mastodon.sentiment import analyze_post_versions

    _build_duckdb(duckdb_warehouse, archives, SOCIAL_SEEDS, SOCIAL_MODELS)
    _build_spark(spark, archives, SOCIAL_SEEDS, SOCIAL_MODELS)
    _assert_same_landing(spark, duckdb_warehouse)

    # the sentiment stage on each warehouse, the same clock, then the models that read it
    spark_settings = Settings.from_env("spark")
    with connect(duckdb_warehouse) as wh:
        on_duckdb = analyze_post_versions(wh, now=ANALYZED_AT)
    with connect(spark_settings, spark_ready=True) as wh:
        on_spark = analyze_post_versions(wh, now=ANALYZED_AT)
    assert on_spark == on_duckdb
    assert on_duckdb.analyzed > 0 and on_duckdb.unsupported > 0, on_duckdb
    run_dbt(SENTIMENT_MODELS, duckdb_warehouse)
    run_dbt(SENTIMENT_MODELS, spark_settings)

    _assert_same_tables(spark, duckdb_warehouse, SOCIAL_TABLES, SOCIAL_UNCOMPARED)
    # the macros and rules compared here have data to differ on: equal but empty otherwise
    with connect(duckdb_warehouse) as wh:
        covered = wh.query(
            "select"
            # html_to_text: entities and tags in the text, and text ending in a Unicode space
            " (select count(*) from mastodon.posts where content_html like '%&amp;%'"
            "   and content_text like '%&%' and content_text not like '%&amp;%'),"
            " (select count(*) from mastodon.posts"
            "   where content_html like '%\u3000</p>' or content_html like '<p>\u00a0%'),"
            # json_type_of: a boost (reblog is an object) and plain posts
            " (select count(*) from staging.stg_mastodon__statuses where is_reblog),"
            " (select count(*) from staging.stg_mastodon__statuses where not is_reblog),"
            # edits (streaming status.update and /history), deletes, unreadable lines
            " (select count(*) from mastodon.post_versions where version_seq > 1),"
            " (select count(*) from staging.stg_mastodon__status_edits),"
            " (select count(*) from mastodon.posts where is_deleted),"
            " (select count(*) from mastodon.stream_events where not is_processed),"
            # the trending scores and velocity with non-zero values
            " (select count(*) from mastodon.trending_hashtags where trendcast_score > 0),"
            " (select count(*) from mastodon.trending_hashtags where growth_4h_vs_20h > 0),"
            " (select count(*) from mastodon.fast_rising_posts),"
            # sentiments, a label changed by an edit, X posts from both timelines and counts
            " (select count(*) from mastodon.post_sentiments where analysis_status = 'analyzed'),"
            " (select count(*) from mastodon.post_sentiment_changes),"
            " (select count(*) from staging.stg_x__post_counts where is_partial_bucket),"
            " (select count(distinct account_id) from staging.stg_x__posts)"
        )[0]
    assert all(n > 0 for n in covered[:-1]), covered
    assert covered[-1] > 1, covered
