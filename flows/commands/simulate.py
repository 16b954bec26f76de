"""`trendcast simulate`: write simulated archives (platform events, TikTok, Mastodon)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()


def _parse_start(value: str | None, hours: int) -> datetime:
    if not value:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        return now - timedelta(hours=hours)
    text = value.strip().replace("Z", "+00:00")
    try:
        ts = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"--start {value!r} is not ISO-8601 (e.g. 2026-11-20T00:00Z)"
        ) from exc
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def simulate_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the archives.")],
    start: Annotated[
        str | None, typer.Option(help="First simulated hour, ISO-8601 UTC (default: now - hours).")
    ] = None,
    hours: Annotated[int | None, typer.Option(help="Hours to simulate (default by scale).")] = None,
    scale: Annotated[str, typer.Option(help="tiny | small | day")] = "small",
    events: Annotated[
        int | None, typer.Option(help="Target first-party events (overrides the scale's rate).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 42,
    sources: Annotated[
        str, typer.Option(help="Comma-separated sources to write.")
    ] = "platform,tiktok,mastodon",
    workers: Annotated[
        int, typer.Option(help="Compression threads (the bytes written never depend on it).")
    ] = 2,
) -> None:
    """Simulate a social platform and write archive files (see docs/SIMULATOR.md)."""
    from trendcast.simulator import SimConfig, simulate
    from trendcast.simulator.config import DEFAULT_HOURS

    if scale not in DEFAULT_HOURS:
        raise typer.BadParameter(f"--scale must be one of {', '.join(DEFAULT_HOURS)}")
    n_hours = hours if hours is not None else DEFAULT_HOURS[scale]
    cfg = SimConfig(
        start=_parse_start(start, n_hours), hours=n_hours, scale=scale, events=events, seed=seed,
        sources=tuple(s.strip() for s in sources.split(",") if s.strip()),
    )  # fmt: skip
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as progress:  # fmt: skip
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        manifest = simulate(cfg, out, report, workers=max(1, workers))
    by_type = manifest["platform_events_by_type"]
    total = sum(by_type.values())
    secs = manifest["timings"]["total_s"]
    console.print(
        f"[green]wrote[/green] {len(manifest['files'])} files to {out} "
        f"({manifest['bytes_gzip'] / 1e6:.1f} MB gzip): {total:,} platform events "
        f"in {secs:.1f} s ({total / max(secs, 1e-9):,.0f} events/s); truth in {out}/_truth/"
    )
    for source, exp in manifest["expected_landing"].items():
        console.print(
            f"  {source}: {exp['total']} lines -> expect processed {exp['processed']}, "
            f"duplicate {exp['duplicate']}, failed {exp['failed']}"
        )


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
