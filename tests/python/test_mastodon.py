"""Mastodon analytics end to end on a hand-made event log (tests/python/mastodon_fixture.py):
incremental batches equal a replay of the whole log, composite keys, version chains whatever the
arrival order, soft delete, trending scores against hand-computed values, sentiment audit, and
redaction. On DuckDB and Postgres. The retention test needs no dbt."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from flows.dbt import run_dbt
from flows.mastodon_flows import MASTODON_MODELS, mastodon_replay
from python_ml.mastodon.retention import apply_snapshot_retention
from python_ml.mastodon.sentiment import analyze_post_versions
from tests.python.conftest import _set_env, require_pg
from tests.python.mastodon_fixture import DELETED_TEXT, V1, V2, V3, write_files
from trendcast.landing import load_paths
from trendcast.settings import Settings
from trendcast.warehouse import connect

pytestmark = pytest.mark.slow

TABLES = [
    "instances", "stream_events", "posts", "post_metric_snapshots", "post_versions", "hashtags",
    "post_hashtags", "hashtag_hourly_stats", "trending_hashtags", "post_velocity",
    "fast_rising_posts", "post_sentiments", "post_sentiment_changes", "daily_summaries",
]  # fmt: skip


# Speed: dbt re-parses the whole project (~20 s idle, minutes on a busy machine) whenever the
# profile differs from the last parse in its target folder, and a warehouse path or database
# name is part of the profile. So this module's tests reuse one DuckDB path and one Postgres
# database name per session (emptied before each test, so every test still starts from nothing),
# each target with its own dbt target folder: after the first test of a target, dbt parses
# partially.
@pytest.fixture(scope="session")
def _stable_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mastodon-stable")


def _target_dir(monkeypatch: pytest.MonkeyPatch, stable: Path, target: str) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(stable / f"dbt-target-{target}"))


@pytest.fixture
def duckdb_warehouse(_stable_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """An empty DuckDB warehouse at this module's one path (see above)."""
    path = _stable_dir / "warehouse.duckdb"
    for p in _stable_dir.glob("warehouse.duckdb*"):
        p.unlink()
    monkeypatch.setenv("TRENDCAST_TARGET", "duckdb")
    monkeypatch.setenv("TRENDCAST_DUCKDB_PATH", str(path))
    settings = Settings.from_env("duckdb")
    _set_env(monkeypatch, settings)
    _target_dir(monkeypatch, _stable_dir, "duckdb")
    return settings


@pytest.fixture
def pg_warehouse(_stable_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """An empty Postgres database under this module's one name (see above), dropped after."""
    import psycopg

    require_pg()
    base = Settings.from_env("postgres")
    # one name per session and worker process (xdist workers run tests side by side)
    name = f"trendcast_tmp_mastodon_{os.getpid()}"
    admin = dict(host=base.pg_host, port=base.pg_port, user=base.pg_user,
                 password=base.pg_password or None, dbname="postgres", autocommit=True)  # fmt: skip
    with psycopg.connect(**admin) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}")
    settings = replace(base, pg_dbname=name)
    _set_env(monkeypatch, settings)
    _target_dir(monkeypatch, _stable_dir, "postgres")
    try:
        yield settings
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f"drop database if exists {name} with (force)")


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Settings:
    return request.getfixturevalue(f"{'duckdb' if request.param == 'duckdb' else 'pg'}_warehouse")


def _land(settings: Settings, path: Path) -> None:
    with connect(settings) as wh:
        load_paths(wh, [path])


def _run(settings: Settings, *select: str) -> None:
    """Build the models and the seed they read, without the data tests (the replay runs them)."""
    selection = list(select or MASTODON_MODELS)
    run_dbt(["build", "--exclude-resource-type", "test", "--select", *selection], settings)


def _analyze(settings: Settings):
    with connect(settings) as wh:
        return analyze_post_versions(wh)


def _snapshot(settings: Settings) -> dict[str, pd.DataFrame]:
    out = {}
    with connect(settings) as wh:
        for t in TABLES:
            df = wh.query_df(f"select * from mastodon.{t}")
            df = df.reindex(sorted(df.columns), axis=1).astype(str)
            out[t] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def _query(settings: Settings, sql: str) -> list[tuple]:
    with connect(settings) as wh:
        return [tuple(r) for r in wh.query(sql)]


def test_mastodon_incremental_equals_replay(warehouse: Settings, tmp_path: Path) -> None:
    first, *later = write_files(tmp_path / "archive")
    _land(warehouse, first)
    _run(warehouse)
    counts = [_analyze(warehouse)]
    for path in later:  # the /history and the delete, then the re-fetch: two more batches
        _land(warehouse, path)
    _run(warehouse)  # incremental: parses only the new batches
    counts += [_analyze(warehouse), _analyze(warehouse)]
    run_dbt(["run", "--select", "stg_ml__mastodon_post_sentiments+"], warehouse)
    incremental = _snapshot(warehouse)

    # composite keys: the same id on two instances is two posts
    posts = {
        (r[0], r[1]): r[2:]
        for r in _query(
            warehouse,
            "select instance, status_id, content_text, is_deleted, deleted_at is not null, "
            "favourites_count from mastodon.posts",
        )
    }
    assert posts[("alpha.social", "100")][0].startswith("alpha hello")
    assert posts[("beta.social", "100")][0].startswith("beta hallo")

    # the version chain of alpha/300: the stream showed v1 and v3, the later /history added v2
    chain = _query(
        warehouse,
        "select version_seq, valid_from, valid_to, content_text, is_current "
        "from mastodon.post_versions where instance = 'alpha.social' and status_id = '300' "
        "order by version_seq",
    )
    assert [r[3] for r in chain] == [V1, V2, V3]
    assert [r[0] for r in chain] == [1, 2, 3]
    assert [r[4] for r in chain] == [False, False, True]
    assert chain[0][2] == chain[1][1] and chain[1][2] == chain[2][1] and chain[2][2] is None

    # delete, then a re-fetch after it: still deleted; the re-fetch's counts are kept
    assert posts[("alpha.social", "200")][1:4] == (True, True, 9)
    live_tags = _query(
        warehouse, "select status_id from mastodon.post_hashtags where tag_name = 'cats'"
    )
    assert ("200",) not in live_tags and ("100",) in live_tags
    counted = _query(
        warehouse,
        "select sum(post_count), sum(deleted_post_count) from mastodon.hashtag_hourly_stats "
        "where instance = 'alpha.social' and tag_name = 'cats'",
    )
    assert counted == [(2, 1)]  # aggregates keep the deleted post

    # events that cannot be processed are kept and counted
    errors = _query(
        warehouse,
        "select event_type, process_error from mastodon.stream_events "
        "where process_error is not null order by event_type",
    )
    assert [e[0] for e in errors] == ["delete", "unreadable"]
    assert errors[0][1] == "payload without a status id"

    # velocity: alpha/100 went from 1 to 60 favourites in the hour before the latest sighting
    rising = _query(warehouse, "select instance, status_id, favourites_gained_last_hour "
                    "from mastodon.fast_rising_posts")  # fmt: skip
    assert rising == [("alpha.social", "100", 59)]

    # sentiment: each run analysed only what was new, the same input hash never twice
    assert counts[1].analyzed == 1  # the middle version of alpha/300 from /history
    assert counts[1].unchanged == counts[0].versions - 1  # alpha/200 was deleted since
    assert counts[2].analyzed == 0 and counts[2].unchanged == counts[2].versions
    changes = _query(
        warehouse,
        "select previous_label, sentiment_label from mastodon.post_sentiment_changes "
        "where instance = 'alpha.social' and status_id = '300' order by status_version_seq",
    )
    assert changes == [("positive", "neutral"), ("neutral", "negative")]
    audit = _query(
        warehouse,
        "select analysis_status, count(*), count(distinct input_hash), sum(case when is_reused "
        "then 1 else 0 end) from mastodon.post_sentiments group by 1 order by 1",
    )
    by_status = {r[0]: r[1:] for r in audit}
    assert by_status["unsupported_language"][0] == 1  # beta/100 is German: no guess
    assert by_status["analyzed"][2] > 0  # the identical #surge texts reuse one analysis

    # replay re-derives every table from the event log and gives the same tables
    mastodon_replay(target=warehouse.target)
    replayed = _snapshot(warehouse)
    for t in TABLES:
        pd.testing.assert_frame_equal(incremental[t], replayed[t], obj=t)

    daily = _query(warehouse, "select input_hash from mastodon.daily_summaries order by 1")
    assert [r[0] for r in daily] == sorted(incremental["daily_summaries"]["input_hash"])
    _check_trending_by_hand(warehouse)


def _check_trending_by_hand(settings: Settings) -> None:
    rows = {
        (r[0], int(r[1])): r[2:]
        for r in _query(
            settings,
            "select tag_name, extract(hour from hour_start), spike_score, growth_4h_vs_20h, "
            "mastodon_raw_score, mastodon_score, trendcast_score, mastodon_rank "
            "from mastodon.trending_hashtags where instance = 'gamma.social' "
            "and cast(hour_start as date) = date '2025-03-01'",
        )
    }
    spike, growth, raw, score, burst, rank = rows[("surge", 10)]
    # 6 posts against 2 the same hour a day before: (6 - 2) / (2 + 1)
    assert spike == pytest.approx(4 / 3)
    assert growth == pytest.approx((6 / 4) / (1 / 20))
    # Mastodon: 6 accounts today against 2 yesterday: (6 - 2)^2 / 2, kept as the maximum ...
    assert raw == pytest.approx(8.0) and score == pytest.approx(8.0) and rank == 1
    # ... and decayed with a 4-hour half-life: half at 14:00, 2^-0.5 at 12:00
    assert rows[("surge", 14)][3] == pytest.approx(4.0)
    assert rows[("surge", 12)][3] == pytest.approx(8.0 * 2**-0.5)
    # the spike decays by half an hour-step: 11:00 carries half of 10:00's ratio
    assert rows[("surge", 11)][0] == pytest.approx(2 / 3)
    # trendcast: 6 accounts in 2 hours against none in the 22 before (rate prior: half an
    # account in 22 hours), as the Poisson log-likelihood ratio
    rate = 2 * 0.5 / 22
    assert burst == pytest.approx(6 * math.log(6 / rate) - (6 - rate))
    # #few: 4 accounts, under Mastodon's threshold of 5, so 0 however sudden
    assert rows[("few", 10)][2:4] == (0.0, 0.0)
    assert rows[("few", 10)][4] > 0  # while the burst model sees it


def test_mastodon_out_of_order_arrival_builds_the_same_chain(
    duckdb_warehouse: Settings, tmp_path: Path
) -> None:
    first, second, third = write_files(tmp_path / "archive")
    for batch in ([third, second], [first]):  # the re-fetch and /history first, the stream last
        for path in batch:
            _land(duckdb_warehouse, path)
        _run(duckdb_warehouse, "+mastodon__post_versions", "+mastodon__posts")
    chain = _query(
        duckdb_warehouse,
        "select version_seq, content_text, valid_to is null from mastodon.post_versions "
        "where instance = 'alpha.social' and status_id = '300' order by version_seq",
    )
    assert chain == [(1, V1, False), (2, V2, False), (3, V3, True)]
    deleted = _query(
        duckdb_warehouse,
        "select is_deleted, favourites_count from mastodon.posts "
        "where instance = 'alpha.social' and status_id = '200'",
    )
    assert deleted == [(True, 9)]  # the re-fetch landed before the delete: deleted all the same


def test_mastodon_redaction_leaves_no_deleted_text(
    warehouse: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.mastodon_flows import mastodon_sentiment

    monkeypatch.setenv("TRENDCAST_MASTODON_REDACT_DELETED", "true")
    first, *later = write_files(tmp_path / "archive")
    _land(warehouse, first)  # the text lands (and is built) before the delete arrives
    _run(warehouse)
    for path in later:
        _land(warehouse, path)
    _run(warehouse)
    result = mastodon_sentiment(target=warehouse.target)
    assert result["raw_lines_redacted"] == 2  # the first timeline page and the re-fetch
    found = []
    with connect(warehouse) as wh:
        text = "varchar" if warehouse.target == "duckdb" else "text"
        columns = wh.query(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('raw', 'staging', 'intermediate', 'mastodon', 'ml')"
        )
        assert len({(s, t) for s, t, _ in columns}) > 20
        for schema, table, column in columns:
            n = wh.scalar(
                f"select count(*) from {schema}.{table} "
                f"where cast({column} as {text}) like '%{DELETED_TEXT}%'"
            )
            if n:
                found.append(f"{schema}.{table}.{column}")
        # counts stay: the deleted post is still counted and its snapshots kept
        assert (
            wh.scalar(
                "select count(*) from mastodon.post_metric_snapshots "
                "where instance = 'alpha.social' and status_id = '200'"
            )
            == 2
        )
    assert found == []


def test_mastodon_snapshot_retention_dry_run_then_apply(duckdb_warehouse: Settings) -> None:
    as_of = datetime(2025, 6, 1, 12, tzinfo=UTC)
    rows = []
    for age_days in (1, 10, 40):  # 4 sightings in each of two hours of one day
        for hour in range(2):
            for k in range(4):
                t = as_of - timedelta(days=age_days, hours=hour) + timedelta(minutes=10 * k)
                rows.append(
                    {"status_id": "1", "instance": "a", "fetched_at": t.replace(tzinfo=None)}
                )
    with connect(duckdb_warehouse) as wh:
        wh.write_df(pd.DataFrame(rows), "mastodon", "post_metric_snapshots")
        dry = apply_snapshot_retention(wh, as_of=as_of)
        assert (dry.rows, dry.delete_hourly_tier, dry.delete_daily_tier) == (24, 6, 7)
        assert wh.scalar("select count(*) from mastodon.post_metric_snapshots") == 24
        done = apply_snapshot_retention(wh, as_of=as_of, dry_run=False)
        assert done.deleted == 13
        kept = wh.query(
            "select fetched_at from mastodon.post_metric_snapshots where fetched_at < ? order by 1",
            [(as_of - timedelta(days=7)).replace(tzinfo=None)],
        )
        # the last sighting of each hour (10 days old) and of the day (40 days old)
        assert len(kept) == 3
