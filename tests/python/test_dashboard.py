"""The dashboard in a real browser (Debian's Chromium through Playwright), over a tiny published
warehouse: every page loads without an error, shows the numbers SQL gives for the fixture, and a
filter changes them. The query layer is also run on Postgres as the read-only role.

One Streamlit server for the module; screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from flows.commands.readers import APP, streamlit_flags
from tests.python.dashboard_fixture import build_fixture
from trendcast.dashboard import data
from trendcast.publish import publish
from trendcast.settings import PROJECT_DIR, Settings
from trendcast.warehouse import connect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = PROJECT_DIR / "artifacts" / "screenshots"
# no update checks, no metrics, no translation or safe-browsing calls: nothing leaves loopback
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--metrics-recording-only",
    "--no-first-run",
    "--safebrowsing-disable-auto-update",
]
# generous: only reached on failure, and a loaded CI machine renders slowly
WAIT_MS = 90_000
PAGES = ["trending_now", "forecasts", "platform", "hashtags_and_domains", "data_health"]
# the default page lives at the root address
URLS = {name: ("" if name == "trending_now" else name) for name in PAGES}


# text each page must show for the fixture (tables render after the headline numbers)
PAGE_TEXTS = {
    "hashtags_and_domains": ("Mastodon trending: not built yet.", "Domains: not built yet."),
    "data_health": ("not JSON: Expecting value",),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture warehouse, published the way the pipeline publishes."""
    root = tmp_path_factory.mktemp("dashboard")
    settings = replace(Settings.from_env("duckdb"), duckdb_path=root / "working.duckdb")
    with connect(settings) as wh:
        build_fixture(wh)
    path = root / "published" / "trendcast.duckdb"
    publish(settings, path)
    return path


@pytest.fixture(scope="module")
def server(published: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "TRENDCAST_TARGET": "duckdb",
        "TRENDCAST_PUBLISHED_PATH": str(published),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), *streamlit_flags(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_page(server: str):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run `make install` (apt package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def _open(page, url: str, expected_metrics: int) -> dict[str, str]:
    """Load a page, wait until Streamlit is idle, fail on any exception box; metrics by label."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=WAIT_MS)
    metric = page.locator('[data-testid="stMetric"]')
    metric.nth(expected_metrics - 1).wait_for(timeout=WAIT_MS)
    _wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")
    assert page.get_by_role("dialog").count() == 0, page.inner_text("body")  # "Page not found"
    assert "Traceback" not in page.inner_text("body")
    values = {}
    for i in range(metric.count()):
        label = metric.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip()
        values[label] = metric.nth(i).locator('[data-testid="stMetricValue"]').inner_text().strip()
    return values


def _wait_idle(page) -> None:
    """Streamlit shows a running indicator while the script reruns."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=WAIT_MS,
    )


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sql(published: Path, sql: str) -> int | float:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_every_page_loads_and_shows_the_marts_numbers(browser_page, server: str, published: Path):
    page = browser_page
    shown, texts = {}, {}
    expected_counts = {
        "trending_now": 2,
        "forecasts": 3,
        "platform": 3,
        "hashtags_and_domains": 1,
        "data_health": 4,
    }
    for name in PAGES:
        shown[name] = _open(page, f"{server}/{URLS[name]}", expected_counts[name])
        for text in PAGE_TEXTS.get(name, ()):
            page.get_by_text(text).first.wait_for(timeout=WAIT_MS)  # rendered after the metrics
        texts[name] = page.inner_text("body")
        _shot(page, name)

    q = lambda sql: f"{_sql(published, sql):,}"  # noqa: E731
    assert shown["trending_now"] == {
        "YouTube chart entries scored": q("select count(*) from ml_marts.trending_predictions"),
        "TikTok hashtags and videos scored": q(
            "select count(*) from ml_marts.trend_virality_predictions"
        ),
    }
    predicted_sum = _sql(
        published,
        "select sum(predicted_count) from ml_marts.account_post_forecasts "
        "where granularity = 'hourly'",
    )
    assert shown["forecasts"] == {
        "Forecast buckets": q(
            "select count(*) from ml_marts.account_post_forecasts "
            "where account = 'elonmusk' and granularity = 'hourly'"
        ),
        "Predicted posts (sum)": f"{predicted_sum:,.0f}",
        "Buckets with actuals": q(
            "select count(actual_count) from ml_marts.account_post_forecasts "
            "where granularity = 'hourly'"
        ),
    }
    assert shown["platform"] == {
        "Creator tiers": q("select count(*) from analytics.creator_tier_analysis"),
        "Discovery sources": q("select count(*) from analytics.discovery_source_effectiveness"),
        "Impressions": q("select sum(impressions) from analytics.discovery_source_effectiveness"),
    }
    assert shown["hashtags_and_domains"] == {
        "Hashtags active": q("select count(distinct hashtag_id) from trends.hashtag_metrics")
    }
    assert shown["data_health"] == {
        "Batches": q("select count(*) from landing.ingestion_batches"),
        "Processed": q(
            "select sum(records) from landing.records_by_status where processing_status = 'processed'"
        ),
        "Failed": q(
            "select sum(records) from landing.records_by_status where processing_status = 'failed'"
        ),
        "Duplicate": q(
            "select sum(records) from landing.records_by_status where processing_status = 'duplicate'"
        ),
    }
    # the fixture has no Mastodon or domain marts: the page says so instead of failing
    text = texts["hashtags_and_domains"]
    assert "Mastodon trending: not built yet." in text and "Domains: not built yet." in text
    assert "not JSON: Expecting value" in texts["data_health"]


def test_filters_change_the_numbers(browser_page, server: str, published: Path):
    page = browser_page
    everything = _open(page, f"{server}/", 2)
    # choosing a region in the sidebar
    page.get_by_test_id("stSelectbox").filter(has_text="Region or instance").click()
    page.get_by_role("option", name="GB", exact=True).click()
    page.wait_for_url("**region=GB**", timeout=WAIT_MS)
    _wait_idle(page)
    gb = _open(page, page.url, 2)
    expected = _sql(
        published, "select count(*) from ml_marts.trending_predictions where region_code = 'GB'"
    )
    assert gb["YouTube chart entries scored"] == f"{expected:,}"
    assert gb["YouTube chart entries scored"] != everything["YouTube chart entries scored"]
    _shot(page, "trending_now_region_GB")
    # a date range and a platform from the address
    narrowed = _open(page, f"{server}/?start=2025-09-02&end=2025-09-02", 2)
    expected = _sql(
        published,
        "select count(*) from ml_marts.trending_predictions where as_of_date = date '2025-09-02'",
    )
    assert narrowed["YouTube chart entries scored"] == f"{expected:,}"
    tiktok_only = _open(page, f"{server}/hashtags_and_domains?platform=tiktok", 1)
    expected = _sql(
        published,
        "select count(distinct hashtag_id) from trends.hashtag_metrics where platform = 'tiktok'",
    )
    assert tiktok_only["Hashtags active"] == f"{expected:,}"


def _query_layer_numbers(settings: Settings | None, path: Path | None) -> dict:
    f_all, f_gb = data.Filters(), data.Filters(region="GB")
    f_tiktok = data.Filters(platform="tiktok")
    with data.open_reader(settings, path) as r:
        return {
            "youtube": data.youtube_scored_count(r, f_all),
            "youtube_gb": data.youtube_scored_count(r, f_gb),
            "top_gb": data.youtube_predictions(r, f_gb)["video_id"].tolist(),
            "tiktok": data.tiktok_scored_count(r, f_all),
            "hashtags_tiktok": data.active_hashtags(r, f_tiktok),
            "buckets": len(data.forecast_buckets(r, f_all, "elonmusk", "hourly")),
            "mae": data.backtest_accuracy(r, f_all, "elonmusk")["mae"].round(6).tolist(),
            "status": data.status_totals(r, f_all),
            "failed": data.failed_lines(r, f_all)["error_message"].tolist(),
            "extent": [str(d) for d in data.date_extent(r)],
            "later": data.later_marts(r),
            "registry": data.model_registry(r)[["model_name", "model_version"]].values.tolist(),
        }


@pytest.mark.postgres
def test_the_query_layer_gives_the_same_numbers_on_postgres(pg_warehouse: Settings, published):
    with connect(pg_warehouse) as wh:
        build_fixture(wh)
    publish(pg_warehouse)  # grants the reader role; the dashboard logs in as its member
    on_pg = _query_layer_numbers(pg_warehouse, None)
    on_duckdb = _query_layer_numbers(replace(pg_warehouse, target="duckdb"), published)
    assert on_pg == on_duckdb
    assert on_pg["youtube_gb"] == 2 and on_pg["top_gb"] == ["v4", "v5"]
    assert on_pg["mae"] == [1.0]  # (36 + 12) / (24 + 24)
    assert len(on_pg["registry"]) == 2  # virality and forecasting registries, without schema ml
