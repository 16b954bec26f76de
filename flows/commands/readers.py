"""`trendcast publish`, `trendcast dashboard` and `trendcast docs`: what readers see."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.commands import print_error
from trendcast.settings import PROJECT_DIR, Settings

console = Console()
APP = PROJECT_DIR / "trendcast" / "dashboard" / "app.py"


def publish_cmd(
    compare: Annotated[
        bool,
        typer.Option(
            help="Also write the Parquet-plus-views variant and print both (time and size)."
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(help="Write every table afresh instead of keeping the unchanged ones."),
    ] = False,
) -> None:
    """Publish the read-only copy readers open (DuckDB) or grant the reader role (Postgres)."""
    from trendcast.publish import publish, publish_parquet, published_path

    cfg = Settings.from_env()
    result = publish(cfg, full=full or compare)
    kept = f" ({result.copied} written, {result.reused} unchanged)" if result.reused else ""
    console.print(f"published: {result.line()}{kept} in {result.seconds:.2f}s")
    if compare and cfg.target == "duckdb":
        out = published_path(cfg).parent / "parquet-compare"
        parquet = publish_parquet(cfg, out)
        table = Table(title="Publish variants (this warehouse)")
        for col in ("variant", "tables", "rows", "MB", "seconds"):
            table.add_column(col, justify="left" if col == "variant" else "right")
        for name, r in (("DuckDB file, renamed", result), ("Parquet + views", parquet)):
            table.add_row(
                name, str(r.tables), f"{r.rows:,}", f"{r.bytes / 1e6:.1f}", f"{r.seconds:.2f}"
            )
        console.print(table)
        console.print(f"Parquet variant left in {out} (delete it when done)")


def dashboard_cmd(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Serve the dashboard on http://127.0.0.1:PORT over the published warehouse (read-only)."""
    from trendcast.publish import DASHBOARD_ROLE, published_path

    cfg = Settings.from_env()
    if cfg.target == "duckdb":
        path = published_path(cfg)
        if not path.exists():
            print_error(
                f"no published warehouse at {path}",
                "run `trendcast run` (it publishes at the end) or `trendcast publish`",
            )
            raise SystemExit(1)
        console.print(f"dashboard over {path} (read-only; the pipeline can keep running)")
    else:
        console.print(
            f"dashboard over {cfg.describe()} as role {DASHBOARD_ROLE} (member of trendcast_reader)"
        )
    console.print(f"open [bold]http://127.0.0.1:{port}[/]  (Ctrl-C stops it)")
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), *streamlit_flags(port)]
    raise SystemExit(subprocess.call(cmd, cwd=PROJECT_DIR))


def streamlit_flags(port: int) -> list[str]:
    """Loopback only, no usage statistics, no file watcher, no browser launch."""
    return [
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.headless=true",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        "--global.developmentMode=false",
        "--client.toolbarMode=viewer",
    ]


def docs_cmd(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8080,
    serve: Annotated[bool, typer.Option(help="Serve the site after generating it.")] = True,
) -> None:
    """`dbt docs generate`, then serve the site (models, columns, lineage, exposures) locally."""
    from flows.dbt import run_dbt

    cfg = Settings.from_env()
    with console.status("dbt docs generate..."):
        run_dbt(["docs", "generate"], cfg)
    target = Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target"))
    console.print(f"docs site: {target / 'index.html'}")
    if not serve:
        return
    console.print(f"serving on [bold]http://127.0.0.1:{port}[/]  (Ctrl-C stops it)")
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "docs",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        cfg.target,
    ]
    env = {**os.environ, **cfg.dbt_env()}
    raise SystemExit(subprocess.call(cmd, cwd=PROJECT_DIR, env=env))


def register(app: typer.Typer) -> None:
    app.command("publish")(publish_cmd)
    app.command("dashboard")(dashboard_cmd)
    app.command("docs")(docs_cmd)
