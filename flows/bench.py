"""`trendcast bench`: the whole pipeline at seed volume, stage by stage.

Simulates a day (plus one more hour) of platform events and matching API snapshots, then times
each stage in this process — load, full dbt build, one hourly incremental run, features, train,
score — with wall time, rows per second and peak RSS, against a throwaway warehouse. The floor is
one DuckDB scan (`count(*)` over `read_json`) of the same files: the least any pipeline that reads
them must spend.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from trendcast.settings import Settings

BENCH_START = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    rows: int = 0
    peak_rss_mb: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class RssSampler:
    """Peak resident memory of this process and its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _rss(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            with suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(0.05)

    def __enter__(self) -> RssSampler:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak = max(self.peak, self._rss())


class NodeMemory(RssSampler):
    """Peak resident memory per dbt node: the highest sample taken while the node ran.

    dbt runs models on two threads, so a node's peak is that of the whole process while it ran
    (an upper bound when another node ran beside it); the node that ran alone at a peak is the
    one that needed it. Use as the `on_start`/`listener` pair of flows.dbt.node_progress."""

    def __init__(self) -> None:
        super().__init__()
        self._running: dict[str, int] = {}
        self.nodes: dict[str, int] = {}
        self._guard = threading.Lock()

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss = self._rss()
            self.peak = max(self.peak, rss)
            with self._guard:
                for name, peak in self._running.items():
                    self._running[name] = max(peak, rss)
            self._stop.wait(0.05)

    def started(self, name: str) -> None:
        rss = self._rss()
        with self._guard:
            self._running[name] = rss

    def finished(self, name: str, _status: str, _index: int, _total: int) -> None:
        rss = self._rss()
        with self._guard:
            peak = max(self._running.pop(name, 0), rss)
            self.nodes[name] = max(self.nodes.get(name, 0), peak)

    def top(self, n: int = 15) -> list[list[Any]]:
        """The `n` nodes with the highest peaks: [name, peak MB]."""
        ranked = sorted(self.nodes.items(), key=lambda kv: -kv[1])[:n]
        return [[name, round(peak / 1e6, 1)] for name, peak in ranked]


@contextmanager
def timed(stages: list[Stage], name: str, on_done: Callable[[Stage], None] | None = None):
    """Time the block as one stage of `stages`, with the peak memory of this process and its
    children (dbt and DuckDB run in-process); `on_done` reports it as soon as it ends, so a long
    benchmark shows progress."""
    stage = Stage(name)
    with RssSampler() as rss:
        started = time.perf_counter()
        yield stage
        stage.seconds = time.perf_counter() - started
    stage.peak_rss_mb = rss.peak / 1e6
    stages.append(stage)
    if on_done:
        on_done(stage)


def _hour_of(path: Path) -> str:
    return path.name.rsplit("_", 1)[-1].split(".")[0]


def split_last_hour(sim_dir: Path) -> tuple[list[Path], list[Path]]:
    """Archive files of every hour but the last (the day), and of the last hour (the increment)."""
    files = sorted(p for p in sim_dir.rglob("*.jsonl.gz") if "_truth" not in p.parts)
    last = max(_hour_of(p) for p in files)
    return [p for p in files if _hour_of(p) != last], [p for p in files if _hour_of(p) == last]


def scan_floor(files: list[Path]) -> tuple[float, int]:
    """Seconds and lines of one DuckDB scan of `files`: the least any pipeline reading them
    must spend, so the report can say how far above that floor the pipeline is."""
    import duckdb

    con = duckdb.connect()
    names = [str(p) for p in files]
    started = time.perf_counter()
    (n,) = con.execute(
        "select count(*) from read_json(?, format = 'newline_delimited', "
        "columns = {'source': 'varchar', 'fetched_at': 'varchar', 'response': 'json'}, "
        "ignore_errors = true, maximum_object_size = 1073741824)",
        [names],
    ).fetchone()
    return time.perf_counter() - started, n


def simulate_bench_day(sim_dir: Path, events: int, mastodon_per_day: int, st: Stage) -> None:
    """The benchmarks' simulated day: 25 hours at `events` per day (the 25th is the incremental
    hour), its rows and Mastodon counts recorded on the simulate stage `st`."""
    from trendcast.simulator import SimConfig, simulate

    cfg = SimConfig(
        start=BENCH_START,
        hours=25,
        scale="day",
        events=int(events * 25 / 24),
        seed=1,
        mastodon_statuses_per_day=mastodon_per_day,
    )
    manifest = simulate(cfg, sim_dir, None)
    st.rows = sum(manifest["platform_events_by_type"].values())
    st.detail = {"mastodon": manifest["sources"].get("mastodon", {})}


def _slowest(results: list[dict[str, Any]], n: int = 12) -> list[list[Any]]:
    """The n slowest dbt nodes of a run: where a build's time goes, kept in the JSON report."""
    ranked = sorted(results, key=lambda r: r["seconds"], reverse=True)[:n]
    return [[r["name"], r["resource_type"].split(".")[-1], r["seconds"]] for r in ranked]


def _machine_and_stages(stages: list[Stage]) -> dict[str, Any]:
    """The report keys every benchmark shares: the machine, and each stage's time, rows,
    throughput and peak memory."""
    return {
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        },
        "stages": {
            s.name: {
                "seconds": round(s.seconds, 2),
                "rows": s.rows,
                "rows_per_second": round(s.rows_per_second),
                "peak_rss_mb": round(s.peak_rss_mb, 1),
                "detail": s.detail,
            }
            for s in stages
        },
    }


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


def _comments_scanned(detail: dict[str, Any]) -> int:
    return int(detail.get("comments_scanned", 0) or 0)


def _trends_scored(detail: dict[str, Any]) -> int:
    return sum(int(v.get("scored") or 0) for v in detail.values() if isinstance(v, dict))


def _versions(detail: dict[str, Any]) -> int:
    return int(detail.get("versions", 0))


def _rows(detail: Any) -> int:
    return int(detail.get("rows", 0)) if isinstance(detail, dict) else 0


@contextmanager
def _workdir(workdir: Path | None, keep: bool, prefix: str) -> Iterator[Path]:
    """`workdir`, or a temporary folder that is removed afterwards unless `keep` (a benchmark
    writes gigabytes of archives; a folder the caller chose is the caller's to remove)."""
    work = Path(workdir or tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if workdir is None and not keep:
            shutil.rmtree(work, ignore_errors=True)


def _floor_report(floor_seconds: float, floor_lines: int) -> dict[str, Any]:
    return {"floor_seconds": round(floor_seconds, 3), "floor_lines": floor_lines}


def run_bench(
    events: int,
    settings: Settings,
    workdir: Path | None = None,
    on_stage: Callable[[Stage], None] | None = None,
    keep: bool = False,
    mastodon_per_day: int = 1_000_000,
) -> dict[str, Any]:
    """Run every stage once and return the report (see module docstring). The simulated day
    includes a Mastodon stream of `mastodon_per_day` statuses across five instances (streaming
    updates, edits, deletes, tag-timeline re-fetches), built by the same dbt build, and a
    `mastodon` stage that runs the sentiment analysis of its post versions."""
    from flows.dbt import hourly_build, run_dbt
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    stages: list[Stage] = []
    with _workdir(workdir, keep, "trendcast-bench-") as work:
        sim_dir = work / "archives"
        with timed(stages, "simulate", on_stage) as st:
            simulate_bench_day(sim_dir, events, mastodon_per_day, st)
        day, last_hour = split_last_hour(sim_dir)
        floor_seconds, floor_lines = scan_floor(day)

        with timed(stages, "load", on_stage) as st, connect(settings) as wh:
            results = load_paths(wh, day)
            st.rows = events
            st.detail = {"lines": sum(r.total for r in results), "files": len(results)}

        with timed(stages, "build", on_stage) as st:
            run = run_dbt(["build"], settings)
            st.rows = events
            st.detail = {"nodes": len(run.results), "slowest": _slowest(run.results)}

        # the flows of the optional subsystems, each a stage when its module is installed:
        # (stage, module, flow, rows processed from the flow's result)
        flow_stages: list[tuple[str, str, str, Callable[[Any], int]]] = [
            ("extract_domains", "flows.domain_flows", "extract_domains", _comments_scanned),
            ("features", "flows.trends_flows", "features", lambda _: events),
            ("train_trends", "flows.trends_flows", "trends_models", _trends_scored),
            ("mastodon", "flows.mastodon_flows", "mastodon_sentiment", _versions),
            ("train", "flows.ml_flows", "train", _rows),
            ("score", "flows.ml_flows", "score", _rows),
        ]
        for name, module, flow_name, rows in flow_stages:
            fn = _optional(module, flow_name)
            if fn is None or (name == "mastodon" and not mastodon_per_day):
                continue
            with timed(stages, name, on_stage) as st:
                st.detail = fn(target=settings.target) or {}
                st.rows = rows(st.detail)

        with timed(stages, "incremental", on_stage) as st:
            with connect(settings) as wh:
                inc = load_paths(wh, last_hour)
            run = hourly_build(settings)
            st.rows = int(events / 24)
            st.detail = {
                "lines": sum(r.total for r in inc),
                "nodes": len(run.results),
                "slowest": _slowest(run.results),
            }

    by_name = {s.name: s for s in stages}
    pipeline = [
        by_name[n]
        for n in ("load", "build", "features", "train_trends", "train", "score")
        if n in by_name
    ]
    end_to_end = sum(s.seconds for s in pipeline)
    return {
        "events": events,
        "target": settings.target,
        **_machine_and_stages(stages),
        "end_to_end_seconds": round(end_to_end, 2),
        "incremental_seconds": round(by_name["incremental"].seconds, 2),
        **_floor_report(floor_seconds, floor_lines),
        "pipeline_over_floor": round(end_to_end / floor_seconds, 1) if floor_seconds else None,
        "peak_rss_mb": round(max(s.peak_rss_mb for s in stages), 1),
    }


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


def run_youtube_bench(
    archive: list[Path],
    years: int,
    settings: Settings,
    workdir: Path | None = None,
    on_stage: Callable[[Stage], None] | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """The multi-year YouTube chart case: a real chart archive plus `years` shifted copies.

    Stages: replica (trendcast/replica.py), load (real + replica), youtube_staging (the chart
    staging model alone, from scratch: its own peak memory), build (`dbt build` of the rest).
    Memory is what this process and its children hold (dbt and DuckDB run in-process; a
    Postgres server's memory is not counted).
    """
    from flows.dbt import node_progress, run_dbt
    from trendcast.archive import discover
    from trendcast.landing import load_paths
    from trendcast.replica import write_youtube_replica
    from trendcast.warehouse import connect

    stages: list[Stage] = []
    with _workdir(workdir, keep, "trendcast-bench-youtube-") as work:
        real = discover(archive)
        with timed(stages, "replica", on_stage) as st:
            stats = write_youtube_replica(real, work / "replica", years)
            st.rows = stats.video_rows
            st.detail = {"calls": stats.calls, "files": stats.files, "json_mb": stats.bytes_written}
        files = [*real, *discover([work / "replica"])]
        floor_seconds, floor_lines = scan_floor(files)

        with timed(stages, "load", on_stage) as st, connect(settings) as wh:
            results = load_paths(wh, files)
            st.rows = sum(r.total for r in results)
            st.detail = {
                "lines": st.rows,
                "processed": sum(r.processed for r in results),
                "files": len(results),
            }

        with timed(stages, "youtube_staging", on_stage) as st:
            run = run_dbt(["run", "--select", "stg_youtube__video_snapshots"], settings)
            with connect(settings) as wh:
                st.rows = int(
                    wh.scalar("select count(*) from staging.stg_youtube__video_snapshots")
                )
            st.detail = {"nodes": len(run.results)}

        with (
            timed(stages, "build", on_stage) as st,
            NodeMemory() as memory,
            node_progress(memory.finished, on_start=memory.started),
        ):
            run = run_dbt(["build"], settings)
            st.rows = stages[-1].rows
            st.detail = {
                "nodes": len(run.results),
                "statuses": run.statuses,
                "slowest": _slowest(run.results),
                "node_peak_rss_mb": memory.top(),
            }

    pipeline = [s for s in stages if s.name != "replica"]
    return {
        "source": "youtube",
        "years": years,
        "target": settings.target,
        **_machine_and_stages(stages),
        "end_to_end_seconds": round(sum(s.seconds for s in pipeline), 2),
        **_floor_report(floor_seconds, floor_lines),
        "peak_rss_mb": round(max(s.peak_rss_mb for s in pipeline), 1),
    }
