"""`trendcast youtube-replica`: a synthetic multi-year copy of a real YouTube chart archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    app.command("youtube-replica")(youtube_replica)


def youtube_replica(
    sources: Annotated[
        list[Path], typer.Argument(help="Real YouTube chart archives or folders (recursive).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the replica.")],
    years: Annotated[int, typer.Option(min=1, help="Replica years (each a shifted copy).")] = 5,
) -> None:
    """Write `years` copies of the chart archive, each moved whole years earlier with new video ids.

    The real archive plus the replica is what a deployment holds after years of daily charts
    (trendcast/replica.py says how it is shifted); load both with `trendcast load`.
    """
    from trendcast.replica import write_youtube_replica

    stats = write_youtube_replica(sources, out, years)
    if not stats.calls:
        raise typer.BadParameter("no youtube/v3/videos chart calls found in the given paths")
    console.print(
        f"{stats.files} files, {stats.calls:,} chart calls, {stats.video_rows:,} video rows, "
        f"{stats.bytes_written / 1e6:,.0f} MB of JSON written to {out}"
    )
