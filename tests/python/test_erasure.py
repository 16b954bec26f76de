"""Erasure (docs/SECURITY.md): a person's ids and names are gone from every table and column
after `erase`, after a rebuild, and after an old archive holding them is loaded again."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from tests.python.conftest import SAMPLE_DIR, warehouse_copy
from trendcast.erasure import Redactor, Subject, erase, search
from trendcast.landing import load_paths
from trendcast.retention import unreconciled_batches
from trendcast.settings import Settings
from trendcast.warehouse import connect

MASTODON = SAMPLE_DIR / "mastodon"
PERSON = "mastodon:mastodonpy_test_2"


def test_redactor_cuts_the_persons_objects_and_follows_their_ids() -> None:
    subject = Subject.parse("x:someone")
    response = {
        "data": [
            {"id": "1", "author_id": "99", "text": "mine"},
            {"id": "2", "author_id": "7", "text": "hello @someone", "in_reply_to_user_id": "99"},
        ],
        "includes": {"users": [{"id": "99", "username": "someone", "name": "Some One"}]},
    }
    Redactor(subject).walk(response)  # the first pass learns the user id from the user object
    out = Redactor(subject).walk(response)
    assert out["data"] == [
        {
            "id": "2",
            "author_id": "7",
            "text": "hello @[redacted]",
            "in_reply_to_user_id": "[redacted]",
        }
    ]
    assert out["includes"]["users"] == []
    assert {"someone", "99", "1", "Some One"} <= subject.ids | subject.names
    # another person's fields that merely point at the subject are masked, not followed
    assert "7" not in subject.ids


def test_erase_raw_keeps_lines_and_tombstone_redacts_old_archive(
    warehouse: Settings, tmp_path: Path
) -> None:
    with connect(warehouse) as wh:
        load_paths(wh, [MASTODON])
        lines = wh.scalar("select count(*) from raw.api_responses")
        assert search(wh, ["mastodonpy_test_2"], ["raw"])  # present before
        subject = Subject.parse(PERSON)
        result = erase(wh, subject)
        assert result["raw_lines_redacted"] > 0 and result["objects_removed"] > 0
        needles = sorted(subject.ids | subject.names)
        assert len(needles) > 2  # the account id and post ids were found too
        assert search(wh, needles, ["raw"]) == []
        assert wh.scalar("select count(*) from raw.api_responses") == lines  # lines stay
        assert unreconciled_batches(wh) == []
        log = wh.query("select source, raw_lines_redacted, note from ops.erasure_log")
        assert log == [("mastodon", result["raw_lines_redacted"], "erase")]
        assert search(wh, needles, ["ops"]) == []  # counts only, never the data

        # an old archive delivered again under other bytes: a new batch, landed redacted
        old = next(MASTODON.glob("*.jsonl.gz"))
        again = tmp_path / "redelivered.jsonl.gz"
        again.write_bytes(gzip.compress(gzip.decompress(old.read_bytes()) + b"\n"))
        (batch,) = load_paths(wh, [again])
        assert not batch.skipped and batch.reconciles
        assert search(wh, needles, ["raw"]) == []


@pytest.fixture(params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest) -> Settings:
    """The session's built sample warehouse, on both targets (read it only: copy to change)."""
    return request.getfixturevalue(f"built_{request.param}")


def test_erase_everywhere_and_after_rebuild(built: Settings, tmp_path: Path) -> None:
    from flows.dbt import run_dbt
    from flows.lifecycle_flows import rebuild_selection

    subject = Subject.parse(PERSON)
    with warehouse_copy(built, tmp_path) as settings:
        text = "varchar" if settings.target == "duckdb" else "text"
        with connect(settings) as wh:
            # a Python-written table naming the person (ml.* cannot be rebuilt from raw)
            posts = wh.query(
                f"select distinct cast(status_id as {text}) from staging.stg_mastodon__statuses "
                "where account_acct = 'mastodonpy_test_2'"
            )
            assert posts, "the sample holds the person's posts"
            wh.write_df(
                pd.DataFrame({"item_id": [posts[0][0], "someone-else"], "score": [0.9, 0.1]}),
                "ml",
                "erasure_probe",
            )
            before = {table for table, _, _ in search(wh, ["mastodonpy_test_2"])}
            # present in raw, staging and the marts readers see (trends.creators' creator_id)
            assert {"raw.api_responses", "trends.creators"} <= before, before
            result = erase(wh, subject)
            assert result["ml_rows_deleted"] == {"ml.erasure_probe": 1}
            assert wh.scalar("select count(*) from ml.erasure_probe") == 1
            needles = sorted(subject.ids | subject.names)
            # every column of every table and view, before any rebuild: raw and ml are clean
            left = search(wh, needles)
            assert {t.split(".")[0] for t, _, _ in left} <= {"staging", "intermediate", "trends",
                "private", "mastodon", "domains", "core", "analytics", "ml_marts", "forecasting"}  # fmt: skip
        # the rebuild of everything that reads the source (full refresh: incremental models
        # would keep their rows) is the full rebuild as far as this person goes
        run_dbt(["run", "--full-refresh", *rebuild_selection("mastodon")], settings)
        with connect(settings) as wh:
            assert search(wh, needles) == []
            assert wh.scalar("select count(*) from trends.creators where platform = 'mastodon'")
            assert not wh.scalar(
                "select count(*) from trends.creators where creator_id like ?",
                ["%mastodonpy_test_2%"],
            )
