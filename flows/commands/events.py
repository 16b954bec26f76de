"""`trendcast events`: the deployment's own exogenous events for post-count forecasting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.commands import print_error

console = Console()
HINT = (
    "events take event_id, category, start (ISO-8601), intensity in [0, 1]; see docs/FORECASTING.md"
)


def _connect():
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    return connect(Settings.from_env())


def _report(result) -> None:
    for row_no, reason in result.rejected:
        print_error(f"row {row_no}: {reason}", HINT)
    console.print(
        f"{result.written} event(s) written, {len(result.rejected)} rejected; "
        "`trendcast build` puts them into forecasting.exogenous_events"
    )
    if result.rejected and not result.written:
        raise typer.Exit(1)


def add_cmd(
    event_id: Annotated[str, typer.Argument(help="snake_case key; an existing key is replaced.")],
    start: Annotated[str, typer.Option(help="When it started / became public (ISO-8601, UTC).")],
    intensity: Annotated[float, typer.Option(help="0 (none) to 1 (major), from prominence.")],
    category: Annotated[str, typer.Option(help="election, acquisition, product_launch, ...")],
    end: Annotated[str | None, typer.Option(help="When it ended; default one day later.")] = None,
    description: Annotated[str | None, typer.Option(help="What happened.")] = None,
    source: Annotated[str | None, typer.Option(help="Where it is documented.")] = None,
) -> None:
    """Add (or replace) one event."""
    from trendcast.events import write_events

    row = {
        "event_id": event_id,
        "event_start": start,
        "event_end": end,
        "intensity": intensity,
        "category": category,
        "description": description,
        "source": source,
    }
    with _connect() as wh:
        _report(write_events(wh, [row]))


def import_cmd(
    path: Annotated[
        Path,
        typer.Argument(help="CSV with a header (seeds/exogenous_events_curated.csv's columns)."),
    ],
) -> None:
    """Add or replace events from a CSV file a user edits; bad rows are listed, the rest go in."""
    from trendcast.events import read_events_file, write_events

    try:
        rows = read_events_file(path)
    except (OSError, ValueError) as exc:
        print_error(str(exc), HINT)
        raise typer.Exit(1) from None
    with _connect() as wh:
        _report(write_events(wh, rows))


def list_cmd() -> None:
    """List the deployment's own events (the curated list is seeds/exogenous_events_curated.csv)."""
    from trendcast.events import list_events

    with _connect() as wh:
        df = list_events(wh)
    t = Table(title=f"{len(df)} user event(s)")
    for c in ("event_id", "category", "event_start", "event_end", "intensity"):
        t.add_column(c)
    for r in df.itertuples():
        t.add_row(
            r.event_id, r.category, str(r.event_start), str(r.event_end), f"{r.intensity:.2f}"
        )
    console.print(t)


def remove_cmd(event_id: Annotated[str, typer.Argument(help="The event to remove.")]) -> None:
    """Remove one of the deployment's own events."""
    from trendcast.events import remove_event

    with _connect() as wh:
        n = remove_event(wh, event_id)
    if not n:
        print_error(f"no user event {event_id!r}", "trendcast events list shows them")
        raise typer.Exit(1)
    console.print(f"removed {event_id}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Exogenous events for post-count forecasting.", no_args_is_help=True)
    group.command("add")(add_cmd)
    group.command("import")(import_cmd)
    group.command("list")(list_cmd)
    group.command("remove")(remove_cmd)
    app.add_typer(group, name="events")
