"""One extraction run: requests through the polite client, lines to the archive writer,
checkpoints after durable commits, and the summary a user reads at the end.

Order of durability (what makes a kill at any moment harmless): a call's line is written to the
open `.part` file, the extractor then updates the in-memory checkpoint, and `commit` renames the
fsynced file before saving the checkpoint. A kill before the rename loses the `.part` file and
the checkpoint still points before those calls, so the next run repeats them, and removes the
`.part` file when it starts. SIGTERM is a stop like Ctrl-C: the current file is committed with
every whole line received (trendcast/sources/signals.py) and the summary says `terminated`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendcast.sources.budget import Budget
from trendcast.sources.checkpoint import Checkpoint
from trendcast.sources.errors import BudgetExhausted, ExtractError
from trendcast.sources.http import ApiClient, Fetched
from trendcast.sources.signals import Terminated, terminate_gracefully, uninterruptible
from trendcast.sources.writer import ArchiveWriter, Line, build_line, remove_unheld_parts

log = logging.getLogger("trendcast.extract")


@dataclass
class Summary:
    """What a run did; printed by the CLI and returned by the flows (plain values only)."""

    source: str
    calls: int = 0
    items: int = 0
    failed_lines: int = 0
    retries: int = 0
    requests: int = 0
    quota_used: int = 0
    quota_limit: int = 0
    files: list[str] = field(default_factory=list)
    checkpoint: str = ""
    stopped: str = "complete"  # complete | budget | error | interrupted | terminated
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def line(self) -> str:
        return (
            f"{self.source}: {self.calls} calls ({self.failed_lines} failed), {self.items} items, "
            f"{self.retries} retries, quota {self.quota_used}/{self.quota_limit} today, "
            f"{len(self.files)} file(s), checkpoint {self.checkpoint}, stopped: {self.stopped}"
            + (f" ({self.message})" if self.message else "")
        )


def remove_stale_parts(out: Path, source: str, checkpoint: Checkpoint) -> list[Path]:
    """The `.part` files a killed run left: archive files no live writer holds, and this
    checkpoint's own unfinished replacement (its lock is held: no other run writes it)."""
    stale = remove_unheld_parts(out / source)
    part = checkpoint.path.with_name(checkpoint.path.name + ".part")
    if part.exists():
        part.unlink(missing_ok=True)
        stale.append(part)
    for p in stale:
        log.warning(f"{source}: removed {p}, left by an interrupted run")
    return stale


class ExtractRun:
    """Context for one run of one source (see module docstring)."""

    def __init__(
        self,
        source: str,
        out: Path,
        client: ApiClient,
        checkpoint: Checkpoint,
        budget: Budget,
        *,
        commit_every: int = 100,
    ) -> None:
        self.source = source
        self.out = Path(out)
        self.client = client
        self.checkpoint = checkpoint
        self.state = checkpoint.data
        self.budget = budget
        self.commit_every = max(1, commit_every)
        self.started = datetime.now(UTC)
        self.writer = ArchiveWriter(self.out, source, uuid.uuid4().hex[:8], self.started)
        self.summary = Summary(source, quota_limit=budget.limit, checkpoint=str(checkpoint.path))
        self.removed_parts = remove_stale_parts(self.out, source, checkpoint)

    def write(self, line: Line, items: int = 0) -> None:
        self.writer.write(line.text)
        self.summary.calls += 1
        self.summary.items += items
        if line.error:
            self.summary.failed_lines += 1
            log.warning(f"{self.source}: archived a failed response: {line.error}")

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any],
        archived_params: dict[str, Any] | None = None,
        json: Any = None,
        cost: int = 1,
        count: Callable[[Any], int] | None = None,
        send: Callable[..., Fetched] | None = None,
    ) -> Any | None:
        """One API call, archived as one line; the parsed body, or None if it was not data.

        `archived_params` is what the line records (the query or request body, never a
        credential); by default the query `params`.
        """
        sender = send or self.client.send
        fetched = sender(method, path, params=params or None, json=json, cost=cost)
        endpoint = path.lstrip("/")
        line = build_line(
            self.source,
            endpoint,
            archived_params if archived_params is not None else params,
            fetched.fetched_at,
            fetched.body,
            fetched.status,
            fetched.problem,
        )
        items = 0
        if line.data is not None and count is not None:
            try:
                items = count(line.data)
            except (KeyError, TypeError, AttributeError):
                items = 0
        self.write(line, items)
        return line.data

    def maybe_commit(self) -> None:
        """Commit when enough calls are pending (call at points where the checkpoint is whole)."""
        if self.writer.lines_in_part >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        with uninterruptible():  # the file and the checkpoint that covers it, together
            path = self.writer.commit()
            if path is not None:
                self.summary.files.append(str(path))
            self.checkpoint.save()

    def finish(self, error: BaseException | None = None) -> Summary:
        self.commit()
        s = self.summary
        s.retries = self.client.stats.retries
        s.requests = self.client.stats.requests
        s.quota_used = self.budget.used
        if isinstance(error, BudgetExhausted):
            s.stopped, s.message = "budget", str(error)
        elif error is not None:
            s.stopped, s.message = "error", str(error)
        return s


def run_extractor(
    make_run: Callable[[], ExtractRun], body: Callable[[ExtractRun], None]
) -> Summary:
    """Run `body`, always committing what was extracted; a budget stop is a clean finish.

    Any other ExtractError is re-raised after the commit, its message on the summary.
    """
    with terminate_gracefully():
        run = make_run()
        try:
            body(run)
        except BudgetExhausted as exc:
            return run.finish(exc)
        except ExtractError as exc:
            summary = run.finish(exc)
            exc.summary = summary  # type: ignore[attr-defined]
            raise
        except KeyboardInterrupt as exc:
            # "until stopped": Ctrl-C (or SIGTERM) is a normal end of a stream, keep what was
            # received
            summary = run.finish()
            summary.stopped = "terminated" if isinstance(exc, Terminated) else "interrupted"
            return summary
        finally:
            run.client.close()
        return run.finish()
