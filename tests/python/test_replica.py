"""The YouTube replica: whole years earlier, new video ids, responses otherwise unchanged."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from trendcast.replica import replica_call, shift_years, write_youtube_replica

FIXTURE = Path(__file__).parent / "fixtures" / "youtube_real_cases_JP_2025-09-04.jsonl.gz"


def test_shift_years_keeps_notation_and_handles_29_february() -> None:
    assert shift_years("2025-09-04T11:13:01+00:00", -2) == "2023-09-04T11:13:01+00:00"
    assert shift_years("2025-09-04T11:13:01Z", -1) == "2024-09-04T11:13:01Z"
    assert shift_years("2024-02-29T00:00:00Z", -1) == "2023-02-28T00:00:00Z"


def test_replica_call_moves_times_and_tags_ids_only() -> None:
    with gzip.open(FIXTURE, "rt") as fh:
        call = json.loads(fh.readline())
    copy = replica_call(call, 3)
    assert copy["fetched_at"] == shift_years(call["fetched_at"], -3)
    items, originals = copy["response"]["items"], call["response"]["items"]
    assert [i["id"] for i in items] == [f"{o['id']}-y3" for o in originals]
    for item, orig in zip(items, originals, strict=True):
        assert item["statistics"] == orig["statistics"]
        assert item["snippet"]["description"] == orig["snippet"]["description"]
        assert item["snippet"]["publishedAt"] == shift_years(orig["snippet"]["publishedAt"], -3)
    assert call["response"]["items"][0]["id"] == originals[0]["id"]  # the input is not mutated


def test_write_youtube_replica_writes_one_file_per_year(tmp_path: Path) -> None:
    stats = write_youtube_replica([FIXTURE], tmp_path, 2)
    assert stats.files == 2 and stats.calls == 4 and stats.video_rows == 200
    years = sorted(p.name for p in tmp_path.iterdir())
    assert years[0].endswith("_replica_y1.jsonl.gz") and years[1].endswith("_replica_y2.jsonl.gz")
