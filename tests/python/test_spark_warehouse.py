"""The Spark `Warehouse` (trendcast/spark_warehouse.py) on a local[1] session: `?` parameters,
write_df's upsert / append / new-column semantics by rewrite, table_exists / columns, the
version folders behind the one-step location switch, and the driver bound of training_df.

Marked `spark` (`make test-spark`): a local session costs a JVM start; no cluster.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from tests.python.spark_fixture import local_env
from trendcast.settings import Settings, SettingsError

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from trendcast.warehouse import connect

    with (
        local_env(tmp_path_factory.mktemp("spark_wh")),
        connect(Settings.from_env("spark"), spark_ready=True) as warehouse,
    ):
        warehouse.spark.sparkContext.setLogLevel("ERROR")
        yield warehouse


def test_question_mark_parameters_are_bound_not_formatted(wh: Any) -> None:
    hostile = "x' or '1'='1"
    row = wh.query("select ? as a, ? as b, ? as c, ? as d", [7, hostile, date(2025, 1, 2), None])
    assert row == [(7, hostile, date(2025, 1, 2), None)]
    wh.write_df(pd.DataFrame({"name": ["a", hostile], "n": [1, 2]}), "unit", "params")
    assert wh.query("select n from unit.params where name = ?", [hostile]) == [(2,)]
    assert wh.scalar("select count(*) from unit.params where name = ?", ["x"]) == 0
    df = wh.query_df("select n from unit.params where n >= ? order by n", [1])
    assert df["n"].tolist() == [1, 2]


def test_write_df_upserts_by_key_appends_and_adds_columns(wh: Any) -> None:
    ts = pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]).tz_localize("UTC")
    first = pd.DataFrame(
        {"k": ["a", "b", None], "v": [1.5, 2.5, 3.5], "ts": ts, "d": [date(2025, 1, 1)] * 3}
    )
    assert not wh.table_exists("unit", "upsert")
    assert wh.columns("unit", "upsert") == []
    assert wh.write_df(first, "unit", "upsert", key_columns=["k"]) == 3
    assert wh.table_exists("unit", "upsert") and not wh.table_exists("nowhere", "upsert")
    assert wh.columns("unit", "upsert") == ["k", "v", "ts", "d"]

    # same keys (NULL matches NULL, as `is not distinct from` on DuckDB) replace; a new column
    second = pd.DataFrame({"k": ["b", None, "c"], "v": [20.0, 30.0, 40.0], "flag": [True] * 3})
    assert wh.write_df(second, "unit", "upsert", key_columns=["k"]) == 3
    assert wh.columns("unit", "upsert") == ["k", "v", "ts", "d", "flag"]
    got = {r[0]: r[1:] for r in wh.query("select k, v, ts, flag from unit.upsert")}
    assert got == {
        "a": (1.5, datetime(2025, 1, 1, tzinfo=UTC), None),
        "b": (20.0, None, True),
        None: (30.0, None, True),
        "c": (40.0, None, True),
    }

    # no key: append; an empty frame changes no row but still adds its columns
    assert wh.write_df(second[["k", "v"]], "unit", "upsert") == 3
    assert wh.scalar("select count(*) from unit.upsert") == 7
    empty = pd.DataFrame({"k": pd.Series([], dtype=str), "note": pd.Series([], dtype=str)})
    assert wh.write_df(empty, "unit", "upsert", key_columns=["k"]) == 0
    assert wh.columns("unit", "upsert")[-1] == "note"
    assert wh.scalar("select count(*) from unit.upsert") == 7
    # an upsert replaces every stored row of its keys (the appended copies too), then is idempotent
    wh.write_df(second, "unit", "upsert", key_columns=["k"])
    assert wh.scalar("select count(*) from unit.upsert") == 4
    wh.write_df(second, "unit", "upsert", key_columns=["k"])
    assert wh.scalar("select count(*) from unit.upsert") == 4


def test_each_write_is_a_new_version_and_two_are_kept(wh: Any) -> None:
    for i in range(4):
        wh.write_df(pd.DataFrame({"k": [1], "v": [i]}), "unit", "versions", key_columns=["k"])
    versions = wh.versions("unit", "versions")
    assert len(versions) == 2
    location = wh.query("describe table extended unit.versions")
    path = next(r[1] for r in location if r[0] == "Location")
    assert path.rstrip("/").endswith(versions[-1])
    assert wh.query("select v from unit.versions") == [(3,)]


def test_transaction_does_not_roll_back_on_spark(wh: Any) -> None:
    """Documented: no transactions on Parquet; a write before a failure stays (docs/SPARK.md)."""
    with pytest.raises(RuntimeError), wh.transaction():
        wh.write_df(pd.DataFrame({"k": [1]}), "unit", "no_tx")
        raise RuntimeError("stage failed after its first write")
    assert wh.scalar("select count(*) from unit.no_tx") == 1


def test_training_df_is_bounded_by_a_deterministic_hash_sample(
    wh: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = pd.DataFrame(
        {"region_code": ["x", "y"] * 500, "video_id": [f"v{i:04d}" for i in range(1000)]}
    )
    rows["n"] = range(1000)
    wh.write_df(rows, "unit", "mart")
    sql = "select * from unit.mart where n >= ? order by n desc"
    key = ["region_code", "video_id"]
    whole = wh.training_df(sql, [0], key, max_rows=5000)
    assert len(whole) == 1000 and whole.attrs["sample"] == {"rows": 1000, "of": 1000, "bound": 5000}
    with caplog.at_level(logging.WARNING, logger="trendcast.spark_warehouse"):
        sample = wh.training_df(sql, [0], key, max_rows=100)
    assert len(sample) == 100 and sample.attrs["sample"] == {"rows": 100, "of": 1000, "bound": 100}
    assert "100 of 1000 rows" in caplog.text
    assert sample["n"].is_monotonic_decreasing  # the query's order is kept
    assert sample["n"].min() < 300 and sample["n"].max() > 700  # spread, not the first rows
    # the same rows whatever order the table was written in: picked by the hash of the key
    wh.write_df(rows.iloc[::-1], "unit", "mart_reversed")
    again = wh.training_df(sql.replace("unit.mart", "unit.mart_reversed"), [0], key, max_rows=100)
    assert again["n"].tolist() == sample["n"].tolist()
    # the setting: read at call time, a positive whole number
    monkeypatch.setenv("TRENDCAST_SPARK_MAX_TRAIN_ROWS", "50")
    assert len(wh.training_df(sql, [0], key)) == 50
    monkeypatch.setenv("TRENDCAST_SPARK_MAX_TRAIN_ROWS", "many")
    with pytest.raises(SettingsError):
        wh.training_df(sql, [0], key)
