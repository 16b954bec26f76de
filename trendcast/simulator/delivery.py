"""Line-level delivery problems shared by every source, and deterministic file writing.

A file is a sequence of *segments*: zero-copy slices of a string array whose elements are
pieces of lines (each line ends with a newline), plus a few extra strings (broken lines). The
writer compresses segments as they are, so a file's bytes are never joined in Python.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa

from trendcast.simulator.config import Imperfections

MALFORMED_KINDS = ("not_json", "missing_key", "wrong_type")
_FETCHED = re.compile(r'"fetched_at":"[^"]*"')

Segments = list[pa.Array]


def _data(arr: pa.Array) -> pa.Buffer:
    """The bytes of a (sliced) string array: its elements back to back."""
    if len(arr) == 0:
        return pa.py_buffer(b"")
    large = arr.type == pa.large_string()
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32)
    a, b = int(offs[arr.offset]), int(offs[arr.offset + len(arr)])
    return arr.buffers()[2][a:b]


def segments_bytes(segments: Sequence[pa.Array]) -> bytes:
    return b"".join(_data(s).to_pybytes() for s in segments)


def inject(
    pieces: pa.Array, starts: np.ndarray, rng: np.random.Generator, imp: Imperfections
) -> tuple[Segments, dict[str, int]]:
    """Swap neighbouring lines, repeat whole lines and add broken lines.

    Line j is pieces[starts[j]:starts[j+1]] (its last piece ends with a newline). Duplicate lines
    are exact copies a few lines later (landing: `duplicate`); broken lines are extra corrupted
    copies of real lines (landing: `failed`), so no real call is lost."""
    n = len(starts) - 1
    counts = {"lines_clean": n, "out_of_order_swaps": 0, "duplicate_lines": 0}
    counts.update({f"malformed_{k}": 0 for k in MALFORMED_KINDS})
    if n <= 0:
        return [], counts
    order = np.arange(n)
    if n > 1:
        swap = np.flatnonzero(rng.random(n - 1) < imp.out_of_order_line_rate)
        if len(swap):
            swap = swap[np.concatenate([[True], np.diff(swap) > 1])]
        order[swap], order[swap + 1] = order[swap + 1].copy(), order[swap].copy()
        counts["out_of_order_swaps"] = len(swap)
    dup = np.flatnonzero(rng.random(n) < imp.duplicate_line_rate)
    counts["duplicate_lines"] = len(dup)
    bad = np.flatnonzero(rng.random(n) < imp.malformed_line_rate)
    kind = rng.integers(0, len(MALFORMED_KINDS), len(bad))
    broken: list[str] = []
    for pos, k in zip(bad, kind, strict=True):
        j = int(order[pos])
        text = "".join(pieces.slice(starts[j], starts[j + 1] - starts[j]).to_pylist())
        text = text.rstrip("\n")
        if k == 0:
            text = text[: max(1, len(text) // 2)]
        elif k == 1:
            text = text.replace('"response":', '"respnse":', 1)
        else:
            text = _FETCHED.sub('"fetched_at":1700000000', text, count=1)
        counts[f"malformed_{MALFORMED_KINDS[k]}"] += 1
        broken.append(text + "\n")
    # real line at key i; a copy a few lines after its original; a broken line right after
    keys = np.concatenate(
        [np.arange(n, dtype=np.float64), dup + rng.integers(1, 6, len(dup)) + 0.5, bad + 0.25]
    )
    items = np.concatenate([order, order[dup], -1 - np.arange(len(bad))])
    items = items[np.argsort(keys, kind="stable")]
    segments: Segments = []
    run_start = -1
    prev = -2
    for it in items.tolist():
        if it >= 0 and it == prev + 1 and run_start >= 0:
            prev = it
            continue
        if run_start >= 0:
            a, b = starts[run_start], starts[prev + 1]
            segments.append(pieces.slice(a, b - a))
            run_start = -1
        if it >= 0:
            run_start, prev = it, it
        else:
            segments.append(pa.array([broken[-1 - it]], pa.string()))
            prev = -2
    if run_start >= 0:
        a, b = starts[run_start], starts[prev + 1]
        segments.append(pieces.slice(a, b - a))
    return segments, counts


class Writer:
    """Compress and write files on a small thread pool (zlib releases the GIL).

    gzip via zlib with wbits=31: no file name, mtime 0, so the same input gives the same bytes."""

    def __init__(self, level: int = 1, workers: int = 2) -> None:
        self.level = level
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.pending: list[Future] = []
        self.bytes_raw = 0
        self.bytes_gz = 0

    def submit(self, path: Path, segments: Segments) -> None:
        bufs = [_data(s) for s in segments]
        self.bytes_raw += sum(b.size for b in bufs)
        path.parent.mkdir(parents=True, exist_ok=True)
        level = self.level

        def work() -> int:
            co = zlib.compressobj(level, zlib.DEFLATED, 31)
            size = 0
            with open(path, "wb") as fh:
                for buf in bufs:
                    chunk = co.compress(buf)
                    size += len(chunk)
                    fh.write(chunk)
                chunk = co.flush()
                fh.write(chunk)
            return size + len(chunk)

        self.pending.append(self.pool.submit(work))
        while len(self.pending) > 2:  # bound memory: at most a few files in flight
            self.bytes_gz += self.pending.pop(0).result()

    def close(self) -> None:
        for f in self.pending:
            self.bytes_gz += f.result()
        self.pending = []
        self.pool.shutdown()
