"""Statistical properties of a simulated day: heavy tails, a minority of virals, circadian rhythm,
monotone public counters except the injected corrections. Thresholds are loose on purpose (they
hold for any seed) but each fails if the mechanism behind it is removed."""

from __future__ import annotations

import gzip
import itertools
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from trendcast.simulator import SimConfig, simulate
from trendcast.simulator.vocab import REGIONS

START = datetime(2026, 3, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sim_day")
    manifest = simulate(
        SimConfig(start=START, hours=24, scale="small", events=60_000, seed=21), out
    )
    return out, manifest


def _lines(folder: Path, source: str):
    seen = set()
    for path in sorted((folder / source).glob("*.jsonl.gz")):
        with gzip.open(path, "rb") as fh:
            raws = fh.read().splitlines(keepends=True)
        for raw in raws:
            if raw in seen:
                continue
            seen.add(raw)
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if isinstance(rec.get("fetched_at"), str) and "response" in rec:
                yield rec


def _unique_events(folder: Path) -> list[dict]:
    first = {}
    for rec in _lines(folder, "platform"):
        for e in rec["response"]["events"]:
            first.setdefault(e["event_id"], e)
    return list(first.values())


def test_event_count_near_target(day):
    _, manifest = day
    total = sum(manifest["platform_events_by_type"].values())
    assert 0.6 * 60_000 <= total <= 1.4 * 60_000


def test_views_are_heavy_tailed(day):
    folder, _ = day
    views = Counter(
        e.get("content_id") for e in _unique_events(folder) if e["event_type"] == "view"
    )
    counts = np.sort(np.array(list(views.values())))[::-1]
    top1 = counts[: max(1, len(counts) // 100)].sum() / counts.sum()
    assert top1 >= 0.15, f"top 1% of videos take only {top1:.0%} of views"
    assert np.median(counts) * 20 <= counts.max()


def test_most_cascades_die_out_and_few_go_viral(day):
    folder, _ = day
    videos = pq.read_table(folder / "_truth" / "videos.parquet").to_pandas()
    sizes = videos["cascade_total"].to_numpy()
    assert np.mean(sizes) >= 3 * np.median(sizes)
    # most cascades die out: little more than their immigrants
    died = sizes <= 2 * np.maximum(videos["immigrants"].to_numpy(), 1)
    assert died.mean() >= 0.6
    share_viral = videos["is_viral"].mean()
    assert 0 < share_viral < 0.1
    # near-critical branching is what makes a video big
    big = videos["cascade_total"] >= videos["cascade_total"].quantile(0.99)
    assert videos.loc[big, "branching_ratio"].mean() > videos["branching_ratio"].mean()
    tags = pq.read_table(folder / "_truth" / "hashtags.parquet").to_pandas()
    novel = tags["born_at"] >= START
    assert (tags.loc[novel, "adoptions_in_window"] > 0).any(), "new hashtags appear in the run"


def test_circadian_rhythm_in_local_time(day):
    folder, _ = day
    offset = {code: off for code, _, off, _, _ in REGIONS}
    hours = np.zeros(24)
    for e in _unique_events(folder):
        if e["event_type"] == "view" and e.get("region") in offset:
            t = datetime.fromisoformat(e["occurred_at"].replace("Z", "+00:00"))
            hours[int((t.hour + t.minute / 60 + offset[e["region"]]) % 24)] += 1
    assert hours.max() / max(hours.min(), 1) >= 2.5, hours


def test_tiktok_counters_only_fall_when_corrected(day):
    folder, manifest = day
    series = defaultdict(list)
    for rec in _lines(folder, "tiktok"):
        if rec["endpoint"].startswith("v2/research/video/query"):
            for v in rec["response"]["data"]["videos"]:
                series[v["video_id"]].append((rec["fetched_at"], v["view_count"]))
    drops = 0
    for obs in series.values():
        vals = [c for _, c in sorted(obs)]
        drops += sum(b < a for a, b in itertools.pairwise(vals))
    assert drops == manifest["sources"]["tiktok"]["counter_decreases_observed"]
    grew = sum(
        1
        for obs in series.values()
        if len(obs) > 1 and max(c for _, c in obs) > min(c for _, c in obs)
    )
    assert grew >= 0.5 * sum(1 for obs in series.values() if len(obs) > 1)
