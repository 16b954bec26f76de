"""`trendcast retention [--dry-run]` and `trendcast erase --user`: the data lifecycle
(docs/SECURITY.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.commands import writing

console = Console()
LockTimeout = Annotated[
    float, typer.Option(help="Seconds to wait for the warehouse writer lock before giving up.")
]


def retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; change nothing.")
    ] = False,
    policy: Annotated[
        Path | None,
        typer.Option(help="Deployment policy file (default: TRENDCAST_RETENTION_FILE)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Count horizons back from this ISO time (default: now).")
    ] = None,
    family: Annotated[
        list[str] | None, typer.Option(help="Only these families (default: all).")
    ] = None,
    lock_timeout: LockTimeout = 600.0,
) -> None:
    """Delete data past its horizon (config/retention.yml), one transaction per table family."""
    from flows.lifecycle_flows import register_families
    from trendcast.retention import load_policy, run_retention
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    register_families()
    clock = None
    if as_of:
        try:
            clock = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError as exc:
            raise typer.BadParameter(f"--as-of {as_of!r} is not ISO-8601") from exc
        clock = clock if clock.tzinfo else clock.replace(tzinfo=UTC)
    cfg = Settings.from_env()
    with writing(cfg, "retention", lock_timeout), connect(cfg) as wh:
        results = run_retention(
            wh, load_policy(policy), dry_run=dry_run, as_of=clock, families=family
        )
    table = Table(title=f"Retention{' (dry run)' if dry_run else ''} on {cfg.describe()}")
    for col in ("family", "table", "would delete" if dry_run else "deleted"):
        table.add_column(col, justify="right" if col != "table" and col != "family" else "left")
    for r in results:
        table.add_row(r.family, r.table, f"{r.rows:,}")
    console.print(table)


def erase_command(
    user: Annotated[str, typer.Option("--user", help="The person: <source>:<id or handle>.")],
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild (full refresh) every model that reads the source.")
    ] = True,
    lock_timeout: LockTimeout = 600.0,
) -> None:
    """Erase a person everywhere: raw redacted (lines kept), ml rows deleted, marts rebuilt."""
    from trendcast.erasure import Subject
    from trendcast.settings import Settings

    subject = Subject.parse(user)
    cfg = Settings.from_env()
    with writing(cfg, "erase", lock_timeout):
        _erase(cfg, subject, rebuild)


def _erase(cfg, subject, rebuild: bool) -> None:
    from flows.lifecycle_flows import rebuild_selection
    from trendcast.erasure import erase
    from trendcast.warehouse import connect

    with connect(cfg) as wh:
        result = erase(wh, subject)
    console.print(
        f"erased {result['subject_hash']}: {result['raw_lines_redacted']} raw lines redacted "
        f"({result['objects_removed']} objects cut, {result['raw_items_removed']} items "
        f"removed), ml rows deleted: {sum(result['ml_rows_deleted'].values())}"
    )
    if rebuild:
        from flows.dbt import run_dbt

        with console.status(f"rebuilding every model that reads {subject.source}..."):
            run = run_dbt(["run", "--full-refresh", *rebuild_selection(subject.source)], cfg)
        console.print(f"rebuilt {len(run.results)} models")
    else:
        console.print("not rebuilt: run `trendcast build --full-refresh` before readers look")


def register(app: typer.Typer) -> None:
    app.command("retention")(retention_command)
    app.command("erase")(erase_command)
