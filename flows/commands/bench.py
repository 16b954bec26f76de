"""`trendcast bench`: time every pipeline stage at seed volume (see flows/bench.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from trendcast.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)


@contextmanager
def _throwaway_warehouse(limit: str | None) -> Iterator[Settings]:
    """A throwaway warehouse of the chosen target (a temp DuckDB file or a temp Postgres
    database) with DuckDB's memory_limit set: a benchmark never touches the warehouse `trendcast
    run` uses, and every variant of it measures under the same memory budget."""
    from flows.isolated import env_override, exported, throwaway_warehouse

    with (
        throwaway_warehouse() as tmp,
        exported(tmp) as settings,
        env_override("TRENDCAST_DUCKDB_MEMORY_LIMIT", limit),
    ):
        yield settings


def _stop_on_sigterm() -> None:
    """A SIGTERM (a timeout, a scheduler) unwinds like Ctrl-C: the `finally` blocks drop the
    throwaway Postgres database, delete the temp DuckDB file and stop a Spark cluster the run
    started, instead of leaving them behind as Python's default handler (exit at once) would."""
    import signal

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)


def _limit_note(limit: str | None, settings: Settings) -> str:
    return f" (DuckDB memory_limit {limit})" if limit and settings.target == "duckdb" else ""


def _write_report(report: dict[str, Any], json_path: Path | None) -> None:
    from flows.bench import write_json

    if json_path:
        write_json(report, json_path)
        console.print(f"report written to {json_path}")


def bench(
    events: Annotated[
        int, typer.Option(help="First-party events in the simulated day.")
    ] = 10_000_000,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON here.")
    ] = None,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the simulated archives in this folder.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="duckdb, postgres or spark (same as the global --target). spark: a local "
            "standalone cluster this run starts and stops (--spark-workers).",
        ),
    ] = None,
    spark_workers: Annotated[
        int, typer.Option(min=1, help="--target spark: workers (one executor each).")
    ] = 1,
    spark_cores: Annotated[int, typer.Option(min=1, help="--target spark: cores per worker.")] = 1,
    spark_shuffle_partitions: Annotated[
        int, typer.Option(min=1, help="--target spark: spark.sql.shuffle.partitions.")
    ] = 8,
    spark_executor_memory: Annotated[
        str, typer.Option(help="--target spark: memory per executor (and per worker).")
    ] = "2g",
    spark_driver_memory: Annotated[
        str, typer.Option(help="--target spark: the driver JVM's memory.")
    ] = "2g",
    memory_limit: Annotated[
        str,
        typer.Option(
            help="DuckDB memory_limit for the run (TRENDCAST_DUCKDB_MEMORY_LIMIT): the 4 GB RSS "
            "memory budget leaves ~1.5 GB for Python, dbt and Arrow. 'default' keeps "
            "DuckDB's own (80% of RAM)."
        ),
    ] = "2500MB",
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Measure the hourly loop on a simulated live feed instead: fetch-to-published "
            "latency and cycle time (flows/bench_live.py).",
        ),
    ] = False,
    live_hours: Annotated[int, typer.Option(help="--live: hours replayed live.")] = 3,
    warm_hours: Annotated[int, typer.Option(help="--live: hours landed first.")] = 2,
    speed: Annotated[
        float,
        typer.Option(
            help="--live: replay speed (x real time); the default keeps the 15-minute interval "
            "(90 s of wall time) longer than a cycle, so each cycle carries one window."
        ),
    ] = 10.0,
    mastodon_per_day: Annotated[
        int,
        typer.Option(help="Mastodon statuses per simulated day (0: only the model's few)."),
    ] = 1_000_000,
    source: Annotated[
        str,
        typer.Option(
            help="events: a simulated day of the first-party stream (default). youtube: a real "
            "chart archive plus --years shifted copies (the multi-year case)."
        ),
    ] = "events",
    years: Annotated[
        int, typer.Option(min=1, help="--source youtube: replica years on top of the archive.")
    ] = 5,
    archive: Annotated[
        list[Path] | None,
        typer.Option(help="--source youtube: real chart archives (default: the bundled sample)."),
    ] = None,
) -> None:
    """Simulate a day, then time load, full build, hourly incremental, features, train, score.

    With --source youtube: replicate a real YouTube chart archive over --years, then time load,
    the chart staging model alone and the full build (flows/bench.py run_youtube_bench).
    Runs against a throwaway warehouse of the chosen --target (a temp DuckDB file, or a temp
    database on the configured Postgres server), never the one `trendcast run` uses.
    """
    from flows.bench import run_bench
    from flows.commands import use_target

    if source not in ("events", "youtube"):
        raise typer.BadParameter(f"--source must be events or youtube, got {source!r}")
    settings = use_target(target)
    limit = None if memory_limit == "default" else memory_limit
    _stop_on_sigterm()
    if settings.target == "spark":
        if live or source != "events":
            raise typer.BadParameter(
                "--target spark: only the event benchmark (no --live/--source)"
            )
        _bench_spark(
            events,
            json_path,
            keep,
            mastodon_per_day,
            spark_workers,
            spark_cores,
            spark_shuffle_partitions,
            spark_executor_memory,
            spark_driver_memory,
        )
        return
    if live:
        _bench_live(events, json_path, limit, live_hours, warm_hours, speed)
        return
    if source == "youtube":
        _bench_youtube(archive, years, json_path, keep, limit)
        return

    def show(stage) -> None:
        console.print(
            f"  {stage.name:<12} {stage.seconds:8.1f} s  {stage.rows:>12,} rows  "
            f"{stage.rows_per_second:>12,.0f} rows/s  peak {stage.peak_rss_mb:8.0f} MB"
        )

    with _throwaway_warehouse(limit) as settings:
        console.print(
            f"[bold]trendcast bench[/]: {events:,} events on {settings.describe()}"
            + _limit_note(limit, settings)
        )
        report = run_bench(
            events,
            settings,
            workdir=keep,
            on_stage=show,
            keep=keep is not None,
            mastodon_per_day=mastodon_per_day,
        )
        report["duckdb_memory_limit"] = None
        if settings.target == "duckdb":
            from trendcast.warehouse import connect

            # what DuckDB itself reports for the warehouse (dbt reads the same variable)
            with connect(settings) as wh:
                report["duckdb_memory_limit"] = wh.scalar("select current_setting('memory_limit')")
    table = Table(title=f"trendcast bench: {events:,} events, {report['target']}")
    for col in ("stage", "seconds", "rows", "rows/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for name, s in report["stages"].items():
        table.add_row(name, f"{s['seconds']:.1f}", f"{s['rows']:,}", f"{s['rows_per_second']:,}",
                      f"{s['peak_rss_mb']:.0f}")  # fmt: skip
    console.print(table)
    console.print(
        f"end to end (load..score): {report['end_to_end_seconds']:.1f} s; "
        f"hourly incremental: {report['incremental_seconds']:.1f} s; "
        f"scan floor: {report['floor_seconds']:.2f} s "
        f"(pipeline = {report['pipeline_over_floor']}x floor); peak RSS {report['peak_rss_mb']:.0f} MB"
    )
    _write_report(report, json_path)


def _bench_spark(
    events: int,
    json_path: Path | None,
    keep: Path | None,
    mastodon_per_day: int,
    workers: int,
    cores: int,
    shuffle_partitions: int,
    executor_memory: str,
    driver_memory: str,
) -> None:
    """The event benchmark on a local Spark standalone cluster (flows/bench_spark.py)."""
    from flows.bench_spark import run_spark_bench
    from trendcast.spark import require_pyspark

    require_pyspark()

    def show(stage) -> None:
        d = stage.detail
        console.print(
            f"  {stage.name:<12} {stage.seconds:8.1f} s  {stage.rows:>12,} rows  "
            f"driver {d.get('driver_peak_rss_mb', 0):6.0f} MB  "
            f"executors {d.get('executors_peak_rss_mb', 0):6.0f} MB  "
            f"load {d.get('loadavg_end')}"
        )

    console.print(
        f"[bold]trendcast bench --target spark[/]: {events:,} events on a local standalone "
        f"cluster, {workers} worker(s) x {cores} core(s), {shuffle_partitions} shuffle "
        f"partitions (throwaway warehouse)"
    )
    report = run_spark_bench(
        events,
        workers=workers,
        cores=cores,
        workdir=keep,
        on_stage=show,
        keep=keep is not None,
        mastodon_per_day=mastodon_per_day,
        shuffle_partitions=shuffle_partitions,
        executor_memory=executor_memory,
        driver_memory=driver_memory,
    )
    for name, reason in report["skipped_stages"].items():
        console.print(f"  {name:<12} skipped: {reason}")
    console.print(
        f"end to end (load + build): {report['end_to_end_seconds']:.1f} s; incremental hour: "
        f"{report['incremental_seconds']:.1f} s; scan floor {report['floor_seconds']:.2f} s; "
        f"driver peak {report['spark']['driver_peak_rss_mb']:.0f} MB, executors peak "
        f"{report['spark']['executors_peak_rss_mb']:.0f} MB; load average "
        f"{report['loadavg_start']} -> {report['loadavg_end']}"
    )
    _write_report(report, json_path)


def _bench_youtube(
    archive: list[Path] | None,
    years: int,
    json_path: Path | None,
    keep: Path | None,
    limit: str | None,
) -> None:
    from flows.bench import run_youtube_bench
    from trendcast.settings import PROJECT_DIR

    sources = archive or [PROJECT_DIR / "data" / "sample" / "youtube"]

    def show(stage) -> None:
        console.print(
            f"  {stage.name:<16} {stage.seconds:8.1f} s  {stage.rows:>12,} rows  "
            f"peak {stage.peak_rss_mb:8.0f} MB"
        )

    with _throwaway_warehouse(limit) as settings:
        console.print(
            f"[bold]trendcast bench --source youtube[/]: {', '.join(map(str, sources))} "
            f"+ {years} replica years on {settings.describe()}" + _limit_note(limit, settings)
        )
        report = run_youtube_bench(
            sources, years, settings, workdir=keep, on_stage=show, keep=keep is not None
        )
    report["duckdb_memory_limit"] = limit if report["target"] == "duckdb" else None
    console.print(
        f"load + build: {report['end_to_end_seconds']:.1f} s; "
        f"peak RSS {report['peak_rss_mb']:.0f} MB"
    )
    _write_report(report, json_path)


def _bench_live(
    events: int,
    json_path: Path | None,
    limit: str | None,
    live_hours: int,
    warm_hours: int,
    speed: float,
) -> None:
    from flows.bench_live import run_live_bench

    def show(n: int, released: list[Path], summary: dict, seconds: float) -> None:
        landed = len(summary.get("land", {}).get("landed", []))
        console.print(f"  cycle {n}: {len(released)} files due, {landed} landed, {seconds:.1f} s")

    with _throwaway_warehouse(limit) as settings:
        console.print(
            f"[bold]trendcast bench --live[/]: {events:,} events/day, {warm_hours} h landed "
            f"first, {live_hours} h replayed at {speed:g}x on {settings.describe()}"
        )
        report = run_live_bench(events, settings, warm_hours, live_hours, speed, on_cycle=show)
    console.print(
        f"batches {report['batches']}, published {report['published']}; latency p50 "
        f"{report['p50_latency_seconds']:.1f} s, p95 {report['p95_latency_seconds']:.1f} s; "
        f"max cycle {report['max_cycle_seconds']:.1f} s"
    )
    _write_report(report, json_path)
