"""Line-level delivery problems shared by every source, and deterministic file writing."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator.config import Imperfections
from trendcast.simulator.jsonfmt import gzip_bytes, to_bytes

MALFORMED_KINDS = ("not_json", "missing_key", "wrong_type")
_FETCHED = re.compile(r'"fetched_at":"[^"]*"')


def inject_lines(
    lines: pa.Array, rng: np.random.Generator, imp: Imperfections
) -> tuple[pa.Array, dict[str, int]]:
    """Swap neighbours, repeat whole lines and add broken lines; returns lines and counts.

    Duplicate lines are exact copies placed a few lines later (landing: `duplicate`); broken lines
    are extra, corrupted copies of real lines (landing: `failed`), so no real call is lost."""
    n = len(lines)
    counts = {"lines_clean": n, "out_of_order_swaps": 0, "duplicate_lines": 0}
    counts.update({f"malformed_{k}": 0 for k in MALFORMED_KINDS})
    if n == 0:
        return lines, counts
    order = np.arange(n)
    if n > 1:
        swap = np.flatnonzero(rng.random(n - 1) < imp.out_of_order_line_rate)
        swap = swap[np.concatenate([[True], np.diff(swap) > 1])] if len(swap) else swap
        order[swap], order[swap + 1] = order[swap + 1].copy(), order[swap].copy()
        counts["out_of_order_swaps"] = len(swap)
    dup = np.flatnonzero(rng.random(n) < imp.duplicate_line_rate)
    counts["duplicate_lines"] = len(dup)
    bad = np.flatnonzero(rng.random(n) < imp.malformed_line_rate)
    kind = rng.integers(0, len(MALFORMED_KINDS), len(bad))
    broken: list[str] = []
    for line_i, k in zip(bad, kind, strict=True):
        text = lines[int(order[line_i])].as_py()
        if k == 0:
            text = text[: max(1, len(text) // 2)]
        elif k == 1:
            text = text.replace('"response":', '"respnse":', 1)
        else:
            text = _FETCHED.sub('"fetched_at":1700000000', text, count=1)
        counts[f"malformed_{MALFORMED_KINDS[k]}"] += 1
        broken.append(text)
    # real line j sits at key j; a copy a few lines after its original; a broken line just after
    keys = np.concatenate(
        [np.arange(n, dtype=np.float64), dup + rng.integers(1, 6, len(dup)) + 0.5, bad + 0.25]
    )
    rows = np.concatenate([order, order[dup], n + np.arange(len(bad))])
    pool = pa.concat_arrays([lines.cast(pa.string()), pa.array(broken, pa.string())])
    final = rows[np.argsort(keys, kind="stable")]
    return pc.take(pool, pa.array(final)), counts


class Writer:
    """Compress and write files on a small thread pool (zlib releases the GIL)."""

    def __init__(self, level: int = 1, workers: int = 2) -> None:
        self.level = level
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.pending: list[Future] = []
        self.bytes_raw = 0
        self.bytes_gz = 0

    def submit(self, path: Path, lines: pa.Array, done: Callable[[], None] | None = None) -> None:
        data = to_bytes(lines)
        self.bytes_raw += len(data)
        path.parent.mkdir(parents=True, exist_ok=True)

        def work() -> int:
            gz = gzip_bytes(data, self.level)
            path.write_bytes(gz)
            if done:
                done()
            return len(gz)

        self.pending.append(self.pool.submit(work))
        # bound memory: at most a few files in flight
        while len(self.pending) > 3:
            self.bytes_gz += self.pending.pop(0).result()

    def close(self) -> None:
        for f in self.pending:
            self.bytes_gz += f.result()
        self.pending = []
        self.pool.shutdown()
