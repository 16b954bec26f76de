"""Run the simulator: build the model, then write every source hour by hour."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from trendcast.simulator.config import SimConfig
from trendcast.simulator.delivery import Segments, Writer
from trendcast.simulator.model import HOUR_MS, build
from trendcast.simulator.truth import write_platform_truth, write_truth

ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)
LINE_KEYS = ("lines_clean", "duplicate_lines", "malformed_not_json", "malformed_missing_key",
             "malformed_wrong_type", "out_of_order_swaps")  # fmt: skip


def file_name(source: str, hour_ms: int) -> str:
    stamp = datetime.fromtimestamp(hour_ms / 1000, tz=UTC).strftime("%Y%m%dT%H")
    return f"{source}_{stamp}.jsonl.gz"


@contextmanager
def normal_pages() -> Iterator[None]:
    """Let NumPy allocate without asking for transparent huge pages while the simulator runs.

    Why: NumPy madvises every large array for huge pages; with the kernel default
    `defrag=madvise` each first touch may then stall in direct memory compaction when other
    processes fragment memory. The simulator allocates a few hundred MB per hour: on this shared
    machine (load 6) 10M events took 17 s of system time with huge pages and 8 s without."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # pragma: no cover - NumPy < 2 or a build without the switch
        yield
        return
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)


def simulate(
    cfg: SimConfig, out_dir: Path, progress: ProgressFn | None = None, workers: int = 2
) -> dict:
    """Write archives for cfg into out_dir; returns the manifest (also in _truth/manifest.json).

    `workers` threads compress files (zlib and NumPy release the GIL, so threads use both cores
    without copying gigabytes between processes); with more than one, the TikTok and Mastodon
    hours also render on a side thread. The bytes written never depend on `workers`: every random
    stream is seeded by (seed, stream, hour) and files are assembled in a fixed order."""
    if workers < 1:
        raise ValueError("workers must be >= 1")
    with normal_pages():
        return _simulate(cfg, out_dir, progress, workers)


def _simulate(cfg: SimConfig, out_dir: Path, progress: ProgressFn | None, workers: int) -> dict:
    from trendcast.simulator.mastodon import Mastodon
    from trendcast.simulator.platform import PlatformStream
    from trendcast.simulator.tiktok import TikTok

    report = progress or (lambda stage, done, total: None)
    out_dir = Path(out_dir)
    started = time.perf_counter()
    c0 = time.thread_time()
    report("model", 0, 1)
    m = build(cfg)
    report("model", 1, 1)
    timings = {
        "model_s": round(time.perf_counter() - started, 3),
        "model_cpu_s": round(time.thread_time() - c0, 3),
    }
    streams = {}
    if "platform" in cfg.sources:
        streams["platform"] = PlatformStream(m)
    if "tiktok" in cfg.sources:
        streams["tiktok"] = TikTok(m)
    if "mastodon" in cfg.sources:
        streams["mastodon"] = Mastodon(m)
    writer = Writer(cfg.gzip_level, workers)
    files: list[dict] = []

    cpu = {f"{s}_cpu_s": 0.0 for s in streams}

    def render(source: str, h: int) -> tuple[str, Segments, dict[str, int]]:
        stream = streams[source]
        before = {k: stream.stats.get(k, 0) for k in LINE_KEYS}
        c0 = time.thread_time()
        segments = stream.hour(h)
        cpu[f"{source}_cpu_s"] += time.thread_time() - c0
        return source, segments, {k: stream.stats.get(k, 0) - before[k] for k in LINE_KEYS}

    # the API sources render on a side thread while the event stream renders here (most of the
    # work is NumPy/Arrow, which releases the GIL); results are written in a fixed order
    side = ThreadPoolExecutor(max_workers=1) if workers > 1 else None
    others = [s for s in streams if s != "platform"]
    for h in range(cfg.hours):
        hour_ms = cfg.start_ms + h * HOUR_MS
        future = side.submit(lambda h=h: [render(s, h) for s in others]) if side else None
        results = [render("platform", h)] if "platform" in streams else []
        results += future.result() if future else [render(s, h) for s in others]
        for source, segments, delta in results:
            if not segments:
                continue
            name = f"{source}/{file_name(source, hour_ms)}"
            writer.submit(out_dir / name, segments)
            failed = (
                delta["malformed_not_json"]
                + delta["malformed_missing_key"]
                + delta["malformed_wrong_type"]
            )
            n_lines = delta["lines_clean"] + delta["duplicate_lines"] + failed
            files.append({
                "file": name, "source": source, "lines": n_lines,
                "expected_processed": delta["lines_clean"],
                "expected_duplicate": delta["duplicate_lines"], "expected_failed": failed,
                "out_of_order_swaps": delta["out_of_order_swaps"],
            })  # fmt: skip
        report("hours", h + 1, cfg.hours)
    if side:
        side.shutdown()
    writer.close()
    timings["total_s"] = round(time.perf_counter() - started, 3)
    timings.update({k: round(v, 3) for k, v in cpu.items()})
    timings["gzip_cpu_s"] = round(writer.cpu_s, 3)
    truth_dir = out_dir / "_truth"
    truth_files = write_truth(m, truth_dir, streams.get("tiktok"), streams.get("mastodon"))
    if "platform" in streams:
        truth_files.update(write_platform_truth(streams["platform"], truth_dir))
    manifest = {
        "generator": "trendcast.simulator",
        "config": cfg.as_dict(),
        "run_number": m.run,
        "window": {"start": _iso(cfg.start_ms), "end": _iso(cfg.end_ms)},
        "sizes": vars(m.sizes),
        "thinning": m.thinning,
        "files": files,
        "sources": {s: dict(st.stats) for s, st in streams.items()},
        "platform_events_by_type": dict(getattr(streams.get("platform"), "by_type", {})),
        "expected_landing": _expected(files),
        "bytes_uncompressed": writer.bytes_raw,
        "bytes_gzip": writer.bytes_gz,
        "timings": timings,
        "workers": workers,
        "truth_files": truth_files,
        "notes": {
            "duplicate_lines": "exact copies of a line a few lines later: landing marks them duplicate",
            "malformed": "extra corrupted copies of real lines (truncated / key renamed / fetched_at "
                         "as a number): landing marks them failed; no real call is lost",
            "late_events": "received_at - occurred_at drawn from ~25 min (lognormal), capped at the "
                           "window end",
        },
    }  # fmt: skip
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, default=_json_default))
    return manifest


def _expected(files: list[dict]) -> dict:
    out: dict[str, dict[str, int]] = {}
    for f in files:
        s = out.setdefault(f["source"], {"total": 0, "processed": 0, "duplicate": 0, "failed": 0})
        s["total"] += f["lines"]
        s["processed"] += f["expected_processed"]
        s["duplicate"] += f["expected_duplicate"]
        s["failed"] += f["expected_failed"]
    return out


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _json_default(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    raise TypeError(type(o))
