"""A deployment's own exogenous events: validated on the way in, upserted by key, unioned with the
curated seed list in forecasting.exogenous_events (a user's row replacing a curated one), and
read by the forecaster from that mart."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trendcast.events import read_events_file, validate_event, write_events
from trendcast.settings import PROJECT_DIR

CURATED = PROJECT_DIR / "seeds" / "exogenous_events_curated.csv"


def _curated_ids() -> list[str]:
    with CURATED.open(newline="") as fh:
        return [r["event_id"] for r in csv.DictReader(fh)]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            {
                "event_id": "Bad Id",
                "category": "election",
                "event_start": "2024-01-01",
                "intensity": 0.5,
            },
            "snake_case",
        ),
        (
            {"event_id": "x", "category": "party", "event_start": "2024-01-01", "intensity": 0.5},
            "category",
        ),
        (
            {"event_id": "x", "category": "election", "event_start": "soon", "intensity": 0.5},
            "ISO-8601",
        ),
        (
            {"event_id": "x", "category": "election", "event_start": "2024-01-01", "intensity": 3},
            "[0, 1]",
        ),
        (
            {
                "event_id": "x",
                "category": "election",
                "event_start": "2024-01-02",
                "event_end": "2024-01-01",
                "intensity": 0.5,
            },
            "before event_start",
        ),
    ],
)
def test_bad_events_are_refused_with_a_reason(row, reason):
    with pytest.raises(ValueError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        validate_event(row)


def test_zone_less_times_are_utc():
    row = validate_event(
        {
            "event_id": "x",
            "category": "election",
            "event_start": "2024-01-01T12:00:00+02:00",
            "intensity": 1,
        }
    )
    assert row["event_start"].isoformat() == "2024-01-01T10:00:00+00:00"


def test_import_writes_good_rows_reports_bad_ones_and_upserts(duckdb_warehouse, tmp_path: Path):
    from trendcast.events import list_events
    from trendcast.warehouse import connect

    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,category,event_start,event_end,intensity,description\n"
        "launch_a,product_launch,2025-05-01T00:00:00Z,,0.5,first\n"
        "broken,product_launch,2025-05-02T00:00:00Z,,7,rating out of range\n"
        "launch_a,product_launch,2025-05-01T00:00:00Z,,0.8,corrected rating\n"
    )
    with connect(duckdb_warehouse) as wh:
        first = write_events(wh, read_events_file(path))
        again = write_events(wh, read_events_file(path))
        events = list_events(wh)
    assert [n for n, _ in first.rejected] == [2]
    assert first.written == 1 and again.written == 1  # a key given twice is one row: the last wins
    assert events["event_id"].tolist() == ["launch_a"]
    assert events["intensity"].tolist() == [0.8]


def test_cli_add_list_remove(duckdb_warehouse):
    from flows.cli import app

    runner = CliRunner()
    add = runner.invoke(
        app,
        [
            "events",
            "add",
            "ipo_day",
            "--start",
            "2025-03-01T14:00:00Z",
            "--intensity",
            "0.9",
            "--category",
            "corporate",
        ],
    )
    assert add.exit_code == 0, add.output
    listed = runner.invoke(app, ["events", "list"])
    assert "ipo_day" in listed.output
    bad = runner.invoke(
        app,
        [
            "events",
            "add",
            "late",
            "--start",
            "2025-03-01",
            "--intensity",
            "2",
            "--category",
            "corporate",
        ],
    )
    assert bad.exit_code == 1
    assert runner.invoke(app, ["events", "remove", "ipo_day"]).exit_code == 0
    assert runner.invoke(app, ["events", "remove", "ipo_day"]).exit_code == 1


@pytest.mark.slow
def test_user_events_join_and_override_the_curated_list(warehouse):
    from flows.dbt import run_dbt
    from python_ml.forecast.store import load_events
    from trendcast.landing import ensure_raw_schema
    from trendcast.warehouse import connect

    curated = _curated_ids()
    overridden = curated[0]
    with connect(warehouse) as wh:
        ensure_raw_schema(wh)
        written = write_events(
            wh,
            [
                {
                    "event_id": overridden,
                    "category": "corporate",
                    "event_start": "2030-01-01",
                    "intensity": 0.1,
                },
                {
                    "event_id": "team_offsite",
                    "category": "corporate",
                    "event_start": "2030-02-01",
                    "intensity": 0.4,
                },
            ],
        )
    assert written.written == 2
    run = run_dbt(["build", "--select", "+exogenous_events"], warehouse)
    assert run.success, run.failures
    with connect(warehouse) as wh:
        mart = wh.query_df("select event_id, intensity, origin from forecasting.exogenous_events")
        events = load_events(wh)
    assert len(mart) == len(curated) + 1
    assert mart["event_id"].is_unique
    row = mart.set_index("event_id").loc[overridden]
    assert (row["origin"], row["intensity"]) == ("user", 0.1)
    assert set(mart.loc[mart["origin"] == "curated", "event_id"]) == set(curated) - {overridden}
    assert mart["intensity"].between(0, 1).all()
    assert len(events) == len(mart)  # the forecaster reads the mart, user events included


def test_forecast_tables_get_their_lookup_indexes_on_postgres(pg_warehouse):
    import pandas as pd

    from python_ml.forecast.store import write_forecasts, write_models
    from trendcast.warehouse import connect

    now = pd.Timestamp("2025-01-01", tz="UTC")
    model = {
        "model_metadata_id": "m:hourly:acct:v1",
        "model_name": "m",
        "model_version": "v1",
        "account": "acct",
        "granularity": "hourly",
        "trained_at": now,
        "training_start": now,
        "training_end": now,
        "hyperparameters": {},
        "rmse": 1.0,
        "mae": 1.0,
        "mape": 1.0,
        "log_likelihood": -1.0,
        "coverage_95": 0.95,
        "is_chosen": True,
        "artifact_path": "",
    }
    forecast = pd.DataFrame(
        [
            {
                "model_metadata_id": "m:hourly:acct:v1",
                "account": "acct",
                "granularity": "hourly",
                "run_type": "forecast",
                "forecast_time": now,
                "target_time": now,
                "predicted_count": 1.0,
                "predicted_mean": 1.0,
                "lower_bound_95": 0.0,
                "upper_bound_95": 3.0,
                "actual_count": None,
                "is_gap": False,
                "created_at": now,
            }
        ]
    )
    with connect(pg_warehouse) as wh:
        write_models(wh, [model])
        write_forecasts(wh, forecast)
        write_forecasts(wh, forecast)  # idempotent: the indexes exist already
        indexed = wh.query_df(
            "select tablename, indexdef from pg_indexes where schemaname = 'ml' "
            "and tablename in ('forecasts', 'forecast_models')"
        )
    forecasts = " ".join(indexed.loc[indexed["tablename"] == "forecasts", "indexdef"])
    assert "(account, granularity, target_time)" in forecasts
    assert (
        "model_metadata_id, account, granularity, run_type, forecast_time, target_time" in forecasts
    )
    assert "is_chosen" in " ".join(
        indexed.loc[indexed["tablename"] == "forecast_models", "indexdef"]
    )
