"""`trendcast domains ...`: extract, stats, trending, enrich and cleanup of harvested domains."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.commands import print_error, use_target

console = Console()
app = typer.Typer(help="Domains harvested from comments (schema domains).", no_args_is_help=True)

Target = Annotated[str | None, typer.Option(help="duckdb or postgres (default: settings).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _ts(value: str, name: str) -> datetime:
    try:
        ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{name} {value!r} is not ISO-8601 (e.g. 2026-11-20)") from exc
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _rows(sql: str, params: list[Any], target: str | None) -> list[dict[str, Any]]:
    from trendcast.warehouse import connect

    cfg = use_target(target)
    with connect(cfg) as wh:
        if not wh.table_exists("domains", "domain"):
            print_error("the domains marts are not built", "run `trendcast run` first")
            raise typer.Exit(1)
        df = wh.query_df(sql, params)
    return json.loads(df.to_json(orient="records", date_format="iso"))


def _show(rows: list[dict[str, Any]], title: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    table = Table(title=title)
    for col in rows[0] if rows else ["(no rows)"]:
        table.add_column(col)
    for row in rows:
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()])
    console.print(table)


@app.command("stats")
def stats_cmd(
    start: Annotated[str, typer.Option(help="Period start, ISO-8601 (UTC when no offset).")],
    end: Annotated[str, typer.Option(help="Period end (exclusive).")],
    target: Target = None,
    as_json: AsJson = False,
) -> None:
    """Dashboard numbers for a period (domains.get_dashboard_stats)."""
    rows = _rows(
        "select * from domains.get_dashboard_stats(?, ?)",
        [_ts(start, "--start"), _ts(end, "--end")],
        target,
    )
    _show(rows, f"Domains dashboard {start} → {end}", as_json)


@app.command("trending")
def trending_cmd(
    days: Annotated[int, typer.Option(help="Days per period (current vs the one before).")] = 7,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    target: Target = None,
    as_json: AsJson = False,
) -> None:
    """Domains by momentum (domains.get_trending_domains)."""
    if days < 1:
        raise typer.BadParameter("--days must be >= 1")
    rows = _rows("select * from domains.get_trending_domains(?) limit ?", [days, limit], target)
    _show(rows, f"Trending domains, {days}-day periods", as_json)


@app.command("extract")
def extract_cmd(target: Target = None) -> None:
    """Scan comments not scanned yet; rebuild the marts after with `trendcast build`."""
    from trendcast.domains.store import extract_mentions
    from trendcast.warehouse import connect

    with connect(use_target(target), spark_ready=True) as wh:
        console.print(extract_mentions(wh))


@app.command("cleanup")
def cleanup_cmd(
    days_to_keep: Annotated[int, typer.Option(help="Keep mentions of the last N days.")],
    dry_run: Annotated[bool, typer.Option(help="Only count what would go.")] = False,
    target: Target = None,
) -> None:
    """Delete old mentions, then the domains left without any (cleanup_old_data)."""
    from trendcast.domains.cleanup import cleanup_old_data
    from trendcast.warehouse import connect

    with connect(use_target(target)) as wh:
        console.print(cleanup_old_data(wh, days_to_keep, dry_run=dry_run))


@app.command("enrich")
def enrich_cmd(
    limit: Annotated[int, typer.Option(help="Domains to check at most.")] = 100,
    target: Target = None,
) -> None:
    """HTTP, DNS and WHOIS checks (contacts the domains: off unless you run this)."""
    from flows.domain_flows import enrich_domains

    cfg = use_target(target)
    console.print(enrich_domains(target=cfg.target, limit=limit))


def print_top_domains(wh: Any, out: Console, per_platform: int = 5) -> None:
    """The most mentioned domains of each platform, for the end of `trendcast run` (per platform:
    a simulated TikTok run would otherwise hide the real YouTube and Mastodon sample)."""
    if not wh.table_exists("domains", "domain_mention"):
        return
    rows = wh.query(
        "select platform, domain_name, mentions, videos from ("
        " select platform, domain_name, count(*) as mentions, count(distinct video_id) as videos,"
        " row_number() over (partition by platform order by count(*) desc, domain_name) as r"
        " from domains.domain_mention group by platform, domain_name) as t"
        " where r <= ? order by platform, mentions desc, domain_name",
        [per_platform],
    )
    if not rows:
        return
    table = Table(title="Top domains mentioned in comments, per platform")
    for col in ("platform", "domain", "mentions", "videos"):
        table.add_column(col)
    for platform, name, mentions, videos in rows:
        table.add_row(platform, name, str(mentions), str(videos))
    out.print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="domains")
