"""A synthetic multi-year replica of the YouTube chart archive, built from real files.

Why: the real archive covers about ten months; a deployment that has collected for years holds
several times as many chart pages, and the staging and marts must stay within memory at that
size. Each replica year k (1..years) is the real archive moved k whole years earlier (landing
rejects fetch times in the future, and a deployment's history lies in the past): every
`fetched_at` and every `snippet.publishedAt` shifted back by k years (same month, day and time; 29
February becomes the 28th), every video id made distinct per year (`<id>-y<k>`, so the replica
holds new videos, not re-observations of the real ones). Responses are otherwise untouched: long
descriptions, hidden counts and likes above views stay as the real pages have them. Output is
the archive format (one API call per line, gzip), one file per real file and year, loadable with
`trendcast load`.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trendcast.archive import discover, dumps, open_binary

YOUTUBE_CHART_ENDPOINT = "youtube/v3/videos"


@dataclass
class ReplicaStats:
    files: int = 0
    calls: int = 0
    video_rows: int = 0
    bytes_written: int = 0


def shift_years(value: str, years: int) -> str:
    """An ISO-8601 timestamp moved by `years` whole years (negative: earlier), same notation."""
    ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    try:
        shifted = ts.replace(year=ts.year + years)
    except ValueError:  # 29 February in a year that has none
        shifted = ts.replace(year=ts.year + years, day=28)
    text = shifted.isoformat()
    return text.replace("+00:00", "Z") if value.endswith("Z") else text


def replica_call(call: dict[str, Any], year: int) -> dict[str, Any]:
    """One archived chart call moved `year` years earlier, its video ids tagged with the year."""
    out = dict(call)
    out["fetched_at"] = shift_years(call["fetched_at"], -year)
    response = call.get("response")
    if isinstance(response, dict) and isinstance(response.get("items"), list):
        items = []
        for item in response["items"]:
            if isinstance(item, dict):
                item = dict(item)
                if isinstance(item.get("id"), str):
                    item["id"] = f"{item['id']}-y{year}"
                snippet = item.get("snippet")
                if isinstance(snippet, dict) and isinstance(snippet.get("publishedAt"), str):
                    item["snippet"] = {
                        **snippet,
                        "publishedAt": shift_years(snippet["publishedAt"], -year),
                    }
            items.append(item)
        out["response"] = {**response, "items": items}
    return out


def write_youtube_replica(
    sources: list[Path], out_dir: Path, years: int, compresslevel: int = 1
) -> ReplicaStats:
    """Write `years` shifted copies of the YouTube chart calls found under `sources`.

    Lines that are not YouTube chart calls are skipped (the replica multiplies the charts only).
    compresslevel 1: the replica is a benchmark input, rewritten often; level 9 takes ~5x longer
    for ~20 % smaller files.
    """
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}")
    stats = ReplicaStats()
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in discover(sources):
        stem = path.name.removesuffix(".gz").removesuffix(".jsonl")
        outputs: dict[int, gzip.GzipFile] = {}
        try:
            with open_binary(path) as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    call = json.loads(line)
                    if call.get("source") != "youtube" or call.get("endpoint") != (
                        YOUTUBE_CHART_ENDPOINT
                    ):
                        continue
                    if not outputs:  # files without chart calls leave no empty replicas
                        for year in range(1, years + 1):
                            target = out_dir / f"{stem}_replica_y{year}.jsonl.gz"
                            outputs[year] = gzip.GzipFile(
                                filename="", fileobj=open(target, "wb"), mode="wb",  # noqa: SIM115
                                mtime=0, compresslevel=compresslevel,
                            )  # fmt: skip
                    n_items = len((call.get("response") or {}).get("items") or [])
                    for year, gz in outputs.items():
                        data = (dumps(replica_call(call, year)) + "\n").encode("utf-8")
                        gz.write(data)
                        stats.bytes_written += len(data)
                        stats.calls += 1
                        stats.video_rows += n_items
        finally:
            for gz in outputs.values():
                raw = gz.fileobj
                gz.close()
                if raw is not None:
                    raw.close()
        stats.files += len(outputs)
    return stats
