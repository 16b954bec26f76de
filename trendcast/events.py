"""A deployment's own exogenous events (raw.exogenous_events), next to the curated seed list.

Forecasting reads events that may move an account's posting rate (an election, a product launch).
The project ships a curated list as a dbt seed; a team adds the events of its own account here,
from the CLI (`trendcast events add`), a CSV file it edits (`trendcast events import`), or this
module. dbt unions both into forecasting.exogenous_events, a user's row replacing a curated row with
the same event_id, so a wrong curated date can be corrected without editing the project.

Rows are checked before they are written; a bad row is reported with its reason and the rest go in.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from trendcast.warehouse import Warehouse

TABLE = ("raw", "exogenous_events")
COLUMNS = (
    "event_id",
    "description",
    "category",
    "event_start",
    "event_end",
    "intensity",
    "source",
    "created_at",
)
CATEGORIES = ("election", "acquisition", "product_launch", "political", "spaceflight", "corporate")
_EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,99}$")


def events_table_ddl(target: str) -> str:
    """The table's DDL (idempotent); part of the raw schema so dbt's source always exists."""
    text = "varchar" if target == "duckdb" else "text"
    return f"""create table if not exists raw.exogenous_events (
        event_id {text} primary key,
        description {text},
        category {text} not null,
        event_start timestamptz not null,
        event_end timestamptz,
        intensity double precision not null,
        source {text},
        created_at timestamptz not null
    )"""


@dataclass
class ImportResult:
    """What an import wrote and what it refused (row number in the input, reason)."""

    written: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _timestamp(value: object, name: str) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        ts = pd.Timestamp(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} {value!r} is not an ISO-8601 time") from None
    if ts.tzinfo is None:  # a time without a zone is read as UTC, the warehouse's only zone
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC").to_pydatetime()


def validate_event(row: Mapping[str, object], now: datetime | None = None) -> dict[str, object]:
    """One event as it will be stored; ValueError with the reason when it cannot be."""
    event_id = str(row.get("event_id") or "").strip()
    if not _EVENT_ID.match(event_id):
        raise ValueError(f"event_id {event_id!r} must be lower-case snake_case (a-z, 0-9, _)")
    category = str(row.get("category") or "").strip()
    if category not in CATEGORIES:
        raise ValueError(f"category {category!r} must be one of {', '.join(CATEGORIES)}")
    start = _timestamp(row.get("event_start"), "event_start")
    if start is None:
        raise ValueError("event_start is required")
    end = _timestamp(row.get("event_end"), "event_end")
    if end is not None and end < start:
        raise ValueError(f"event_end {end:%Y-%m-%dT%H:%M:%SZ} is before event_start")
    try:
        intensity = float(row.get("intensity"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"intensity {row.get('intensity')!r} is not a number") from None
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"intensity {intensity} must be within [0, 1]")
    created = _timestamp(row.get("created_at"), "created_at") or now or datetime.now(UTC)
    return {
        "event_id": event_id,
        "description": str(row.get("description") or "").strip() or None,
        "category": category,
        "event_start": start,
        "event_end": end,
        "intensity": intensity,
        "source": str(row.get("source") or "").strip() or None,
        "created_at": created,
    }


def write_events(wh: Warehouse, rows: Iterable[Mapping[str, object]]) -> ImportResult:
    """Validate and upsert events by event_id in one bulk write; bad rows are reported, not fatal."""
    result = ImportResult()
    good: list[dict[str, object]] = []
    now = datetime.now(UTC)
    for n, row in enumerate(rows, start=1):
        try:
            good.append(validate_event(row, now))
        except ValueError as exc:
            result.rejected.append((n, str(exc)))
    wh.execute("create schema if not exists raw")
    wh.execute(events_table_ddl(wh.target))
    if good:
        # a key given twice in one import is one event: the later row wins, as a re-import would
        frame = pd.DataFrame(good, columns=list(COLUMNS)).drop_duplicates("event_id", keep="last")
        for col in ("event_start", "event_end", "created_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True)
        result.written = wh.write_df(frame, *TABLE, key_columns=["event_id"])
    return result


def read_events_file(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file with a header naming the columns (extra columns are ignored)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"event_id", "category", "event_start", "intensity"} - set(
            reader.fieldnames or []
        )
        if missing:
            raise ValueError(f"{path}: header lacks {', '.join(sorted(missing))}")
        return list(reader)


def list_events(wh: Warehouse) -> pd.DataFrame:
    """The deployment's own events (not the curated seed), newest start first."""
    if not wh.table_exists(*TABLE):
        return pd.DataFrame(columns=list(COLUMNS))
    return wh.query_df(
        f"select {', '.join(COLUMNS)} from raw.exogenous_events order by event_start desc"
    )


def remove_event(wh: Warehouse, event_id: str) -> int:
    """Delete one of the deployment's events; the number of rows removed (0 or 1)."""
    if not wh.table_exists(*TABLE):
        return 0
    n = int(wh.scalar("select count(*) from raw.exogenous_events where event_id = ?", [event_id]))
    wh.execute("delete from raw.exogenous_events where event_id = ?", [event_id])
    return n
