"""The end of `trendcast run`: one line per stage (what, rows, time), where the outputs are, and
what to run next. A person reads it in ten seconds; nothing here prints a raw dict."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from trendcast.settings import Settings

WHAT = {
    "load": "land archives",
    "dbt": "dbt build",
    "extract_domains": "domains from comments",
    "features": "trend features + quality",
    "trends_models": "TikTok virality models",
    "train": "train youtube_persists_2d",
    "score": "score + explain",
    "forecast": "post-count forecast",
    "backfill_actuals": "forecast actuals",
    "publish": "dbt over ml.* tables",
    "report": "virality report",
    "readers": "publish reader copy",
}
# keys a stage result reports its row count under, in order of preference
ROW_KEYS = ("rows", "scored", "filled", "n_train", "written", "nodes", "domains", "mentions")


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _scalars(result: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    """The scalar fields of a stage result as `key value` pairs (nested values are left out)."""
    parts = [
        f"{k.replace('_', ' ')} {_short(v)}"
        for k, v in result.items()
        if k not in skip and k not in ROW_KEYS and isinstance(v, str | int | float) and v != ""
    ]
    return ", ".join(parts[:4])


def describe_stage(name: str, result: Any) -> tuple[str, str]:
    """(details, rows) for one stage result of the pipeline."""
    if not isinstance(result, dict):
        return _short(result), ""
    if name == "trends_models":
        tasks = [r for r in result.values() if isinstance(r, dict)]
        trained = [r for r in tasks if not r.get("skipped")]
        scored = sum(int(r.get("scored") or 0) for r in tasks)
        best = max((r.get("auc") or 0 for r in trained), default=0)
        return (
            f"{len(trained)} of {len(tasks)} tasks trained (rest: too few labels), best AUC {best:.2f}",
            f"{scored:,} scored",
        )
    if name == "features":
        themes = result.get("themes") or {}
        quality = result.get("quality") or {}
        return (
            f"{quality.get('checks', 0)} checks, {quality.get('checks_failed', 0)} failed "
            f"({quality.get('critical', 0)} critical)",
            f"{int(themes.get('rows') or 0):,} theme rows",
        )
    if name == "forecast":
        runs = result.get("runs") or []
        models = ", ".join(
            f"{r.get('account')}: {'/'.join(str(m) for m in (r.get('models') or {}).values())}"
            for r in runs
        )
        return models or "no account", f"{sum(int(r.get('rows') or 0) for r in runs):,} buckets"
    if name == "train":
        auc = result.get("validation_roc_auc")
        detail = f"{result.get('status', '')} {result.get('model_version', '')}".strip()
        if auc is not None:
            detail += f", validation AUC {auc:.3f}"
        return detail, f"{int(result.get('n_train') or 0):,} train rows"
    if name == "score":
        return (
            f"{result.get('status', '')} {result.get('model_version', '')}".strip(),
            f"{int(result.get('scored') or 0):,} scored, {int(result.get('explained') or 0):,} explanations",
        )
    if name == "report":
        return "HTML report written" if result.get("path") else _scalars(result), ""
    rows = next((result[k] for k in ROW_KEYS if isinstance(result.get(k), int)), None)
    unit = next((k for k in ROW_KEYS if isinstance(result.get(k), int)), "")
    return _scalars(result, skip=("path", "status")), (
        f"{rows:,} {unit.replace('n_', '')}" if rows is not None else ""
    )


def print_run_summary(
    summary: dict[str, Any],
    cfg: Settings,
    console: Console,
    published: Any = None,
    landed: list[Any] | None = None,
) -> None:
    """One table row per pipeline stage with what it did, its rows and its time; landing
    and dbt always have a row (a dash when dbt did not run), so a missing stage is visible."""
    seconds = summary.get("seconds", {})
    table = Table(title="trendcast run", title_justify="left", show_edge=False)
    for col, justify in (("stage", "left"), ("what happened", "left"), ("rows", "right")):
        table.add_column(col, justify=justify)
    table.add_column("time", justify="right")

    def t(name: str) -> str:
        return f"{seconds[name]:.1f}s" if name in seconds else ""

    batches = landed if landed is not None else summary.get("batches", [])
    total = sum(int(_get(b, "total") or 0) for b in batches)
    new = [b for b in batches if not _get(b, "skipped")]
    failed = sum(int(_get(b, "failed") or 0) for b in batches)
    table.add_row(
        WHAT["load"],
        f"{len(batches)} files: {len(new)} new, {len(batches) - len(new)} already landed; "
        f"{failed:,} failed lines quarantined",
        f"{total:,} lines",
        (summary.get("landing_seconds") and f"{summary['landing_seconds']:.1f}s") or t("load"),
    )
    dbt = summary.get("dbt") or {}
    statuses = dbt.get("statuses") or {}
    table.add_row(
        WHAT["dbt"],
        ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())) or "-",
        f"{int(dbt.get('nodes') or 0):,} nodes",
        t("dbt"),
    )
    for name, result in (summary.get("stages") or {}).items():
        detail, rows = describe_stage(name, result)
        table.add_row(WHAT.get(name, name.replace("_", " ")), detail, rows, t(name))
    if published is not None:
        table.add_row(
            WHAT["readers"],
            f"{published.tables} tables, {published.bytes / 1e6:.0f} MB"
            if published.target == "duckdb"
            else f"grants for {published.reader_role}",
            f"{published.rows:,} rows" if published.rows else "",
            f"{published.seconds:.1f}s",
        )
    console.print(table)


def print_where_and_next(
    summary: dict[str, Any], cfg: Settings, console: Console, published: Any
) -> None:
    """Where the run's outputs are (report, forecast charts, the published and the working
    warehouse) and the commands to look at them: readers must use the published copy, never the
    file the pipeline writes."""
    stages = summary.get("stages") or {}
    report = (
        (stages.get("report") or {}).get("path") if isinstance(stages.get("report"), dict) else None
    )
    charts = [
        r.get("chart")
        for r in ((stages.get("forecast") or {}).get("runs") or [])
        if isinstance(r, dict) and r.get("chart")
    ]
    where = Table(show_header=False, box=None, title="Where things are", title_justify="left")
    where.add_column(style="bold")
    where.add_column()
    if report:
        where.add_row("report", str(report))
    for chart in charts:
        where.add_row("forecast chart", str(chart))
    if published is not None and published.target == "duckdb":
        where.add_row(
            "published warehouse", f"{published.location}  (read-only copy for people and BI tools)"
        )
        where.add_row(
            "working warehouse", f"{cfg.duckdb_path}  (the pipeline's; keep clients off it)"
        )
    else:
        where.add_row("warehouse", f"{cfg.describe()}  (readers: members of trendcast_reader)")
    console.print(where)
    console.print(
        "[bold]Next:[/] [cyan]trendcast dashboard[/] (http://127.0.0.1:8501)   "
        "[cyan]trendcast docs[/] (lineage, http://127.0.0.1:8080)   "
        "[cyan]trendcast status[/]   BI tools: docs/DASHBOARD.md"
    )


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
