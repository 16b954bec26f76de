"""`trendcast bench --live`: the hourly loop on a simulated live feed, latency and cycle time.

Simulates `warm_hours + live_hours` of platform events, TikTok and Mastodon at `events` per
day, lands and builds the warm hours (not measured: a warehouse that is already running), then
replays the live hours through `hourly` exactly as `trendcast serve --replay` does: each file
is due when the replay clock passes its newest fetched_at, cycles run on the schedule
compressed by `speed`, back to back when one overruns. The report takes its latencies from
ops.processing_latency (available_at -> published_at per live batch) and the cycle seconds
from the cycles that landed something.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

from trendcast.settings import Settings

LIVE_START = datetime(2025, 6, 1, tzinfo=UTC)


def _hour_of(path: Path) -> str:
    return path.name.rsplit("_", 1)[-1].split(".")[0]


def run_live_bench(
    events: int,
    settings: Settings,
    warm_hours: int = 2,
    live_hours: int = 3,
    speed: float = 60.0,
    cycle_every: float = 900.0,
    on_cycle: Callable[[int, list[Path], dict[str, Any], float], None] | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Run the live benchmark against `settings` (a throwaway warehouse) and return the report."""
    from flows.live import hourly
    from flows.schedules import run_replay
    from trendcast.simulator import SimConfig, simulate
    from trendcast.warehouse import connect

    work = Path(workdir or tempfile.mkdtemp(prefix="trendcast-live-"))
    try:
        sim = work / "sim"
        hours = warm_hours + live_hours
        started = time.perf_counter()
        manifest = simulate(
            SimConfig(start=LIVE_START, hours=hours, scale="day",
                      events=int(events * hours / 24), seed=1),
            sim, None,
        )  # fmt: skip
        simulate_s = time.perf_counter() - started
        files = sorted(p for p in sim.rglob("*.jsonl.gz") if "_truth" not in p.parts)
        hour_names = sorted({_hour_of(p) for p in files})
        warm_names = set(hour_names[:warm_hours])
        warm, live = work / "warm", work / "live"
        for p in files:
            dest = (warm if _hour_of(p) in warm_names else live) / p.parent.name / p.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(p), dest)

        started = time.perf_counter()
        hourly(paths=[str(warm)], target=settings.target, freshness=False)
        warm_s = time.perf_counter() - started
        with connect(settings) as wh:
            warm_batches = {r[0] for r in wh.query("select batch_id from ops.processing_latency")}

        inbox = work / "inbox"
        cycles = run_replay(
            live,
            inbox,
            speed,
            lambda: hourly(paths=[str(inbox)], target=settings.target, replay=True),
            cycle_every=cycle_every,
            on_cycle=on_cycle,
        )
        with connect(settings) as wh:
            df = wh.query_df(
                "select batch_id, source, available_at, landed_at, built_at, features_at, "
                "scored_at, published_at from ops.processing_latency"
            )
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    df = df[~df["batch_id"].isin(warm_batches)].copy()
    for col in df.columns[2:]:
        df[col] = pd.to_datetime(df[col], utc=True)
    latency = (df["published_at"] - df["available_at"]).dt.total_seconds()
    busy = [c for c in cycles if c["summary"].get("land", {}).get("landed")]
    stage_cols = ["available_at", "landed_at", "built_at", "features_at", "scored_at",
                  "published_at"]  # fmt: skip
    stages = {
        f"{b.removesuffix('_at')}_to_{a.removesuffix('_at')}_p95_seconds": round(
            float((df[a] - df[b]).dt.total_seconds().quantile(0.95)), 2
        )
        for b, a in pairwise(stage_cols)
    }
    live_events = sum(manifest["platform_events_by_type"].values()) * live_hours / hours
    return {
        "events": events,
        "events_per_day": events,
        "live_hours": live_hours,
        "live_events_replayed": round(live_events),
        "warm_hours": warm_hours,
        "target": settings.target,
        "speed": speed,
        "cycle_every_replay_seconds": cycle_every,
        "batches": len(df),
        "published": int(df["published_at"].notna().sum()),
        "p50_latency_seconds": round(float(latency.quantile(0.5)), 2),
        "p95_latency_seconds": round(float(latency.quantile(0.95)), 2),
        "max_latency_seconds": round(float(latency.max()), 2),
        "stage_p95": stages,
        "cycles": len(cycles),
        "cycles_with_data": len(busy),
        "max_cycle_seconds": round(max((c["seconds"] for c in busy), default=0.0), 2),
        "cycle_seconds": [round(c["seconds"], 2) for c in cycles],
        "simulate_seconds": round(simulate_s, 1),
        "warm_seconds": round(warm_s, 1),
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
            "load_avg_1m_at_end": round(psutil.getloadavg()[0], 1),
        },
    }
