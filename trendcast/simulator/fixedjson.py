"""Fixed-width JSON rows built as NumPy byte matrices (the hot path of the event stream).

Why: JSON allows whitespace before any value, so every value can be right-aligned in a slot of
fixed width. One event type is then an (n, width) uint8 matrix: literals are broadcast, numbers
become digits by integer arithmetic, vocabulary values are gathered from padded tables, and a
dropped field is blanked with spaces. No per-event Python and no per-field string kernels; the
matrix becomes an Arrow string array without a copy.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from trendcast.simulator.jsonfmt import _iso_seconds

SPACE = 32


class RowBuilder:
    """Accumulates the column blocks of one event type: literals and (n, w) byte slots."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.blocks: list[np.ndarray] = []
        self.width = 0
        self.fields: dict[str, tuple[int, int]] = {}  # name -> (start incl. comma, end)

    def lit(self, text: str) -> None:
        b = np.frombuffer(text.encode(), dtype=np.uint8)
        self.blocks.append(np.broadcast_to(b, (self.n, len(b))))
        self.width += len(b)

    def slot(self, mat: np.ndarray) -> None:
        self.blocks.append(mat)
        self.width += mat.shape[1]

    def field(self, name: str, mat: np.ndarray, first: bool = False) -> None:
        start = self.width
        self.lit(('{"' if first else ',"') + name + '":')
        self.slot(mat)
        self.fields[name] = (start + (1 if first else 0), self.width)

    def build(self) -> np.ndarray:
        self.lit("}")
        return np.hstack(self.blocks) if self.n else np.zeros((0, self.width), np.uint8)


def blank_fields(mat: np.ndarray, rb: RowBuilder, rows: np.ndarray, names: list[str]) -> None:
    """Remove field names[i] from row rows[i] by overwriting `,"name":value` with spaces."""
    for name in set(names):
        start, end = rb.fields[name]
        sel = rows[np.asarray(names) == name]
        mat[sel, start:end] = SPACE


def to_arrow(mat: np.ndarray) -> pa.Array:
    n, w = mat.shape
    data = np.ascontiguousarray(mat).reshape(-1)
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32 if n * w < 2**31 else np.int64)
    typ = pa.string() if offsets.dtype == np.int32 else pa.large_string()
    return pa.Array.from_buffers(typ, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def digits(x: np.ndarray, width: int, zero_pad: bool = False) -> np.ndarray:
    """Non-negative integers right-aligned in `width` bytes (leading spaces or zeros)."""
    v = np.asarray(x, dtype=np.int64).copy()
    out = np.empty((len(v), width), dtype=np.uint8)
    for j in range(width - 1, -1, -1):
        out[:, j] = 48 + v % 10
        v //= 10
    if not zero_pad:
        nd = np.ones(len(x), dtype=np.int64)
        for k in range(1, width):
            nd += np.asarray(x) >= 10**k
        out[np.arange(width)[None, :] < (width - nd)[:, None]] = SPACE
    return out


def decimal1(x: np.ndarray, width: int) -> np.ndarray:
    """Non-negative floats with one decimal, e.g. '  12.3'."""
    tenths = np.round(np.asarray(x, dtype=np.float64) * 10).astype(np.int64)
    ip = digits(tenths // 10, width - 2)
    frac = (48 + tenths % 10).astype(np.uint8)[:, None]
    dot = np.full((len(tenths), 1), ord("."), dtype=np.uint8)
    return np.hstack([ip, dot, frac])


def table(values: list[str], quote: bool = True) -> np.ndarray:
    """Padded byte table: one right-aligned row per vocabulary value."""
    vals = [f'"{v}"' if quote else v for v in values]
    enc = [v.encode() for v in vals]
    w = max(len(e) for e in enc)
    return np.frombuffer(b"".join(e.rjust(w) for e in enc), dtype=np.uint8).reshape(len(enc), w)


def gather(tab: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return tab[np.asarray(codes, dtype=np.int64)]


def quoted_id(prefix: str, number: np.ndarray, width: int) -> np.ndarray:
    """'"u00001234"'-style ids with a fixed number of digits (zero padded)."""
    n = len(number)
    head = np.frombuffer(f'"{prefix}'.encode(), np.uint8)
    return np.hstack(
        [
            np.broadcast_to(head, (n, len(head))),
            digits(number, width, True),
            np.full((n, 1), ord('"'), np.uint8),
        ]
    )


def timestamp(ms: np.ndarray) -> np.ndarray:
    """'"2026-11-22T02:31:05.123Z"' (26 bytes)."""
    ms = np.asarray(ms, dtype=np.int64)
    n = len(ms)
    sec = np.floor_divide(ms, 1000)
    if n == 0:
        return np.zeros((0, 26), np.uint8)
    lo, hi = int(sec.min()), int(sec.max())
    if hi - lo > 4 * n + 10_000:
        tab_rows, idx = np.unique(sec, return_inverse=True)
    else:
        tab_rows, idx = np.arange(lo, hi + 1, dtype=np.int64), sec - lo
    strs = _iso_seconds(tab_rows)
    tab = np.frombuffer(strs.buffers()[2], np.uint8)[: 19 * len(tab_rows)].reshape(-1, 19)
    q = np.full((n, 1), ord('"'), np.uint8)
    dot = np.full((n, 1), ord("."), np.uint8)
    z = np.full((n, 1), ord("Z"), np.uint8)
    return np.hstack([q, tab[idx], dot, digits(ms - sec * 1000, 3, True), z, q])


def nullable(mat: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Rows where not present become a right-aligned null."""
    out = mat.copy()
    w = out.shape[1]
    null = np.frombuffer(b"null".rjust(max(w, 4)), np.uint8)
    if w < 4:
        raise ValueError("slot too narrow for null")
    out[~present] = null
    return out


BOOL = table(["false", "true"], quote=False)
