"""The `trendcast` command line: load, build, run, status, and every module in flows/commands.

Errors print as one line plus a hint, never a traceback (set TRENDCAST_DEBUG=1 for one).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from flows.commands import print_error, use_target, writing
from trendcast.settings import PROJECT_DIR, Settings

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    name="trendcast",
    help="trendcast: land social-media API archives, model them with dbt, predict what trends.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
SAMPLE_DIR = PROJECT_DIR / "data" / "sample"


@app.callback()
def _global(
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="Warehouse: duckdb (default), postgres or spark. Env: TRENDCAST_TARGET.",
        ),
    ] = None,
) -> None:
    use_target(target)


def settings() -> Settings:
    return Settings.from_env()


def load_with_progress(paths: list[Path], cfg: Settings) -> list[Any]:
    """Land the archive files under `paths` with a progress bar per file; a path with no
    archive files is an error, not an empty run, because it is almost always a typo."""
    from trendcast.archive import discover
    from trendcast.landing import load_paths
    from trendcast.warehouse import connect

    files = discover(paths)
    if not files:
        raise FileNotFoundError(f"no archive files (*.jsonl, *.jsonl.gz) under {paths}")
    with (
        connect(cfg) as wh,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):

        def on_file(path: Path, size: int) -> Any:
            tid = progress.add_task(path.name[:48], total=_uncompressed_hint(path))
            return lambda n: progress.advance(tid, n)

        return load_paths(wh, files, on_file=on_file)


def _uncompressed_hint(path: Path) -> int:
    size = path.stat().st_size
    return size * 8 if path.name.endswith(".gz") else size


def print_batches(results: list[Any]) -> None:
    """One row per landed file, flagging any whose processed + failed + duplicate lines do
    not add up to its total (MISMATCH), the one landing invariant a reader can check by eye."""
    table = Table(title="Batches", show_lines=False)
    for col in ("file", "sources", "total", "processed", "failed", "duplicate", "note"):
        table.add_column(
            col, justify="right" if col in ("total", "processed", "failed", "duplicate") else "left"
        )
    for r in results:
        note = "already loaded: no-op" if r.skipped else ("ok" if r.reconciles else "MISMATCH")
        table.add_row(
            Path(r.path).name,
            r.sources,
            str(r.total),
            str(r.processed),
            str(r.failed),
            str(r.duplicate),
            note,
        )
    console.print(table)


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Archive files or folders (recursive).")],
) -> None:
    """Land archive files into raw.api_responses (one row per line; idempotent, atomic)."""
    cfg = settings()
    if cfg.target == "spark":
        # Spark's catalog admits one process at a time (docs/SPARK.md): no writer lock to take
        from trendcast.landing.spark import load_paths_spark
        from trendcast.spark import spark_session

        with console.status(f"landing on {cfg.describe()}..."):
            results = load_paths_spark(spark_session(), paths)
    else:
        with writing(cfg, "load"):
            results = load_with_progress(paths, cfg)
    print_batches(results)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def build(
    ctx: typer.Context,
    hourly: Annotated[
        bool,
        typer.Option(
            "--hourly",
            help="Only what new data changes (selectors.yml `hourly`) and the primary-key tests.",
        ),
    ] = False,
) -> None:
    """Run `dbt build` (seeds, models, tests) on the target; extra args go to dbt."""
    from flows.dbt import hourly_build, run_dbt
    from trendcast.landing import split_legacy_responses
    from trendcast.warehouse import connect

    cfg = settings()
    # Spark's raw tables have one layout and no writer lock (the lock guards DuckDB and Postgres)
    with writing(cfg, "build") if cfg.target != "spark" else nullcontext():
        # the raw tables dbt reads exist, in the current layout (a no-op unless the warehouse
        # was landed by an earlier version: docs in README "Landing")
        if cfg.target != "spark":
            with connect(cfg) as wh:
                split_legacy_responses(wh)
        started = time.perf_counter()
        with console.status(f"dbt {'hourly run' if hourly else 'build'} on {cfg.target}..."):
            run = hourly_build(cfg) if hourly else run_dbt(["build", *ctx.args], cfg)
    console.print(
        f"dbt {'hourly' if hourly else 'build'}: {len(run.results)} nodes "
        + ", ".join(f"{k} {v}" for k, v in sorted(run.statuses.items()))
        + f" in {time.perf_counter() - started:.1f}s"
    )


@app.command()
def status() -> None:
    """Batches and records by status per source, then freshness, latency against the SLA,
    schema changes and open alerts."""
    from trendcast.landing import status_counts
    from trendcast.warehouse import connect

    cfg = settings()
    with connect(cfg, read_only=cfg.target == "duckdb" and cfg.duckdb_path.exists()) as wh:
        rows = status_counts(wh)
    if not rows:
        console.print("nothing landed yet: run `trendcast load PATH`")
        return
    table = Table(title=f"Landed records ({cfg.describe()})")
    cols = [
        "source",
        "batches",
        "records",
        "processed",
        "failed",
        "duplicate",
        "pending",
        "first_fetched_at",
        "last_fetched_at",
    ]
    for c in cols:
        table.add_column(c)
    for row in rows:
        table.add_row(*[str(row[c]) for c in cols])
    console.print(table)
    from flows.commands.ops import print_ops_status

    print_ops_status(cfg)


@app.command()
def run(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Archives to land first (default: the bundled sample)."),
    ] = None,
    simulate: Annotated[
        bool, typer.Option(help="Also simulate a small platform run next to the real sample.")
    ] = True,
    skip_ml: Annotated[bool, typer.Option(help="Stop after dbt build.")] = False,
    full_refresh: Annotated[
        bool, typer.Option(help="Rebuild incremental models from scratch.")
    ] = False,
) -> None:
    """The whole pipeline flow: load -> dbt build -> train -> score -> report, then a summary."""
    import logging

    from flows.pipeline import pipeline

    cfg = settings()
    if not os.environ.get("TRENDCAST_DEBUG"):
        # Prefect logs a failing task's traceback; the CLI reports the error in one line instead.
        logging.getLogger("prefect").setLevel(logging.CRITICAL)
    inputs = [str(p) for p in (paths or [SAMPLE_DIR])]
    if simulate and not paths:
        sim_dir = _simulate_sample()
        if sim_dir is not None:
            inputs.append(str(sim_dir))
    console.print(f"[bold]trendcast run[/] on {cfg.describe()}: {', '.join(inputs)}")
    # land first with a per-file progress bar; the flow's load step then finds every file landed
    started = time.perf_counter()
    landed = load_with_progress([Path(p) for p in inputs], cfg)
    landing_seconds = time.perf_counter() - started
    summary = _pipeline_with_progress(
        pipeline, inputs, cfg, full_refresh=full_refresh, skip_ml=skip_ml
    )
    summary["seconds"]["load"] = round(landing_seconds + summary["seconds"].get("load", 0), 1)
    published = _publish_for_readers(summary, cfg)
    print_summary(summary, cfg, published=published, landed=landed)


def _simulate_sample() -> Path | None:
    """A small deterministic simulated run (platform, TikTok, Mastodon) beside the real sample."""
    try:
        sim = importlib.import_module("trendcast.simulator")
    except ImportError:
        return None
    if not hasattr(sim, "simulate") or not hasattr(sim, "SimConfig"):
        return None
    out = PROJECT_DIR / "data" / "simulated" / "sample"
    if not (out / "_truth" / "manifest.json").exists():
        from datetime import UTC, datetime

        cfg = sim.SimConfig(
            start=datetime(2025, 6, 1, tzinfo=UTC),
            hours=48,
            scale="small",
            events=None,
            seed=7,
        )
        with console.status("simulating a small platform run (platform, TikTok, Mastodon)..."):
            sim.simulate(cfg, out, None)
    return out


def _pipeline_with_progress(pipeline: Any, inputs: list[str], cfg: Settings, **kwargs: Any) -> Any:
    """Run the flow with one live line: the dbt node that just finished, n of total."""
    from flows.dbt import node_progress

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        tid = progress.add_task("pipeline running (dbt, features, models, forecasts)", total=None)

        def on_node(name: str, status: str, index: int, total: int) -> None:
            progress.update(
                tid, description=f"dbt {name[:40]} {status}", completed=index, total=total
            )

        with node_progress(on_node):
            return pipeline(inputs, target=cfg.target, **kwargs)


def _publish_for_readers(summary: dict[str, Any], cfg: Settings) -> Any:
    """The reader copy (DuckDB) or reader grants (Postgres), unless the flow published already."""
    from trendcast.publish import publish
    from trendcast.warehouse import WarehouseError

    if summary.get("published") is not None:
        return summary["published"]
    try:
        with console.status("publishing the read-only copy for readers..."):
            return publish(cfg)
    except WarehouseError as exc:
        console.print(f"[yellow]not published:[/] {exc} (run `trendcast publish` later)")
        return None


def print_summary(
    summary: dict[str, Any],
    cfg: Settings,
    published: Any = None,
    landed: list[Any] | None = None,
) -> None:
    """The end-of-run report: lines per source and status, rows per staging model, then
    what each stage did and where its outputs are; an empty staging model is the first sign
    that a source's data did not parse."""
    from flows.summary import print_run_summary, print_where_and_next
    from trendcast.warehouse import connect

    with connect(cfg) as wh:
        from trendcast.landing import status_counts

        table = Table(title="Records by status")
        for c in ("source", "processed", "failed", "duplicate"):
            table.add_column(c)
        for row in status_counts(wh):
            table.add_row(*[str(row[c]) for c in ("source", "processed", "failed", "duplicate")])
        console.print(table)
        models = wh.query(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging') order by 2"
        )
        # three models per line: the whole layer fits in a few lines
        table = Table(title="Rows per staging model", show_header=False, box=None)
        counts = [
            (name, wh.scalar(f"select count(*) from {schema}.{name}")) for schema, name in models
        ]
        for _ in range(3):
            table.add_column()
            table.add_column(justify="right")
        for i in range(0, len(counts), 3):
            row = [cell for name, n in counts[i : i + 3] for cell in (name, f"{n:,}")]
            table.add_row(*row, *[""] * (6 - len(row)))
        console.print(table)
        from flows.commands.domains import print_top_domains

        print_top_domains(wh, console)
        console.print()
        print_run_summary(summary, cfg, console, published=published, landed=landed)
        _print_top_predictions(wh)
        from flows.commands.mastodon import print_mastodon_summary

        print_mastodon_summary(wh, console)
    print_where_and_next(summary, cfg, console, published)


def _print_top_predictions(wh: Any, limit: int = 10) -> None:
    """The top predicted items of the latest scored day (ml_marts.trending_predictions)."""
    if not wh.table_exists("ml_marts", "trending_predictions"):
        return
    # the pipeline's own summary: it may show titles, which readers' marts do not carry
    title = "t.title" if wh.table_exists("private", "youtube_chart_titles") else "null"
    join = (
        "left join private.youtube_chart_titles as t on p.region_code = t.region_code "
        "and p.video_id = t.video_id "
        if title != "null"
        else ""
    )
    rows = wh.query(
        "select p.region_code, p.as_of_date, p.score_rank_in_day, p.score, p.video_id, "
        f"{title} as title from ml_marts.trending_predictions as p {join}"
        "where p.as_of_date = (select max(as_of_date) from ml_marts.trending_predictions) "
        "order by p.score desc, p.region_code, p.video_id limit ?",
        [limit],
    )
    if not rows:
        return
    table = Table(title=f"Top predicted to stay in the chart (youtube_persists_2d, {rows[0][1]})")
    for col in ("region", "rank in day", "p(persists 2d)", "video", "title"):
        table.add_column(col)
    for region, _, rank, score, video, title in rows:
        table.add_row(region, str(rank), f"{score:.2f}", video, (title or "")[:60])
    console.print(table)


def _register_command_modules() -> None:
    import flows.commands as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"flows.commands.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_command_modules()

_HINTS = {
    "WarehouseLockedError": "close the other process that holds the DuckDB file, then run again",
    "WriterBusyError": "another trendcast command or flow is writing the warehouse: run again "
    "when it ends, or wait longer with TRENDCAST_WRITER_LOCK_WAIT=<seconds>",
    "WarehouseError": "check the TRENDCAST_* settings (see README: Targets)",
    "SettingsError": "see README: Targets",
    "DbtError": "rerun with `trendcast build` and read logs/dbt.log for the failing node",
    "FileNotFoundError": "pass an archive file (*.jsonl or *.jsonl.gz) or a folder holding some",
}


def main() -> None:
    """The console entry point: a failure prints one line with a hint instead of a traceback
    (TRENDCAST_DEBUG=1 re-raises), and a command's exit code becomes the process's."""
    import click

    try:
        rc = app(standalone_mode=False)
        # without standalone mode click returns a command's typer.Exit code instead of exiting
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        console.print("aborted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("TRENDCAST_DEBUG"):
            raise
        name = type(exc).__name__
        hint = next((h for k, h in _HINTS.items() if k == name), None)
        for klass in type(exc).__mro__:
            hint = hint or _HINTS.get(klass.__name__)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else name
        print_error(first, hint or "set TRENDCAST_DEBUG=1 for the traceback")
        sys.exit(1)


if __name__ == "__main__":
    main()
