"""Benchmark: `python -m trendcast.simulator.bench --events 10000000` prints events/s and peak RSS.

Writes to a temporary folder (deleted afterwards unless --keep) and reports per stage. No
assertions: numbers are for docs/SIMULATOR.md, not for tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from trendcast.simulator import SimConfig, simulate


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-11-01T00:00:00+00:00")
    ap.add_argument("--out", default=None, help="folder to write (default: a temp folder)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="trendcast_bench_"))
    cfg = SimConfig(
        start=datetime.fromisoformat(args.start).astimezone(UTC), hours=args.hours, scale="day",
        events=args.events, seed=args.seed,
    )  # fmt: skip
    t = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    main0 = time.thread_time()
    man = simulate(cfg, out)
    wall = time.perf_counter() - t
    main_cpu = time.thread_time() - main0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    rss_mb = r1.ru_maxrss / 1024
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    events = sum(man["platform_events_by_type"].values())
    deliveries = man["sources"]["platform"]["event_deliveries"]
    api = {s: v["total"] for s, v in man["expected_landing"].items()}
    print(f"platform events      {events:,} unique ({deliveries:,} delivered)")
    print(f"API lines            {api}")
    print(f"tiktok video records {man['sources'].get('tiktok', {}).get('video_records', 0):,}")
    print(f"bytes                {man['bytes_uncompressed'] / 1e9:.2f} GB raw, "
          f"{man['bytes_gzip'] / 1e6:.0f} MB gzip")  # fmt: skip
    print(f"model                {man['timings']['model_s']:.1f} s")
    tm = man["timings"]
    parts = ", ".join(f"{k[:-6]} {v:.1f}" for k, v in tm.items() if k.endswith("_cpu_s"))
    print(f"cpu by stage         {parts} s")
    print(f"wall                 {wall:.1f} s")
    print(
        f"cpu                  {cpu:.1f} s total, {main_cpu:.1f} s main thread "
        f"(gzip runs on worker threads)"
    )
    idle = max(main_cpu, cpu / (os.cpu_count() or 1))
    print(
        f"events/s             {events / wall:,.0f} wall (load average {load:.1f}); "
        f"~{events / idle:,.0f} on {os.cpu_count()} idle cores (max(main cpu, cpu/cores))"
    )
    print(f"peak RSS             {rss_mb:,.0f} MB")
    if not args.keep and not args.out:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
