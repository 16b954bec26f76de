"""The one archive format every source writes: newline-delimited JSON, one API call per line.

    {"source": "youtube", "endpoint": "youtube/v3/videos", "params": {...},
     "fetched_at": "<ISO-8601 UTC>", "response": <exact API body>}

Files end in `.jsonl` or `.jsonl.gz`. `fetched_at` is when the data became known: the only clock
point-in-time features may use.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlsplit

ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Archive files named directly or found (recursively) under folders, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and is_archive(p)))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def open_binary(path: Path) -> BinaryIO:
    """Open a plain or gzip archive for reading bytes (gzip is detected by magic, not name)."""
    fh = open(path, "rb")  # noqa: SIM115 - handed to the caller
    magic = fh.read(2)
    fh.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def iso_utc(ts: datetime) -> str:
    """ISO-8601 with a `Z`; a naive time is taken as UTC, the only clock the project uses."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record(
    source: str, endpoint: str, params: dict[str, Any], fetched_at: datetime, response: Any
) -> dict[str, Any]:
    """One archive line (one API call): the response is kept exactly as the API sent it, so
    every mart can be rebuilt from the archive, and fetched_at is when the data became known."""
    return {
        "source": source,
        "endpoint": endpoint,
        "params": params,
        "fetched_at": iso_utc(fetched_at),
        "response": response,
    }


def dumps(rec: dict[str, Any]) -> str:
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def write_archive(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records as one line each; gzip when the name ends in .gz (deterministic: mtime 0)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    if path.name.endswith(".gz"):
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
        ):
            for rec in records:
                gz.write((dumps(rec) + "\n").encode("utf-8"))
                n += 1
    else:
        with open(path, "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(dumps(rec) + "\n")
                n += 1
    return n


def read_archive(path: Path) -> Iterator[dict[str, Any]]:
    """Parse every line (for tests and tools; landing reads lines in bulk, see trendcast.landing)."""
    with open_binary(path) as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Split a raw server-sent-events body ("event: update\ndata: {...}") into events.

    Mastodon's streaming API speaks SSE; an extractor archives one line per event with response
    {"event": <name>, "payload": <parsed data, or the raw text for deletes>}.
    """
    events: list[dict[str, Any]] = []
    name, data = None, []
    for line in [*text.splitlines(), ""]:
        if not line:
            if name is not None and data:
                raw = "\n".join(data)
                try:
                    payload: Any = json.loads(raw)
                except json.JSONDecodeError:
                    payload = raw
                events.append({"event": name, "payload": payload})
            name, data = None, []
        elif line.startswith(":"):
            continue  # comment / heartbeat
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    return events


def from_recorded_responses(
    path: Path, source: str, default_fetched_at: datetime | None = None
) -> list[dict[str, Any]]:
    """Turn recorded HTTP responses (a JSON list of {uri, date, body}) into archive records.

    This is how the real API fixtures (tweepy's and Mastodon.py's recordings) are replayed: the
    endpoint is the URI path, params its query string, fetched_at the response's Date header.
    """
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(entries, dict):
        entries = [entries]
    out = []
    for entry in entries:
        parts = urlsplit(entry["uri"])
        endpoint = parts.path.lstrip("/")
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        if source == "mastodon":
            params.setdefault("instance", parts.hostname or "")
        date = entry.get("date")
        date = date[0] if isinstance(date, list) else date
        fetched = parsedate_to_datetime(date) if date else default_fetched_at
        if fetched is None:
            raise ValueError(f"{path}: a recorded response has no Date header; pass a default")
        body = entry.get("body")
        if isinstance(body, str) and "/streaming" in endpoint:
            out.extend(record(source, endpoint, params, fetched, e) for e in parse_sse(body))
        else:
            out.append(record(source, endpoint, params, fetched, body))
    return out
