"""`trendcast forecast` and `trendcast backtest posts`: post-count forecasting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.commands import err_console, print_error

console = Console()


def _settings():
    from trendcast.settings import Settings

    return Settings.from_env()


def _fail(exc: Exception) -> SystemExit:
    """An input or data error: one line plus a hint, exit code 1 (also under CliRunner)."""
    print_error(str(exc), "trendcast status shows what is landed; see docs/FORECASTING.md")
    return SystemExit(1)


def _fmt(v: float) -> str:
    return "-" if v != v else f"{v:,.1f}"  # NaN -> "-"


def forecast_cmd(
    account: Annotated[str, typer.Option(help="Account handle (or numeric id).")] = "elonmusk",
    horizon: Annotated[str, typer.Option(help="How far ahead: 168h, 7d, 48 (hours).")] = "168h",
    model: Annotated[
        str | None,
        typer.Option(help="Model name; default: the latest backtest's choice for the account."),
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Where to write the fan-chart PNG.")] = None,
    hours: Annotated[int, typer.Option(help="Hourly rows to print.")] = 24,
) -> None:
    """Forecast post counts ahead from the latest data; write ml.forecasts and a fan chart."""
    from python_ml.forecast.service import forecast_posts, parse_horizon
    from python_ml.forecast.store import NoDataError

    try:
        run = forecast_posts(
            _settings(), account, parse_horizon(horizon), model=model, chart_path=chart
        )
    except (ValueError, NoDataError) as exc:
        raise _fail(exc) from None
    t = Table(
        title=f"@{account} hourly forecast ({run.models['hourly']}), origin {run.origin:%Y-%m-%d %H:%M} UTC"
    )
    for c in ("hour (UTC)", "point", "mean", "95% low", "95% high"):
        t.add_column(c, justify="right")
    for r in run.hourly.head(hours).itertuples():
        t.add_row(
            f"{r.target_time:%a %m-%d %H:00}",
            _fmt(r.predicted_count),
            _fmt(r.predicted_mean),
            _fmt(r.lower_bound_95),
            _fmt(r.upper_bound_95),
        )
    console.print(t)
    d = Table(title=f"daily totals ({run.models['daily']})")
    for c in ("day (UTC)", "point", "mean", "95% low", "95% high"):
        d.add_column(c, justify="right")
    for r in run.daily.itertuples():
        d.add_row(
            f"{r.target_time:%a %Y-%m-%d}",
            _fmt(r.predicted_count),
            _fmt(r.predicted_mean),
            _fmt(r.lower_bound_95),
            _fmt(r.upper_bound_95),
        )
    console.print(d)
    console.print(f"wrote {run.written} forecast rows to ml.forecasts; fan chart: {run.chart}")


def backtest_posts_cmd(
    account: Annotated[str, typer.Option(help="Account handle (or numeric id).")] = "elonmusk",
    start: Annotated[str, typer.Option(help="First origin date (UTC, YYYY-MM-DD).")] = ...,
    end: Annotated[str, typer.Option(help="Last origin date (UTC, YYYY-MM-DD).")] = ...,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    hawkes: Annotated[bool, typer.Option(help="Include the Hawkes model (slower).")] = True,
    write: Annotated[bool, typer.Option(help="Write forecasts and models to ml.*.")] = True,
    granularity: Annotated[
        str, typer.Option(help="hourly, daily or both (daily alone takes about a minute).")
    ] = "both",
) -> None:
    """Rolling-origin backtest (origin daily at 00:00 UTC, next 24 h and next 7 days)."""
    from python_ml.forecast.service import backtest_posts
    from python_ml.forecast.store import NoDataError

    log = (lambda *_: None) if as_json else (lambda m: console.print(f"[dim]{m}[/dim]"))
    grans = {"both": ("hourly", "daily"), "hourly": ("hourly",), "daily": ("daily",)}
    if granularity not in grans:
        raise _fail(ValueError(f"--granularity is hourly, daily or both, not {granularity!r}"))
    try:
        res = backtest_posts(
            _settings(),
            account,
            start,
            end,
            write=write,
            include_hawkes=hawkes,
            log=log,
            granularities=grans[granularity],
        )
    except (ValueError, NoDataError) as exc:
        raise _fail(exc) from None
    if res.note:
        err_console.print(f"note: {res.note}", highlight=False)
    m = res.metrics
    if as_json:
        counts = res.target_counts()
        out = {
            "account": account,
            "start": start,
            "end": end,
            "origins": {
                "first": f"{res.origins[0]:%Y-%m-%d}",
                "last": f"{res.origins[-1]:%Y-%m-%d}",
                "count": len(res.origins),
            },
            "chosen": res.chosen,
            "gap_buckets_excluded": {g: c["gap"] for g, c in counts.items()},
            "buckets_after_data": {g: c["after_data"] for g, c in counts.items()},
            "metrics": {
                g: {
                    r["model"]: {
                        k: (None if r[k] != r[k] else r[k])
                        for k in (
                            "kind",
                            "n",
                            "mae",
                            "rmse",
                            "mape",
                            "coverage_95",
                            "mean_width",
                            "winkler_95",
                        )
                    }
                    for r in grp.to_dict("records")
                }
                for g, grp in m.groupby("granularity")
            },
        }
        typer.echo(json.dumps(out, indent=2, default=float))
        return
    for g, grp in m.groupby("granularity"):
        t = Table(title=f"{g} backtest {start} -> {end} (chosen: {res.chosen.get(g)})")
        for c in ("model", "kind", "n", "MAE", "RMSE", "95% coverage", "mean width", "Winkler"):
            t.add_column(c, justify="right")
        for r in grp.sort_values("mae").itertuples():
            t.add_row(
                r.model,
                r.kind,
                str(r.n),
                _fmt(r.mae),
                _fmt(r.rmse),
                f"{r.coverage_95:.1%}",
                _fmt(r.mean_width),
                _fmt(r.winkler_95),
            )
        console.print(t)


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast_cmd)
    # `backtest` may be shared with other areas: reuse the group if another module made it
    group = next((g.typer_instance for g in app.registered_groups if g.name == "backtest"), None)
    if group is None:
        group = typer.Typer(help="Backtests.", no_args_is_help=True)
        app.add_typer(group, name="backtest")
    group.command("posts")(backtest_posts_cmd)
