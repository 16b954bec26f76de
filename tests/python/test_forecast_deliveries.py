"""Post-count forecasting on deliveries nobody tuned for: an archive split by date and landed in two
deliveries, a window re-fetched later with fewer posts, pages of one fetch straddling an hour, an
archive too short (or a backtest window outside the data).

Every archive is cut from the bundled sample (data/sample/x, two months of real @elonmusk timeline
pages) into a tmp dir; nothing depends on its dates beyond "the first N days". The SQL tests run
on DuckDB and on Postgres (CI requires Postgres), like test_forecast_backtest.py; the CLI checks
of short histories are plain Python and run on DuckDB.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from trendcast.settings import PROJECT_DIR, Settings

SAMPLE_X = PROJECT_DIR / "data" / "sample" / "x" / "elonmusk_posts_2025-04-01_2025-06-01.jsonl.gz"
SELECT = (
    "+fct_post_counts_hourly +fct_post_counts_daily +raw_tweets +fct_post_count_features_hourly "
    "exogenous_events"
)
# the marts a delivery must leave equal to a one-shot build, with their keys
MARTS = {
    "fct_post_counts_daily": ["account_id", "bucket_start"],
    "fct_post_counts_hourly": ["account_id", "bucket_start"],
    "raw_tweets": ["post_id"],
    "fct_post_count_features_hourly": ["account_id", "bucket_start"],
}


# ---------------------------------------------------------------- archives cut from the sample


def _pages() -> list[dict]:
    with gzip.open(SAMPLE_X, "rt") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _days(pages: list[dict]) -> list[str]:
    return sorted({p["params"]["start_time"] for p in pages})


def _write(path: Path, pages: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as fh:
        for p in pages:
            fh.write(json.dumps(p) + "\n")
    return path


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(ts: datetime) -> str:
    return ts.isoformat()


def _straddled(pages: list[dict]) -> tuple[list[dict], str]:
    """The pages with the first multi-page window's pages moved to both sides of an hour: first
    page 5 s before its fetch time (e.g. 23:59:55), the continuation 5 s after (00:00:05)."""
    days = _days(pages)
    paged = next(d for d in days if sum(p["params"]["start_time"] == d for p in pages) > 1)
    out = []
    for p in pages:
        if p["params"]["start_time"] == paged:
            p = json.loads(json.dumps(p))
            shift = 5 if p["params"].get("pagination_token") else -5
            p["fetched_at"] = _iso(_ts(p["fetched_at"]) + timedelta(seconds=shift))
        out.append(p)
    return out, paged


# ---------------------------------------------------------------- warehouse helpers


def _land(settings: Settings, *paths: Path) -> None:
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        load_paths(wh, list(paths))


def _build(settings: Settings, *extra: str) -> None:
    from flows.dbt import run_dbt

    # models only (their data tests run in test_forecast_backtest / dbt build); lookback 0 so the
    # incremental raw_tweets really reads only what its watermark says is new
    args = [
        "build",
        "--select",
        SELECT,
        "--exclude-resource-type",
        "test",
        "unit_test",
        "--vars",
        "{lookback_hours: 0}",
        *extra,
    ]
    run = run_dbt(args, settings)
    assert run.success, run.failures


def _mart(settings: Settings, name: str) -> pd.DataFrame:
    from trendcast.warehouse import connect

    with connect(settings) as wh:
        df = wh.query_df(f"select * from forecasting.{name}")
    # when a row was computed is bookkeeping, not data: two builds differ there by design
    df = df.drop(columns=["computed_at"], errors="ignore")
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]):
            df[c] = pd.to_datetime(df[c], utc=True)
    return df.sort_values(MARTS.get(name, list(df.columns[:2]))).reset_index(drop=True)


def _marts(settings: Settings) -> dict[str, pd.DataFrame]:
    return {name: _mart(settings, name) for name in MARTS}


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in MARTS:
        assert len(a[name]) == len(b[name]), name
        pd.testing.assert_frame_equal(
            a[name], b[name], check_dtype=False, check_exact=False, rtol=1e-9, obj=name
        )


# ---------------------------------------------------------------- tests


def test_split_delivery_equals_one_shot_and_backfills(warehouse: Settings, tmp_path: Path):
    """Two deliveries split by date: incremental build == full rebuild of the same raw data; the
    gap flags of the first delivery's days do not move when later days arrive (point in time);
    a forecast made after the first delivery gets its actuals from backfill after the second, and
    they follow a later re-fetch that returned one post more."""
    from flows.cli import app
    from python_ml.forecast.store import backfill_actuals
    from trendcast.warehouse import connect

    pages = _pages()
    days = _days(pages)
    cut = days[44]  # 44 days in the first delivery: enough to fit a forecast (needs 42)
    first = _write(
        tmp_path / "a" / "x_a.jsonl.gz", [p for p in pages if p["params"]["start_time"] < cut]
    )
    second = _write(
        tmp_path / "b" / "x_b.jsonl.gz", [p for p in pages if p["params"]["start_time"] >= cut]
    )

    _land(warehouse, first)
    _build(warehouse)
    daily_a = _mart(warehouse, "fct_post_counts_daily")
    assert daily_a["bucket_start"].max() < pd.Timestamp(cut)

    res = CliRunner().invoke(app, ["forecast", "--account", "elonmusk", "--horizon", "48h"])
    assert res.exit_code == 0, res.output

    _land(warehouse, second)
    _build(warehouse)  # raw_tweets incremental, the rest rebuilt
    incremental = _marts(warehouse)

    # point in time: every day of the first delivery keeps its count, median and flag
    later = incremental["fct_post_counts_daily"]
    later = later[later["bucket_start"] < pd.Timestamp(cut)].reset_index(drop=True)
    cols = [
        "bucket_start",
        "post_count",
        "covered_hours",
        "trailing_median",
        "gap_reason",
        "is_gap",
    ]
    pd.testing.assert_frame_equal(daily_a[cols], later[cols], check_dtype=False)

    def check_actuals(marts: dict[str, pd.DataFrame]) -> tuple[int, pd.DataFrame]:
        with connect(warehouse) as wh:
            changed = backfill_actuals(wh)
            fc = wh.query_df(
                "select granularity, target_time, actual_count, is_gap from ml.forecasts "
                "where run_type = 'forecast'"
            )
        fc["target_time"] = pd.to_datetime(fc["target_time"], utc=True)
        buckets = {
            "hourly": marts["fct_post_counts_hourly"].set_index("bucket_start"),
            "daily": marts["fct_post_counts_daily"].set_index("bucket_start"),
        }
        for r in fc.itertuples():
            bucket = buckets[r.granularity].loc[r.target_time]
            assert bool(r.is_gap) == bool(bucket["is_gap"])
            if bucket["is_gap"]:
                assert pd.isna(r.actual_count)
            else:
                assert r.actual_count == bucket["post_count"]
        return changed, fc

    filled, fc = check_actuals(incremental)
    assert len(fc) == 48 + 2 and filled == len(fc) - int(fc["is_gap"].astype(bool).sum())

    # the first forecast day is fetched again later and returns one post more: the incremental
    # build and the backfill both follow (the hour's and the day's actuals go up by one)
    day_pages = [json.loads(json.dumps(p)) for p in pages if p["params"]["start_time"] == cut]
    late = _ts(day_pages[-1]["fetched_at"]) + timedelta(days=1)
    created = _ts(cut) + timedelta(hours=12, minutes=30)
    ms = int(created.timestamp() * 1000) - 1288834974657
    extra = {
        "id": str((ms << 22) + 12345),
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    for p in day_pages:
        p["fetched_at"] = _iso(late)
    day_pages[-1]["response"]["data"].append(extra)
    day_pages[-1]["response"]["meta"]["result_count"] += 1
    _land(warehouse, _write(tmp_path / "c" / "x_c.jsonl.gz", day_pages))
    _build(warehouse)
    incremental = _marts(warehouse)
    hour = pd.Timestamp(created).floor("h")
    actual_before = fc.set_index(["granularity", "target_time"])["actual_count"]
    hourly = incremental["fct_post_counts_hourly"].set_index("bucket_start")
    assert hourly.loc[hour, "post_count"] == actual_before[("hourly", hour)] + 1
    changed, fc = check_actuals(incremental)
    assert changed >= 2  # the hour and the day (later days' medians may move too)
    tweets = incremental["raw_tweets"].set_index("post_id")
    assert not tweets.loc[extra["id"], "is_deleted"] and not tweets["is_deleted"].any()

    _build(warehouse, "--full-refresh")
    _assert_same(incremental, _marts(warehouse))


def test_redelivered_window_with_fewer_posts_marks_deletions(warehouse: Settings, tmp_path: Path):
    """A day fetched again later without some posts: those posts are soft-deleted in raw_tweets
    (deleted_detected_at = the re-fetch), the counts keep them (posts created, as collected), the
    day stays covered, and the incremental result equals a full rebuild, also when the re-fetch
    is delivered after newer data (its fetched_at older than what the warehouse already holds).
    The first delivery has one fetch whose two pages straddle an hour: still one complete fetch,
    none of its posts soft-deleted by its own last page, its day covered."""
    pages, straddled_day = _straddled(_pages())
    days = _days(pages)
    _land(warehouse, _write(tmp_path / "x" / "x_straddled.jsonl.gz", pages))
    _build(warehouse)
    before = _marts(warehouse)
    assert not before["raw_tweets"]["is_deleted"].astype(bool).any()
    covered = before["fct_post_counts_daily"].set_index("bucket_start")["covered_hours"]
    assert covered.loc[pd.Timestamp(straddled_day)] == 24

    def refetch(day: str, delay: timedelta, drop: int) -> tuple[list[dict], set[str]]:
        day_pages = [p for p in pages if p["params"]["start_time"] == day]
        assert len(day_pages) == 1 and day_pages[0]["response"]["data"]
        page = json.loads(json.dumps(day_pages[0]))
        page["fetched_at"] = _iso(_ts(page["fetched_at"]) + delay)
        gone = {d["id"] for d in page["response"]["data"][:drop]}
        page["response"]["data"] = page["response"]["data"][drop:]
        page["response"]["meta"]["result_count"] = len(page["response"]["data"])
        return [page], gone

    late_day = days[-3]  # re-fetched after the whole sample: the newest data
    old_day = days[10]  # re-fetched 2 days after it, delivered now (older than the watermark)
    new_pages, gone_late = refetch(late_day, timedelta(days=3), 2)
    old_pages, gone_old = refetch(old_day, timedelta(days=2), 3)
    _land(warehouse, _write(tmp_path / "refetch" / "x_refetch.jsonl.gz", new_pages + old_pages))
    _build(warehouse)
    incremental = _marts(warehouse)

    tweets = incremental["raw_tweets"].set_index("post_id")
    deleted = set(tweets.index[tweets["is_deleted"].astype(bool)])
    assert deleted == gone_late | gone_old
    refetched_at = {
        **{i: _ts(new_pages[0]["fetched_at"]) for i in gone_late},
        **{i: _ts(old_pages[0]["fetched_at"]) for i in gone_old},
    }
    for post_id, at in refetched_at.items():
        assert tweets.loc[post_id, "deleted_detected_at"] == pd.Timestamp(at)
    # the counts and gap flags do not move: deleted posts were still created in their hour
    for name in ("fct_post_counts_daily", "fct_post_counts_hourly"):
        pd.testing.assert_frame_equal(before[name], incremental[name], check_dtype=False)

    _build(warehouse, "--full-refresh")
    _assert_same(incremental, _marts(warehouse))


def test_short_history_and_windows_outside_the_data(duckdb_warehouse: Settings, tmp_path: Path):
    """Too little history: forecast and backtest fail with one line saying what is missing; a
    backtest window reaching before or after the data is narrowed to the origins the data allows
    (and says so); a window entirely outside the data is one error line."""
    from flows.cli import app

    warehouse = duckdb_warehouse  # the checks are in Python (flows/commands/forecast.py)
    pages = _pages()
    days = _days(pages)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    _land(
        warehouse,
        _write(
            tmp_path / "short" / "x.jsonl.gz",
            [p for p in pages if p["params"]["start_time"] < days[30]],
        ),
    )
    _build(warehouse)
    res = run("forecast", "--account", "elonmusk", "--horizon", "24h")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "a forecast needs at least 42" in res.output
    res = run(
        "backtest", "posts", "--start", days[0][:10], "--end", days[29][:10], "--json", "--no-write"
    )
    assert res.exit_code == 1 and "too short for a backtest" in res.output
    assert res.output.count("error:") == 1

    # 15 more days arrive: 45 days, so origins can run from day 42 to day 44
    more = [p for p in pages if days[30] <= p["params"]["start_time"] < days[45]]
    _land(warehouse, _write(tmp_path / "more" / "x.jsonl.gz", more))
    _build(warehouse)
    first_origin = pd.Timestamp(days[0]).normalize() + pd.Timedelta(days=42)
    last_day = pd.Timestamp(days[44]).normalize()

    res = run(
        "backtest", "posts", "--start", "2000-01-01", "--end", "2000-02-01", "--json", "--no-write"
    )
    assert res.exit_code == 1 and "no backtest origin" in res.output
    assert f"origins can run {first_origin:%Y-%m-%d} .. {last_day:%Y-%m-%d}" in res.output

    start = (first_origin - pd.Timedelta(days=20)).strftime("%Y-%m-%d")  # inside the warm-up
    end = (last_day + pd.Timedelta(days=30)).strftime("%Y-%m-%d")  # after the data
    res = run(
        "backtest", "posts", "--start", start, "--end", end, "--json", "--no-hawkes", "--no-write"
    )
    assert res.exit_code == 0, res.output
    assert "origins narrowed to" in res.output
    out = json.loads(res.output[res.output.index("{") :])
    assert out["origins"]["first"] == f"{first_origin:%Y-%m-%d}"
    assert out["origins"]["last"] == f"{last_day:%Y-%m-%d}"
    assert out["buckets_after_data"]["daily"] > 0  # the last origins' 7-day targets
    assert out["origins"]["count"] == 3
    for gran in ("hourly", "daily"):
        for m in out["metrics"][gran].values():
            assert m["n"] > 0 and m["mae"] >= 0 and 0 <= m["coverage_95"] <= 1
