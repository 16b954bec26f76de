"""`trendcast forecast` and `trendcast backtest posts`: post-count forecasting (issue 7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

# An origin needs WARMUP_DAYS of history for its features plus this many training days before it
# (the same rule `forecast` applies, python_ml/forecast/service.py).
MIN_TRAIN_DAYS = 14


def _settings():
    from trendcast.settings import Settings

    return Settings.from_env()


def _day(text: str, option: str) -> pd.Timestamp:
    import pandas as pd

    try:
        day = pd.Timestamp(text)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
    return (day.tz_convert("UTC") if day.tzinfo else day.tz_localize("UTC")).floor("D")


def _history(account: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last hourly bucket of the account (NoDataError when it has none)."""
    from python_ml.forecast import store
    from trendcast.warehouse import connect

    with connect(_settings()) as wh:
        if not wh.table_exists("forecasting", "fct_post_counts_hourly"):
            raise store.NoDataError(
                "forecasting.fct_post_counts_hourly does not exist: run trendcast load + "
                "trendcast build first"
            )
        buckets = store.load_hourly_buckets(wh, account)
    return buckets["bucket_start"].iloc[0], buckets["bucket_start"].iloc[-1]


def _min_history_days() -> int:
    from python_ml.forecast.backtest import WARMUP_DAYS

    return WARMUP_DAYS + MIN_TRAIN_DAYS


def _check_forecast_history(account: str) -> None:
    """One clear error when the account's data is too short to fit a forecast."""
    import pandas as pd

    first, last = _history(account)
    # whole days from the first midnight to the forecast's origin (the hour after the data), the
    # count python_ml/forecast/service.py needs 42 of (28 warm-up + 14 training origins)
    days = ((last + pd.Timedelta("1h")).floor("D") - first.ceil("D")).days
    need = _min_history_days()
    if days < need:
        raise ValueError(
            f"@{account} has {days} full days of buckets ({first:%Y-%m-%d %H:00} .. "
            f"{last:%Y-%m-%d %H:00} UTC); a forecast needs at least {need} "
            f"({need - MIN_TRAIN_DAYS} days of feature history + {MIN_TRAIN_DAYS} training days)"
        )


def backtest_window(
    account: str, start: str, end: str
) -> tuple[pd.Timestamp, pd.Timestamp, str | None]:
    """The origins the data allows inside [start, end]: (first, last, note when narrowed).

    An origin needs `_min_history_days()` of buckets before it and data at it; a window partly
    outside the data is narrowed (and said so), a window with no possible origin is an error
    naming what is missing."""
    import pandas as pd

    s, e = _day(start, "--start"), _day(end, "--end")
    if s > e:
        raise ValueError(f"--start {start} is after --end {end}")
    first, last = _history(account)
    lo = first.ceil("D") + pd.Timedelta(days=_min_history_days())
    hi = last.floor("D")
    data = f"@{account} has buckets {first:%Y-%m-%d %H:00} .. {last:%Y-%m-%d %H:00} UTC"
    need = f"an origin needs {_min_history_days()} days of history before it"
    if lo > hi:
        raise ValueError(f"{data}: too short for a backtest ({need})")
    if e < lo or s > hi:
        raise ValueError(
            f"no backtest origin in {s:%Y-%m-%d} .. {e:%Y-%m-%d}: {data} and {need}, "
            f"so origins can run {lo:%Y-%m-%d} .. {hi:%Y-%m-%d}"
        )
    s2, e2 = max(s, lo), min(e, hi)
    note = None
    if (s2, e2) != (s, e):
        note = (
            f"origins narrowed to {s2:%Y-%m-%d} .. {e2:%Y-%m-%d}: {data} and {need} "
            f"(requested {s:%Y-%m-%d} .. {e:%Y-%m-%d})"
        )
    return s2, e2, note


def _fail(exc: Exception) -> SystemExit:
    """Print an input/data error as one unwrapped line plus a hint (as flows/cli.py does)."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
    err_console.print(
        "[dim]hint: trendcast status shows what is landed; see docs/FORECASTING.md[/]"
    )
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
        _check_forecast_history(account)
    except (ValueError, NoDataError) as exc:
        raise _fail(exc) from None
    run = forecast_posts(
        _settings(), account, parse_horizon(horizon), model=model, chart_path=chart
    )
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
) -> None:
    """Rolling-origin backtest (origin daily at 00:00 UTC, next 24 h and next 7 days)."""
    import pandas as pd

    from python_ml.forecast.service import backtest_posts
    from python_ml.forecast.store import NoDataError

    try:
        first_origin, last_origin, note = backtest_window(account, start, end)
    except (ValueError, NoDataError) as exc:
        raise _fail(exc) from None
    if note:
        err_console.print(f"note: {note}", highlight=False)
    _, data_end = _history(account)
    log = (lambda *_: None) if as_json else (lambda m: console.print(f"[dim]{m}[/dim]"))
    res = backtest_posts(
        _settings(),
        account,
        f"{first_origin:%Y-%m-%d}",
        f"{last_origin:%Y-%m-%d}",
        write=write,
        include_hawkes=hawkes,
        log=log,
    )
    m = res.metrics
    if as_json:
        fc = res.forecasts
        targets = {
            g: fc[fc["granularity"] == g].drop_duplicates(["target_time"])
            for g in ("hourly", "daily")
        }
        # a target after the data is not collected yet (backfill_actuals fills it later), not a gap
        known = {g: t[t["target_time"] <= data_end] for g, t in targets.items()}
        out = {
            "account": account,
            "start": start,
            "end": end,
            "origins": {
                "first": f"{first_origin:%Y-%m-%d}",
                "last": f"{last_origin:%Y-%m-%d}",
                "count": len(pd.date_range(first_origin, last_origin, freq="D")),
            },
            "chosen": res.chosen,
            "gap_buckets_excluded": {g: int(t["is_gap"].sum()) for g, t in known.items()},
            "buckets_after_data": {g: len(targets[g]) - len(known[g]) for g in targets},
            "metrics": {
                g: {
                    r["model"]: {
                        k: (None if r[k] != r[k] else r[k])
                        for k in ("kind", "n", "mae", "rmse", "mape", "coverage_95", "mean_width")
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
        for c in ("model", "kind", "n", "MAE", "RMSE", "95% coverage", "mean width"):
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
