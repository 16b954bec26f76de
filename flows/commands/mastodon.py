"""`trendcast replay mastodon`, `trendcast mastodon sentiment|retention`: the Mastodon area."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.commands.lifecycle import LockTimeout, writing

console = Console()

replay_app = typer.Typer(
    help="Rebuild tables from the event log (raw landing).", no_args_is_help=True
)
mastodon_app = typer.Typer(help="Mastodon analytics (docs/MASTODON.md).", no_args_is_help=True)


def _iso(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(
            f"{option} {value!r} is not ISO-8601 (e.g. 2023-10-23T00:00Z)"
        ) from exc
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


@replay_app.command("mastodon")
def replay_mastodon(
    start: Annotated[
        str | None, typer.Option("--from", help="First fetch time replayed (ISO-8601, UTC).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Fetch time replay stops before (ISO-8601, UTC).")
    ] = None,
) -> None:
    """Re-derive every Mastodon table from the raw event log; without --from/--to, from all of it.

    With a window the tables hold only that window until the next full build."""
    from flows.mastodon_flows import mastodon_replay
    from trendcast.settings import Settings

    lo, hi = _iso(start, "--from"), _iso(end, "--to")
    if lo and hi and lo >= hi:
        raise typer.BadParameter(f"--from {start} is not before --to {end}")
    cfg = Settings.from_env()
    result = mastodon_replay(target=cfg.target, start=lo, end=hi)
    console.print(f"replayed mastodon ({lo or 'start'} .. {hi or 'end'}): {result}")


@mastodon_app.command("sentiment")
def sentiment() -> None:
    """Analyse the sentiment of post versions not analysed yet (VADER, offline)."""
    from flows.mastodon_flows import mastodon_sentiment
    from trendcast.settings import Settings

    console.print(mastodon_sentiment(target=Settings.from_env().target))


@mastodon_app.command("retention")
def retention(
    apply: Annotated[
        bool, typer.Option("--apply", help="Delete; without it, only count (dry run).")
    ] = False,
    lock_timeout: LockTimeout = 600.0,
) -> None:
    """Snapshot retention: all for 7 days, hourly to 30 days, daily after (dry run by default)."""
    from python_ml.mastodon.retention import apply_snapshot_retention
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    cfg = Settings.from_env()
    with writing(cfg, "retention", lock_timeout), connect(cfg) as wh:
        result = apply_snapshot_retention(wh, dry_run=not apply)
    console.print(result.as_dict())


@mastodon_app.command("evaluate")
def evaluate(
    truth: Annotated[
        Path, typer.Option("--truth", help="The simulator's _truth folder of the landed run.")
    ],
) -> None:
    """precision@10 and lead time of the three trending scores on the planted trends."""
    from python_ml.mastodon.trending_eval import evaluate_trending, load_planted
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    planted = load_planted(truth)
    with connect(Settings.from_env(), read_only=True) as wh:
        results = evaluate_trending(wh, planted)
    table = Table(title=f"Trending scores on {len(planted)} planted trends")
    for c in ("score", "precision@10", "median lead h", "mean lead h", "recall", "top-10 entries"):
        table.add_column(c)
    for r in results:
        table.add_row(
            r.score,
            f"{r.precision_at_10:.3f}",
            "-" if r.median_lead_hours is None else f"{r.median_lead_hours:.2f}",
            "-" if r.mean_lead_hours is None else f"{r.mean_lead_hours:.2f}",
            f"{r.recall:.2f}",
            str(r.top10_entries),
        )
    console.print(table)


def print_mastodon_summary(wh: Any, out: Console, limit: int = 5) -> None:
    """A few lines of the Mastodon marts for the end of `trendcast run` (nothing when absent)."""
    if not wh.table_exists("mastodon", "posts"):
        return
    table = Table(title="Mastodon (schema mastodon)")
    for c in ("table", "rows"):
        table.add_column(c)
    for name in ("instances", "posts", "post_versions", "post_metric_snapshots", "hashtags",
                 "trending_hashtags", "post_sentiments", "daily_summaries"):  # fmt: skip
        if wh.table_exists("mastodon", name):
            table.add_row(name, f"{wh.scalar(f'select count(*) from mastodon.{name}'):,}")
    out.print(table)
    rows = wh.query(
        "select instance, tag_name, post_count, unique_accounts from mastodon.hashtag_hourly_stats "
        "order by post_count desc, unique_accounts desc, instance, tag_name limit ?",
        [limit],
    )
    if rows:
        out.print(
            "Busiest hashtag hours: "
            + ", ".join(f"#{t}@{i} {p} posts/{a} accounts" for i, t, p, a in rows)
        )
    summary = wh.query(
        "select summary_text from mastodon.daily_summaries order by post_count desc, instance "
        "limit 1"
    )
    if summary:
        out.print(f"Busiest day: {summary[0][0]}")


def register(app: typer.Typer) -> None:
    app.add_typer(replay_app, name="replay")
    app.add_typer(mastodon_app, name="mastodon")
