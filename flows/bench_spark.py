"""`trendcast bench --target spark`: the event benchmark on a local Spark standalone cluster.

The same simulated day (plus one hour) and the same stages and report shape as the DuckDB and
Postgres benchmark (flows/bench.py), on a throwaway Spark warehouse (a temp folder: Parquet
tables and the Derby catalog) and a standalone cluster this run starts on 127.0.0.1 and always
stops (trendcast/spark.py LocalCluster: `workers` workers, `cores` each, one executor per
worker in a JVM of its own).

What runs on Spark today (docs/SPARK.md):
- load: the Spark landing (trendcast/landing/spark.py), in loads of whole simulated hours up
  to LOAD_BYTES of archives each, so the driver holds a bounded share of the day at a time;
- build: the seeds and models Spark builds (trendcast/spark.py BUILD_SEEDS / BUILD_MODELS, the
  selection tests/python/test_spark.py compares with DuckDB): the core star schema with its
  whole lineage and the youtube_chart_features mart (`dbt run`, no data tests);
- incremental: the 25th hour landed, then the same selection again (its incremental models run
  incrementally: delete+insert by rewrite on Spark).
The Python stages (domains, features, training, scoring, Mastodon sentiment) open DuckDB or
Postgres only: they are reported as skipped with the reason, with no time.

Memory is sampled separately for the driver (this process and its children outside the
cluster: the driver JVM), the executors (the JVMs the workers start) and the cluster's master
and worker daemons, from /proc through psutil every 0.2 s.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil

from flows.bench import (
    Stage,
    _floor_report,
    _machine_and_stages,
    _optional,
    _slowest,
    _workdir,
    scan_floor,
    simulate_bench_day,
    split_last_hour,
)
from flows.isolated import environ

# the stages of the DuckDB/Postgres benchmark that run Python on DuckDB or Postgres only
SKIPPED_REASON = (
    "not on Spark yet: this stage's Python opens DuckDB or Postgres only "
    "(docs/SPARK.md, 'Not yet on Spark')"
)
PYTHON_STAGES = [
    ("extract_domains", "flows.domain_flows", "extract_domains"),
    ("features", "flows.trends_flows", "features"),
    ("train_trends", "flows.trends_flows", "trends_models"),
    ("mastodon", "flows.mastodon_flows", "mastodon_sentiment"),
    ("train", "flows.ml_flows", "train"),
    ("score", "flows.ml_flows", "score"),
]


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 when it is gone)."""
    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            with suppress(psutil.Error):
                total += child.memory_info().rss
        return total
    except psutil.Error:
        return 0


class ClusterRss:
    """Peak resident memory of the driver, the executors and the cluster daemons.

    driver: this process plus its children that are not cluster processes (the driver JVM
    PySpark launches); executors: the descendants of the worker processes (each worker starts
    its executor JVM as a child); daemons: the master and worker JVMs themselves.
    """

    def __init__(self, master_pid: int, worker_pids: list[int], interval: float = 0.2) -> None:
        self.master_pid = master_pid
        self.worker_pids = worker_pids
        self.interval = interval
        self.driver = self.executors = self.daemons = 0
        self.per_executor: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        cluster = {self.master_pid, *self.worker_pids}
        me = psutil.Process()
        driver = me.memory_info().rss
        for child in me.children(recursive=False):
            if child.pid not in cluster:
                driver += _tree_rss(child.pid)
        executors = daemons = 0
        for pid in [self.master_pid, *self.worker_pids]:
            try:
                proc = psutil.Process(pid)
                daemons += proc.memory_info().rss
                for child in proc.children(recursive=True):
                    with suppress(psutil.Error):
                        rss = child.memory_info().rss
                        executors += rss
                        self.per_executor[child.pid] = max(self.per_executor.get(child.pid, 0), rss)
            except psutil.Error:
                continue
        self.driver = max(self.driver, driver)
        self.executors = max(self.executors, executors)
        self.daemons = max(self.daemons, daemons)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with suppress(psutil.Error):
                self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> ClusterRss:
        with suppress(psutil.Error):
            self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        with suppress(psutil.Error):
            self._sample()

    def report(self) -> dict[str, Any]:
        return {
            "driver_peak_rss_mb": round(self.driver / 1e6, 1),
            "executors_peak_rss_mb": round(self.executors / 1e6, 1),
            "executor_peak_rss_mb": sorted(
                (round(v / 1e6, 1) for v in self.per_executor.values() if v > 1e6), reverse=True
            ),
            "cluster_daemons_peak_rss_mb": round(self.daemons / 1e6, 1),
        }


@contextmanager
def _timed(
    stages: list[Stage],
    name: str,
    cluster: Any,
    on_done: Callable[[Stage], None] | None,
) -> Iterator[Stage]:
    """One stage: wall time, the driver's peak RSS as the stage's peak_rss_mb (as on the other
    targets, this process and its own children), executors and daemons in `detail`, and the
    load average at its end."""
    stage = Stage(name)
    with ClusterRss(cluster.pids[0], cluster.pids[1:]) as rss:
        started = time.perf_counter()
        yield stage
        stage.seconds = time.perf_counter() - started
    memory = rss.report()
    stage.peak_rss_mb = memory["driver_peak_rss_mb"]
    stage.detail = {**stage.detail, **memory, "loadavg_end": _loadavg()}
    stages.append(stage)
    if on_done:
        on_done(stage)


def _count(spark: Any, sql: str) -> int:
    return int(spark.sql(sql).collect()[0][0])


# compressed bytes of archives per Spark load: the driver holds one load's validated lines
# (as Arrow, then in the driver JVM) at a time; a whole 10M-event day at once would not fit a
# 2 GB driver, and each load has a fixed cost of a few Spark jobs (about 10 s on this machine)
LOAD_BYTES = 48 * 1024 * 1024


def _land_in_groups(spark: Any, files: list[Path]) -> dict[str, int]:
    """Land `files` in loads of whole simulated hours up to LOAD_BYTES each (at least one
    hour per load); the summed batch counts."""
    from flows.bench import _hour_of
    from trendcast.landing.spark import load_paths_spark

    hours: dict[str, list[Path]] = {}
    for path in files:
        hours.setdefault(_hour_of(path), []).append(path)
    groups: list[list[Path]] = []
    size = 0
    for hour in sorted(hours):
        hour_size = sum(p.stat().st_size for p in hours[hour])
        if not groups or size + hour_size > LOAD_BYTES:
            groups.append([])
            size = 0
        groups[-1] += hours[hour]
        size += hour_size
    totals = {"files": 0, "lines": 0, "processed": 0, "failed": 0, "duplicate": 0, "loads": 0}
    for group in groups:
        results = load_paths_spark(spark, group)
        totals["loads"] += 1
        totals["files"] += len(results)
        totals["lines"] += sum(r.total for r in results)
        totals["processed"] += sum(r.processed for r in results)
        totals["failed"] += sum(r.failed for r in results)
        totals["duplicate"] += sum(r.duplicate for r in results)
    return totals


def run_spark_bench(
    events: int,
    workers: int = 1,
    cores: int = 1,
    workdir: Path | None = None,
    on_stage: Callable[[Stage], None] | None = None,
    keep: bool = False,
    mastodon_per_day: int = 1_000_000,
    shuffle_partitions: int = 8,
    executor_memory: str = "2g",
    driver_memory: str = "2g",
) -> dict[str, Any]:
    """Start a cluster, run the stages Spark runs (module docstring), stop the cluster and the
    session whatever happens, and return the report (the keys of flows/bench.run_bench plus a
    `spark` block and `skipped_stages`)."""
    from flows.dbt import run_dbt
    from trendcast.settings import Settings
    from trendcast.spark import (
        BUILD_MODELS,
        BUILD_SEEDS,
        BUILD_TABLES,
        LocalCluster,
        spark_session,
        stop_session,
    )

    loadavg_start = _loadavg()
    stages: list[Stage] = []
    base = Path(tempfile.mkdtemp(prefix="trendcast-spark-bench-"))
    # the worker offers exactly what its one executor asks for
    cluster = LocalCluster(
        base / "cluster", workers=workers, worker_cores=cores, worker_memory=executor_memory
    )
    env = {
        "TRENDCAST_TARGET": "spark",
        "TRENDCAST_SPARK_WAREHOUSE": str(base / "warehouse"),
        "TRENDCAST_SPARK_SHUFFLE_PARTITIONS": str(shuffle_partitions),
        "TRENDCAST_SPARK_EXECUTOR_MEMORY": executor_memory,
        "TRENDCAST_SPARK_DRIVER_MEMORY": driver_memory,
        "TRENDCAST_SPARK_DRIVER_HOST": "127.0.0.1",
        "TRENDCAST_SPARK_DRIVER_BIND": "127.0.0.1",
        # the driver JVM's own address lookups stay on loopback too (as the cluster's do)
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    table_rows: dict[str, int] = {}
    try:
        cluster_started = time.perf_counter()
        cluster.start()
        cluster_seconds = time.perf_counter() - cluster_started
        env["TRENDCAST_SPARK_MASTER"] = cluster.url
        with _workdir(workdir, keep, "trendcast-bench-") as work, environ(env):
            sim_dir = work / "archives"
            with _timed(stages, "simulate", cluster, on_stage) as st:
                simulate_bench_day(sim_dir, events, mastodon_per_day, st)
            day, last_hour = split_last_hour(sim_dir)
            floor_seconds, floor_lines = scan_floor(day)

            with _timed(stages, "session", cluster, on_stage) as st:
                spark = spark_session()
                spark.sparkContext.setLogLevel("ERROR")
                st.detail = {"alive_workers": cluster.alive_workers()}
            settings = Settings.from_env("spark")

            with _timed(stages, "load", cluster, on_stage) as st:
                st.detail = _land_in_groups(spark, day)
                st.detail["items"] = _count(spark, "select count(*) from raw.response_items")
                st.rows = events

            with _timed(stages, "build", cluster, on_stage) as st:
                seeds = run_dbt(BUILD_SEEDS, settings)
                models = run_dbt(BUILD_MODELS, settings)
                results = seeds.results + models.results
                st.rows = events
                st.detail = {"nodes": len(results), "slowest": _slowest(results)}
            # rows per built table (outside the stage's time: a count per table)
            table_rows = {t: _count(spark, f"select count(*) from {t}") for t in BUILD_TABLES}
            table_rows["staging.stg_platform__events"] = _count(
                spark, "select count(*) from staging.stg_platform__events"
            )

            skipped = {}
            for name, module, flow in PYTHON_STAGES:
                if _optional(module, flow) is None or (name == "mastodon" and not mastodon_per_day):
                    continue
                skipped[name] = SKIPPED_REASON
                stages.append(Stage(name, detail={"skipped": SKIPPED_REASON}))

            with _timed(stages, "incremental", cluster, on_stage) as st:
                inc = _land_in_groups(spark, last_hour)
                run = run_dbt(BUILD_MODELS, settings)
                st.rows = int(events / 24)
                st.detail = {
                    "lines": inc["lines"],
                    "nodes": len(run.results),
                    "slowest": _slowest(run.results),
                }
            alive = cluster.alive_workers()
    finally:
        stop_session()
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)

    by_name = {s.name: s for s in stages}
    pipeline = [by_name[n] for n in ("load", "build") if n in by_name]
    end_to_end = sum(s.seconds for s in pipeline)
    return {
        "events": events,
        "target": "spark",
        **_machine_and_stages(stages),
        "end_to_end_seconds": round(end_to_end, 2),
        "incremental_seconds": round(by_name["incremental"].seconds, 2),
        **_floor_report(floor_seconds, floor_lines),
        "pipeline_over_floor": round(end_to_end / floor_seconds, 1) if floor_seconds else None,
        "peak_rss_mb": round(max(s.peak_rss_mb for s in stages), 1),
        "skipped_stages": skipped,
        "table_rows": table_rows,
        "loadavg_start": loadavg_start,
        "loadavg_end": _loadavg(),
        "spark": {
            "workers": workers,
            "cores_per_worker": cores,
            "cores": workers * cores,
            "alive_workers_at_end": alive,
            "shuffle_partitions": shuffle_partitions,
            "executor_memory": executor_memory,
            "driver_memory": driver_memory,
            "cluster_start_seconds": round(cluster_seconds, 2),
            # removed at the end; no process of the cluster names it any more (the test checks)
            "cluster_dir": str(cluster.state_dir),
            "executors_peak_rss_mb": max(s.detail.get("executors_peak_rss_mb", 0) for s in stages),
            "driver_peak_rss_mb": max(s.detail.get("driver_peak_rss_mb", 0) for s in stages),
            "cluster_daemons_peak_rss_mb": max(
                s.detail.get("cluster_daemons_peak_rss_mb", 0) for s in stages
            ),
        },
    }
