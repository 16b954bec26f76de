"""Line-level delivery problems shared by every source, and deterministic file writing.

A file is a sequence of *segments*: zero-copy slices of a string array whose elements are
pieces of lines (each line ends with a newline), plus a few extra strings (broken lines). The
writer compresses segments as they are, so a file's bytes are never joined in Python.

Memory is recycled on purpose: on this VM first-touching fresh pages costs ~0.9 s of kernel time
per GB (measured: 20 x 200 MB fresh 3.5 s sys, reused 0.14 s), and a 10M-event day writes
4.2 GB of JSON. The large per-hour buffers therefore come from a `BufferPool` and go back to it
once their file is compressed (`Segments.recycle`).
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa

from trendcast.simulator.config import Imperfections

MALFORMED_KINDS = ("not_json", "missing_key", "wrong_type")
_FETCHED = re.compile(r'"fetched_at":"[^"]*"')


class Segments(list):
    """A file's pieces, in order. `recycle` (if set) runs once they are written and compressed:
    it hands the memory they live in back to the pool it came from."""

    recycle: Callable[[], None] | None = None


class BufferPool:
    """Byte buffers that are reused instead of freed (see the module docstring for why).

    Thread-safe: buffers are taken on the rendering thread and returned by the writer's threads.
    At most as many buffers exist as files are in flight, each 15 % larger than the first need
    so that the following, similar hours fit."""

    def __init__(self) -> None:
        self._free: list[np.ndarray] = []
        self._lock = threading.Lock()

    def get(self, nbytes: int) -> np.ndarray:
        with self._lock:
            # by position, never list.remove: arrays compare element-wise
            fits = [i for i, b in enumerate(self._free) if len(b) >= nbytes]
            if fits:
                return self._free.pop(min(fits, key=lambda i: len(self._free[i])))
            if self._free:  # all too small to be useful again: let the smallest go
                self._free.pop(min(range(len(self._free)), key=lambda i: len(self._free[i])))
        return np.empty(int(nbytes * 1.15) + 4096, np.uint8)

    def put(self, buf: np.ndarray) -> None:
        with self._lock:
            self._free.append(buf)


class Arena:
    """Scratch memory for one hour's row matrices, carved sequentially and reused every hour.

    One block sized by the busiest hour so far (+15 %); an hour that needs more gets overflow
    blocks, and the next `reset` replaces them all by one block large enough. `reset`
    invalidates everything carved before: call it only when no carved array is in use."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.index = 0
        self.pos = 0
        self.used = 0  # bytes carved since the last reset

    def reset(self) -> None:
        if len(self.blocks) > 1:
            self.blocks = [np.empty(int(self.used * 1.15) + 4096, np.uint8)]
        self.index, self.pos, self.used = 0, 0, 0

    def take(self, nbytes: int) -> np.ndarray:
        size = -(-nbytes // 64) * 64  # keep every matrix 64-byte aligned
        self.used += size
        if self.index < len(self.blocks) and self.pos + nbytes > len(self.blocks[self.index]):
            self.index, self.pos = self.index + 1, 0
        if self.index == len(self.blocks):
            self.blocks.append(np.empty(max(size, 16 << 20), np.uint8))
            self.pos = 0
        out = self.blocks[self.index][self.pos : self.pos + nbytes]
        self.pos += size
        return out


def _data(arr: pa.Array) -> pa.Buffer:
    """The bytes of a (sliced) string array: its elements back to back."""
    if len(arr) == 0:
        return pa.py_buffer(b"")
    large = arr.type == pa.large_string()
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32)
    a, b = int(offs[arr.offset]), int(offs[arr.offset + len(arr)])
    return arr.buffers()[2][a:b]


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
        return Segments(), counts
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
    segments = Segments()
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
        self.in_flight = workers  # submitted files not yet written; more only costs memory
        self.pending: list[Future] = []
        self.bytes_raw = 0
        self.bytes_gz = 0
        self.cpu_s = 0.0  # CPU seconds spent compressing (summed over the worker threads)

    def submit(self, path: Path, segments: Segments) -> None:
        bufs = [_data(s) for s in segments]
        self.bytes_raw += sum(b.size for b in bufs)
        path.parent.mkdir(parents=True, exist_ok=True)
        level = self.level
        recycle = getattr(segments, "recycle", None)

        def work() -> tuple[int, float]:
            c0 = time.thread_time()
            co = zlib.compressobj(level, zlib.DEFLATED, 31)
            size = 0
            with open(path, "wb") as fh:
                for buf in bufs:
                    chunk = co.compress(buf)
                    size += len(chunk)
                    fh.write(chunk)
                chunk = co.flush()
                fh.write(chunk)
            bufs.clear()
            if recycle is not None:
                recycle()
            return size + len(chunk), time.thread_time() - c0

        self.pending.append(self.pool.submit(work))
        while len(self.pending) > self.in_flight:  # bound memory: few files in flight
            self._collect(self.pending.pop(0))

    def _collect(self, future: Future) -> None:
        size, cpu = future.result()
        self.bytes_gz += size
        self.cpu_s += cpu

    def close(self) -> None:
        for f in self.pending:
            self._collect(f)
        self.pending = []
        self.pool.shutdown()
