"""`trendcast train | score | evaluate | report`: the YouTube virality model (python_ml.virality)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
TASKS = ("youtube_persists_2d",)


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{name} {value!r} is not a date (YYYY-MM-DD)") from exc


def _task(task: str) -> None:
    if task not in TASKS:
        raise typer.BadParameter(f"unknown task {task!r}: use one of {', '.join(TASKS)}")


def _run_step(task: str, as_json: bool, step: Callable[[Any, Any], Any]) -> None:
    """Check the task, run `step(warehouse, settings)` on the configured warehouse, print its
    result (train and score differ only in the step)."""
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    _task(task)
    settings = Settings.from_env()
    # train and score run on Spark too (docs/SPARK.md, tests/python/test_spark_ml.py)
    with connect(settings, spark_ready=True) as wh:
        result = step(wh, settings)
    console.print_json(json.dumps(result, default=str)) if as_json else console.print(result)


def train_command(
    task: Annotated[str, typer.Option(help="Prediction task.")] = TASKS[0],
    train_end: Annotated[
        str | None,
        typer.Option(help="Use labels whose window closed by this date (default: latest)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Train and register the model (ml.model_metadata + an artifact under artifacts/)."""
    from python_ml.virality.train import train_production

    end = _date(train_end, "--train-end")
    _run_step(task, as_json, lambda wh, settings: train_production(wh, settings, end))


def score_command(
    task: Annotated[str, typer.Option(help="Prediction task.")] = TASKS[0],
    since: Annotated[
        str | None, typer.Option(help="Score first appearances from this date (default: unseen).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Score with the latest trained model into ml.predictions (+ top explanations)."""
    from python_ml.virality.score import score

    start = _date(since, "--since")
    _run_step(task, as_json, lambda wh, settings: score(wh, settings, since=start))


def evaluate_command(
    train_end: Annotated[
        str, typer.Option(help="Train on labels whose window closed by this date.")
    ],
    test_start: Annotated[str, typer.Option(help="Score every labelled example from this date.")],
    test_end: Annotated[str | None, typer.Option(help="Last test date (default: latest).")] = None,
    task: Annotated[str, typer.Option(help="Prediction task.")] = TASKS[0],
    as_json: Annotated[bool, typer.Option("--json", help="Print only the JSON result.")] = False,
    no_write: Annotated[
        bool, typer.Option("--no-write", help="Do not write predictions or register the model.")
    ] = False,
) -> None:
    """Held-out evaluation: model vs baselines on the same rows; writes the test predictions."""
    from python_ml.virality.evaluate import evaluate
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    _task(task)
    settings = Settings.from_env()
    with connect(settings) as wh:
        result = evaluate(
            wh,
            settings,
            train_end=_date(train_end, "--train-end"),
            test_start=_date(test_start, "--test-start"),
            test_end=_date(test_end, "--test-end"),
            write=not no_write,
        )
    if as_json:
        print(json.dumps(result, default=str))
        return
    m, b = result["model"], result["baselines"]
    console.print(
        f"[bold]{task}[/] train<= {result['train_end']}  test {result['test_start']}.."
        f"{result['test_end']}  n_train={result['n_train']} n_test={result['n_test']} "
        f"base_rate={result['base_rate']}"
    )
    console.print(
        f"  model          ROC-AUC {m['roc_auc']}  PR-AUC {m['pr_auc']}  Brier {m['brier']}"
    )
    for name, v in b.items():
        console.print(f"  {name:<14} ROC-AUC {v['roc_auc']}  PR-AUC {v['pr_auc']}")


def report_command(
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: reports/virality).")
    ] = None,
) -> None:
    """HTML report with PNG plots for the latest model."""
    from python_ml.report import build_report
    from trendcast.settings import Settings
    from trendcast.warehouse import connect

    settings = Settings.from_env()
    with connect(settings) as wh:
        path = build_report(wh, settings, out)
    console.print(f"report: {path}")


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("score")(score_command)
    app.command("evaluate")(evaluate_command)
    app.command("report")(report_command)
