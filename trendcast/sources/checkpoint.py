"""Per-source checkpoints in `DIR/_state/<source>.json`, written atomically, one run at a time.

A checkpoint is saved only after the archive file holding the calls it covers is durable (see
`trendcast.sources.run.ExtractRun.commit`), so a killed run resumes from a point whose data is on
disk: at worst some calls are repeated, never skipped.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from trendcast.sources.errors import ExtractError


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (the directory entry itself must reach the disk)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` so a reader sees the old or the new content, never a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)
    fsync_dir(path.parent)


class Checkpoint:
    """The resumable state of one source under one output folder.

    `data` is a plain JSON object the source's extractor owns (cursors, since ids, last chart
    day...). An exclusive lock on `<source>.lock` stops two runs of one source from writing the
    same folder at once (their checkpoints would overwrite each other).
    """

    def __init__(self, out: Path, source: str) -> None:
        self.dir = Path(out) / "_state"
        self.path = self.dir / f"{source}.json"
        self.source = source
        self._lock_fh: Any = None
        self.data: dict[str, Any] = {}

    def __enter__(self) -> Checkpoint:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock_fh = open(self.dir / f"{self.source}.lock", "w")
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            raise ExtractError(
                f"another {self.source} extractor is writing {self.dir.parent} "
                f"(lock {self.dir / (self.source + '.lock')})"
            ) from None
        self.data = self.load()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def load(self) -> dict[str, Any]:
        """The saved state, or {} for a first run. An unreadable file is an error, not a fresh
        start: starting over silently would fetch everything again and spend the quota."""
        if not self.path.exists():
            return {}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ExtractError(
                f"checkpoint {self.path} is not valid JSON ({exc.msg}); move it away to start over"
            ) from None

    def save(self) -> None:
        text = json.dumps(self.data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomic(self.path, text.encode("utf-8"))
