"""Extracted files land through the loader unchanged and feed the staging models; a malformed
response lands as a failed line with its reason, nothing lost.

DuckDB only: the archive format is the one every landing test already covers on Postgres, and a
dbt invocation per target would cost CI a minute.
"""

from __future__ import annotations

import pytest

from tests.python import test_extract_mastodon as ma
from tests.python import test_extract_youtube as yt
from tests.python.extract_replay import Replay
from trendcast.settings import Settings
from trendcast.sources.config import HttpOptions
from trendcast.sources.mastodon import extract_mastodon
from trendcast.sources.youtube import extract_youtube
from trendcast.warehouse import connect

FAST = HttpOptions(timeout=2, max_attempts=3, backoff=0.01, max_backoff=0.05)


@pytest.mark.slow
def test_extracted_files_feed_staging(duckdb_warehouse: Settings, tmp_path, monkeypatch) -> None:
    warehouse = duckdb_warehouse
    from flows.dbt import run_dbt
    from trendcast.landing import load_paths

    out = tmp_path / "extract"
    server = Replay(yt.route).start()
    logic = ma.Server()
    mastodon = Replay(logic.route).start()
    logic.url = mastodon.url
    try:
        monkeypatch.setenv("TRENDCAST_YOUTUBE_BASE_URL", server.url)
        monkeypatch.setenv("TRENDCAST_YOUTUBE_API_KEY", yt.KEY)
        server.fail(r"/videos$", "invalid_json", after=3)  # the GB chart arrives broken
        extract_youtube(out, ["US", "GB"], http=FAST)
        extract_mastodon(out, mastodon.url, timeline="public", max_pages=1, http=FAST)
    finally:
        server.stop()
        mastodon.stop()
    with connect(warehouse) as wh:
        results = load_paths(wh, [out])
    assert sum(r.total for r in results) == 5 and sum(r.failed for r in results) == 1
    run_dbt(
        ["run", "--select", "stg_youtube__video_snapshots", "stg_mastodon__statuses"], warehouse
    )
    with connect(warehouse) as wh:
        ranks = wh.query(
            "select region_code, count(*), min(chart_rank), max(chart_rank) "
            "from staging.stg_youtube__video_snapshots group by 1"
        )
        statuses = wh.query("select instance, status_id from staging.stg_mastodon__statuses")
        failed = wh.query(
            "select error_message, raw_line from raw.api_responses "
            "where processing_status = 'failed'"
        )
    # the US chart's three pages are one call: ranks run across pages
    us_ids = {v["id"] for p in yt.YT["us_pages"] for v in p["items"]}
    assert [r[0] for r in ranks] == ["US"] and ranks[0][1] == len(us_ids)
    assert ranks[0][2] == 1 and ranks[0][3] <= 24
    host = logic.url.split("//")[1]
    assert {s for _, s in statuses} == {s["id"] for s in ma.MA["timeline"][: ma.PAGE]}
    assert {i for i, _ in statuses} == {host}
    ((reason, raw_line),) = failed
    assert reason.startswith("failed API call: response is not valid JSON")
    assert '"http_status":200' in raw_line
