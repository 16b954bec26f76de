"""Benchmark: `python -m trendcast.simulator.bench --events 10000000` prints events/s and peak RSS.

Writes to a temporary folder (deleted afterwards unless --keep or --out) and reports per stage.
No assertions: numbers are for docs/SIMULATOR.md, not for tests.

Why it reports the machine as well: the 2 cores here are shared, and wall time mostly measures
what else runs. Next to the wall time it prints the load average before and after, this
process's CPU seconds (user + sys, every thread and child), and the CPU seconds every *other*
process used meanwhile (from /proc/stat), so a reader can tell a slow run from a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from trendcast.simulator import SimConfig, simulate


def machine_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (None where /proc is missing)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> tuple[float, float]:
    """(user, sys) CPU seconds of this process and its waited-for children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + kids.ru_utime, me.ru_stime + kids.ru_stime


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _progress(stage: str, done: int, total: int) -> None:
    print(f"\r  {stage} {done}/{total}   ", end="", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-11-01T00:00:00+00:00")
    ap.add_argument("--workers", type=int, default=2, help="compression threads (default 2)")
    ap.add_argument("--out", default=None, help="folder to write (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--json", default=None, help="also write the report to this file")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="trendcast_bench_"))
    cfg = SimConfig(
        start=datetime.fromisoformat(args.start).astimezone(UTC), hours=args.hours, scale="day",
        events=args.events, seed=args.seed,
    )  # fmt: skip
    load_before = _load()
    machine0, (user0, sys0) = machine_cpu_seconds(), own_cpu_seconds()
    t, main0 = time.perf_counter(), time.thread_time()
    man = simulate(cfg, out, None if args.quiet else _progress, workers=args.workers)
    wall, main_cpu = time.perf_counter() - t, time.thread_time() - main0
    machine1, (user1, sys1) = machine_cpu_seconds(), own_cpu_seconds()
    load_after = _load()
    if not args.quiet:
        print(file=sys.stderr)
    user, system = user1 - user0, sys1 - sys0
    others = machine1 - machine0 - user - system if machine0 is not None else None
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    events = sum(man["platform_events_by_type"].values())
    tm = man["timings"]
    report = {
        "command": "python -m trendcast.simulator.bench " + " ".join(argv or sys.argv[1:]),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "workers": args.workers,
        "events_unique": events,
        "event_deliveries": man["sources"]["platform"]["event_deliveries"],
        "api_lines": {s: v["total"] for s, v in man["expected_landing"].items()},
        "tiktok_video_records": man["sources"].get("tiktok", {}).get("video_records", 0),
        "bytes_raw": man["bytes_uncompressed"],
        "bytes_gzip": man["bytes_gzip"],
        "wall_s": round(wall, 1),
        "cpu_user_s": round(user, 1),
        "cpu_sys_s": round(system, 1),
        "cpu_main_thread_s": round(main_cpu, 1),
        "cpu_by_stage_s": {k[:-6]: v for k, v in tm.items() if k.endswith("_cpu_s")},
        # what 2 idle cores would need: the main thread is serial, the rest spreads over cores
        "idle_cores_bound_s": round(max(main_cpu, (user + system) / (os.cpu_count() or 1)), 1),
        "events_per_s": round(events / wall),
        "peak_rss_mb": round(rss_mb),
        "load_before": load_before,
        "load_after": load_after,
        "other_processes_cpu_s": round(others, 1) if others is not None else None,
    }
    stages = ", ".join(f"{k} {v:.1f}" for k, v in report["cpu_by_stage_s"].items())
    print(f"platform events      {events:,} unique ({report['event_deliveries']:,} delivered)")
    print(f"API lines            {report['api_lines']}")
    print(f"tiktok video records {report['tiktok_video_records']:,}")
    print(f"bytes                {report['bytes_raw'] / 1e9:.2f} GB JSON, "
          f"{report['bytes_gzip'] / 1e6:.0f} MB gzip")  # fmt: skip
    print(f"wall                 {wall:.1f} s  ({events / wall:,.0f} events/s)")
    print(f"cpu (this process)   {user + system:.1f} s = user {user:.1f} + sys {system:.1f}"
          f"  by stage: {stages} s")  # fmt: skip
    print(f"bound on idle cores  {report['idle_cores_bound_s']:.1f} s = max(main thread "
          f"{main_cpu:.1f}, cpu / {os.cpu_count()} cores)")  # fmt: skip
    print(f"peak RSS             {rss_mb:,.0f} MB")
    print(f"machine              {os.cpu_count()} cores, load average {load_before} before, "
          f"{load_after} after")  # fmt: skip
    if others is not None:
        print(f"other processes      {others:.1f} CPU s during the run "
              f"({others / wall:.2f} cores busy besides this benchmark)")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    if not args.keep and not args.out:
        shutil.rmtree(out, ignore_errors=True)
    return report


if __name__ == "__main__":
    main()
