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
    """Accumulates one event type's row layout: literal bytes and (n, w) byte slots.

    `build` starts from the literal template repeated n times and writes only the slots."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.parts: list[bytes | np.ndarray] = []
        self.width = 0
        self.fields: dict[str, tuple[int, int]] = {}  # name -> (start incl. comma, end)

    def lit(self, text: str) -> None:
        b = text.encode()
        if self.parts and isinstance(self.parts[-1], bytes):
            self.parts[-1] += b
        else:
            self.parts.append(b)
        self.width += len(b)

    def slot(self, mat: np.ndarray) -> None:
        self.parts.append(mat)
        self.width += mat.shape[1]

    def field(self, name: str, mat: np.ndarray, first: bool = False) -> None:
        start = self.width
        self.lit(('{"' if first else ',"') + name + '":')
        self.slot(mat)
        self.fields[name] = (start + (1 if first else 0), self.width)

    def field_ts(self, name: str, ms: np.ndarray) -> None:
        """A timestamp field: literal quotes, dot and Z; slots for the second and the ms."""
        start = self.width
        self.lit(f',"{name}":"')
        date, frac = _ts_parts(ms)
        self.slot(date)
        self.lit(".")
        self.slot(frac)
        self.lit('Z"')
        self.fields[name] = (start, self.width)

    def build(self) -> np.ndarray:
        self.lit("}")
        template = np.zeros(self.width, np.uint8)
        pos = 0
        for part in self.parts:
            w = len(part) if isinstance(part, bytes) else part.shape[1]
            if isinstance(part, bytes):
                template[pos : pos + w] = np.frombuffer(part, np.uint8)
            pos += w
        mat = np.empty((self.n, self.width), np.uint8)
        mat[:] = template
        pos = 0
        for part in self.parts:
            if isinstance(part, bytes):
                pos += len(part)
            else:
                w = part.shape[1]
                mat[:, pos : pos + w] = part
                pos += w
        return mat


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


_D4 = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), np.uint8).reshape(
    10_000, 4
)


def digits(x: np.ndarray, width: int, zero_pad: bool = False) -> np.ndarray:
    """Non-negative integers right-aligned in `width` bytes (leading spaces or zeros)."""
    x = np.asarray(x, dtype=np.int64)
    n = len(x)
    chunks = -(-width // 4)
    out = np.empty((n, chunks * 4), dtype=np.uint8)
    v = x.copy()
    for j in range(chunks - 1, -1, -1):
        out[:, 4 * j : 4 * j + 4] = _D4[v % 10_000]
        v //= 10_000
    out = out[:, chunks * 4 - width :]
    if not zero_pad:
        nd = np.ones(n, dtype=np.int64)
        for k in range(1, width):
            nd += x >= 10**k
        out[np.arange(width)[None, :] < (width - nd)[:, None]] = SPACE
    return np.ascontiguousarray(out) if out.base is not None and zero_pad else out


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


def _ts_parts(ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(YYYY-MM-DDTHH:MM:SS bytes, mmm bytes) for epoch milliseconds."""
    ms = np.asarray(ms, dtype=np.int64)
    n = len(ms)
    if n == 0:
        return np.zeros((0, 19), np.uint8), np.zeros((0, 3), np.uint8)
    sec = np.floor_divide(ms, 1000)
    lo, hi = int(sec.min()), int(sec.max())
    if hi - lo + 1 > 2 * n:
        tab_rows, idx = np.unique(sec, return_inverse=True)
    else:
        tab_rows, idx = np.arange(lo, hi + 1, dtype=np.int64), sec - lo
    strs = _iso_seconds(tab_rows)
    data = np.frombuffer(strs.buffers()[2], np.uint8)
    start = int(np.frombuffer(strs.buffers()[1], np.int32)[strs.offset])
    tab = data[start : start + 19 * len(tab_rows)].reshape(-1, 19)
    return tab[idx], _D4[ms - sec * 1000][:, 1:]


def timestamp(ms: np.ndarray) -> np.ndarray:
    """'"2026-11-22T02:31:05.123Z"' (26 bytes)."""
    date, frac = _ts_parts(ms)
    n = len(date)
    q = np.full((n, 1), ord('"'), np.uint8)
    dot = np.full((n, 1), ord("."), np.uint8)
    z = np.full((n, 1), ord("Z"), np.uint8)
    return np.hstack([q, date, dot, frac, z, q])


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
