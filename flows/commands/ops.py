"""`trendcast serve` (scheduled deployments, or a replay of archives as a live feed) and the
operational part of `trendcast status` (freshness, latency against the SLA, schema changes)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from trendcast.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def _schedule_options(values: list[str] | None) -> dict[str, str]:
    out = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--schedule {item!r}: use NAME=VALUE, e.g. hourly=300")
        out[name.strip()] = value.strip()
    return out


def serve(
    replay: Annotated[
        Path | None,
        typer.Option(help="Replay the archive files under this folder as a live feed, then stop."),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Replay speed: N times real time (60: an hour per minute).")
    ] = 60.0,
    inbox: Annotated[
        Path | None,
        typer.Option(
            help="Folder the hourly flow lands from (default TRENDCAST_ARCHIVE_DIR or "
            "data/archive; a replay defaults to data/replay-inbox)."
        ),
    ] = None,
    schedule: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=VALUE: seconds, a cron expression or off, e.g. hourly=300 "
            "(also TRENDCAST_SCHEDULE_<NAME>)."
        ),
    ] = None,
    features: Annotated[bool, typer.Option(help="Hourly: rebuild the feature marts.")] = True,
    score: Annotated[bool, typer.Option(help="Hourly: score the new entities.")] = True,
    sla_seconds: Annotated[
        float, typer.Option(help="Fetch-to-published latency SLA (alerts when p95 exceeds it).")
    ] = 900.0,
) -> None:
    """Run trendcast by itself: every deployment on its schedule (Prefect `serve`), or with
    --replay a replay of archives through the hourly flow on the replay's clock."""
    from flows.live import archive_dir
    from flows.schedules import (
        build_deployments,
        default_replay_inbox,
        deployment_plan,
        parse_schedule,
        run_replay,
        schedule_overrides,
        serve_deployments,
    )

    cfg = Settings.from_env()
    overrides = schedule_overrides(_schedule_options(schedule))
    if replay is None:
        folder = inbox or archive_dir()
        plan = deployment_plan(cfg.target, folder, overrides)
        table = Table(title=f"trendcast deployments on {cfg.describe()}")
        for col in ("deployment", "schedule", "parameters"):
            table.add_column(col)
        for item in plan:
            what = item.get("skipped") and f"skipped: {item['skipped']}"
            table.add_row(
                item["name"], _describe(item["schedule"]), what or str(item["parameters"])
            )
        console.print(table)
        where = os.environ.get("PREFECT_API_URL") or "an ephemeral Prefect API"
        console.print(f"serving against {where}; stop with Ctrl-C")
        serve_deployments(build_deployments(cfg.target, folder, overrides))
        return

    from flows.live import hourly

    folder = inbox or default_replay_inbox()
    every = parse_schedule(overrides.get("hourly", "900")).get("interval", 900.0)
    console.print(
        f"[bold]replay[/] {replay} -> {folder} at {speed:g}x, hourly every {every:g} replay "
        f"seconds, on {cfg.describe()}"
    )

    from trendcast.sources import signals

    def cycle() -> dict[str, Any]:
        # a failed cycle is alerted by the flow; the replay goes on and the next cycle catches up
        try:
            return hourly(paths=[str(folder)], target=cfg.target, replay=True,
                          features=features, score=score, sla_seconds=sla_seconds)  # fmt: skip
        except Exception as exc:
            if signals.received():  # dbt turned the SIGTERM into a failed node: stop all the same
                raise signals.Terminated("SIGTERM during a cycle") from exc
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            console.print(f"  [red]cycle failed:[/] {first}")
            return {"failed": first}

    def show(n: int, released: list[Path], summary: dict[str, Any], seconds: float) -> None:
        land = summary.get("land", {})
        console.print(
            f"  cycle {n}: released {len(released)} files, landed {len(land.get('landed', []))}"
            f" batches in {seconds:.1f} s"
            + (f" ({summary['skipped']})" if summary.get("skipped") else "")
        )
        if signals.received():  # a SIGTERM that a dbt node absorbed: stop before the next one
            raise signals.Terminated("SIGTERM")

    # SIGTERM stops a replay as Ctrl-C does: the file being copied is removed, a cycle cut
    # short is a killed cycle (its batches keep the stamps they reached; the next run carries
    # them through), the writer lock is released
    try:
        with signals.terminate_gracefully():
            run_replay(replay, folder, speed, cycle, cycle_every=float(every), on_cycle=show)
    except signals.Terminated:
        console.print("[yellow]replay stopped by SIGTERM[/]")
        raise typer.Exit(143) from None
    print_ops_status(cfg, sla_seconds, writer=True)


def _describe(schedule: dict[str, Any]) -> str:
    if "interval" in schedule:
        return f"every {schedule['interval']:g} s"
    if "cron" in schedule:
        return f"cron {schedule['cron']}"
    return "on demand"


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def print_ops_status(
    cfg: Settings, sla_seconds: float | None = None, *, writer: bool = False
) -> None:
    """Freshness per source, latency per source with the SLA met or missed, schema changes."""
    from trendcast import alerts, ops
    from trendcast.warehouse import connect

    sla = sla_seconds or float(os.environ.get("TRENDCAST_SLA_SECONDS") or 900)
    # read-only unless this process already holds the file open for writing (a replay's dbt)
    read_only = cfg.target == "duckdb" and cfg.duckdb_path.exists() and not writer
    with connect(cfg, read_only=read_only) as wh:
        staleness = ops.source_staleness(wh)
        freshness = ops.latest_dbt_freshness(wh)
        latency = ops.latency_summary(wh, sla)
        changes = ops.recent_schema_changes(wh)
    if staleness:
        table = Table(title="Freshness per source")
        for col in ("source", "newest fetched_at", "last landed"):
            table.add_column(col)
        for r in staleness:
            table.add_row(r["source"], _fmt(r["newest_fetched_at"]), _fmt(r["last_landed_at"]))
        console.print(table)
    if freshness:
        table = Table(title=f"dbt source freshness ({freshness[0]['checked_at']})")
        for col in ("source", "table", "status", "age s"):
            table.add_column(col)
        for r in freshness:
            table.add_row(r["source_name"], r["table_name"], r["status"], _fmt(r["age_seconds"]))
        console.print(table)
    if latency:
        table = Table(title=f"Fetch-to-published latency (SLA p95 <= {sla:g} s)")
        for col in ("source", "published", "waiting", "p50 s", "p95 s", "max s", "SLA"):
            table.add_column(col)
        for r in latency:
            verdict = "-" if r["sla_met"] is None else ("met" if r["sla_met"] else "MISSED")
            table.add_row(r["source"], str(r["published"]), str(r["waiting"]),
                          _fmt(r["p50_seconds"]), _fmt(r["p95_seconds"]),
                          _fmt(r["max_seconds"]), verdict)  # fmt: skip
        console.print(table)
    if changes:
        table = Table(title="Schema changes (response key paths, newest first)")
        for col in ("source", "endpoint", "change", "key path", "first seen"):
            table.add_column(col)
        for r in changes:
            table.add_row(r["source"], r["endpoint"], r["change"], r["key_path"],
                          _fmt(r["first_seen_at"]))  # fmt: skip
        console.print(table)
    incidents = alerts.open_incidents(cfg)
    if incidents:
        console.print("[bold]Open incidents:[/]")
        for key, inc in sorted(incidents.items()):
            sent = "sent" if inc.get("sent_at") else f"not sent ({inc.get('last_error')})"
            console.print(f"  {key}: {inc['message']} [{sent}]")
