"""Archive lines built from exact response bodies, written to files that appear atomically.

A line is `{"source", "endpoint", "params", "fetched_at", "response"}` with `response` spliced in
from the bytes the server sent: only the whitespace between JSON tokens is dropped (YouTube
pretty-prints its bodies, and a call must stay one line); strings, numbers (TikTok's 19-digit
ids), key order and escapes stay byte for byte what the API said.

A response that is not JSON (truncated, an HTML error page, an HTTP error) is written too, so it
is counted and kept, never silently lost: without a `response` key, with the exact text in
`response_text`, the `http_status` and the `error`. Landing fails such a line with the reason
("failed API call: <error>") and keeps the whole line in `raw.api_responses.raw_line`.

Files are written as `<name>.jsonl.gz.part`, fsynced, then renamed: the loader (which reads only
`*.jsonl[.gz]`) never sees half a file, and a checkpoint saved after the rename covers only data
that is on disk. A `.part` file is flock'ed while it is written; one nobody holds was left by a
killed run and is removed when the next run of the source starts (`remove_unheld_parts`); SIGTERM
finishes the file instead (trendcast/sources/signals.py).
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trendcast.archive import iso_utc
from trendcast.sources.checkpoint import fsync_dir
from trendcast.sources.signals import uninterruptible

# a JSON string (with escapes) or a run of anything but whitespace and quotes
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+', re.DOTALL)


def compact_json(text: str) -> str:
    """`text` without the insignificant whitespace between tokens (text must be valid JSON)."""
    return "".join(_TOKENS.findall(text))


@dataclass
class Line:
    text: str  # one archive line, without the newline
    data: Any  # the parsed response (None when the line is a failed one)
    error: str | None  # why the response could not be archived as data


def _envelope(source: str, endpoint: str, params: dict[str, Any], fetched_at: datetime) -> str:
    head = {
        "source": source,
        "endpoint": endpoint,
        "params": params,
        "fetched_at": iso_utc(fetched_at),
    }
    return json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]


def build_line(
    source: str,
    endpoint: str,
    params: dict[str, Any],
    fetched_at: datetime,
    body: bytes,
    status: int,
    problem: str | None = None,
) -> Line:
    """The archive line for one call: data when the body is JSON from a 2xx, else a failed line."""
    head = _envelope(source, endpoint, params, fetched_at)
    error = problem
    text = None
    if error is None and not 200 <= status < 300:
        error = f"HTTP {status}"
    if error is None:
        try:
            text = body.decode("utf-8")
            data = json.loads(text)
        except UnicodeDecodeError as exc:
            error = f"response is not UTF-8 ({exc.reason} at byte {exc.start})"
        except json.JSONDecodeError as exc:
            error = f"response is not valid JSON ({exc.msg} at char {exc.pos} of {len(text or '')})"
    if error is None and text is not None:
        return Line(f'{head},"response":{compact_json(text)}}}', data, None)
    failed = {
        "http_status": status,
        "error": error,
        "response_text": body.decode("utf-8", errors="replace"),
    }
    tail = json.dumps(failed, ensure_ascii=False, separators=(",", ":"))[1:]
    return Line(f"{head},{tail}", None, error)


def event_line(
    source: str, endpoint: str, params: dict[str, Any], fetched_at: datetime, event: str, data: str
) -> Line:
    """One streamed event as `{"event": name, "payload": <data>}`.

    JSON payloads (statuses) are spliced in exactly; a `delete` carries a bare status id, kept
    as a string (as a JSON number a 18-digit id could be rounded by a reader using doubles), and
    so is any payload that is not JSON.
    """
    head = _envelope(source, endpoint, params, fetched_at)
    name = json.dumps(event, ensure_ascii=False)
    parsed: Any = data
    payload = json.dumps(data, ensure_ascii=False)
    if event != "delete":
        try:
            parsed = json.loads(data)
            payload = compact_json(data)
        except json.JSONDecodeError:
            parsed = data
    return Line(f'{head},"response":{{"event":{name},"payload":{payload}}}}}', parsed, None)


class ArchiveWriter:
    """Writes one run's lines to `DIR/<source>/YYYY/MM/DD/<source>-<start>-<run id>-<seq>.jsonl.gz`.

    The start time (UTC, to the microsecond) sorts files in run order; the random run id makes
    two runs never collide. A run is one file; a run longer than `commit_every` calls closes a
    numbered file (and saves its checkpoint) at the next unit boundary past that many calls, so
    a killed backfill repeats at most those.
    """

    def __init__(self, out: Path, source: str, run_id: str, started: datetime) -> None:
        self.folder = Path(out) / source / started.strftime("%Y/%m/%d")
        self.stem = f"{source}-{started.strftime('%Y%m%dT%H%M%S.%fZ')}-{run_id}"
        self.seq = 0
        self.files: list[Path] = []
        self.lines_in_part = 0
        self._raw: Any = None
        self._gz: gzip.GzipFile | None = None
        self._part: Path | None = None

    def write(self, line: str) -> None:
        with uninterruptible():  # a line is in the file whole or not at all (signals.py)
            self._write(line)

    def _write(self, line: str) -> None:
        if self._gz is None:
            self.seq += 1
            self.folder.mkdir(parents=True, exist_ok=True)
            self._part = self.folder / f"{self.stem}-{self.seq:03d}.jsonl.gz.part"
            self._raw = open(self._part, "wb")  # noqa: SIM115 - closed in commit
            # held while the file is written: a run starting meanwhile in the same folder (the
            # Mastodon stream beside the REST extractor) sees it is live, not left by a kill
            fcntl.flock(self._raw, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._gz = gzip.GzipFile(filename="", fileobj=self._raw, mode="wb", mtime=0)
        self._gz.write((line + "\n").encode("utf-8"))
        self.lines_in_part += 1

    def commit(self) -> Path | None:
        """Make the lines written so far durable under their final name (None if there are none)."""
        if self._gz is None or self._part is None:
            return None
        self._gz.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        final = self._part.with_name(self._part.name[: -len(".part")])
        os.replace(self._part, final)
        fsync_dir(self.folder)
        self._gz = self._raw = self._part = None
        self.lines_in_part = 0
        self.files.append(final)
        return final


def remove_unheld_parts(folder: Path) -> list[Path]:
    """Remove the `.part` files under `folder` that no live writer holds (a killed run's: the
    kernel released its lock). Their calls are not lost: no checkpoint ever covered them."""
    removed = []
    for p in sorted(folder.rglob("*.part")) if folder.is_dir() else []:
        try:
            fh = open(p, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue  # being written by a run in progress
        try:
            p.unlink(missing_ok=True)
            removed.append(p)
        finally:
            fh.close()
    return removed
