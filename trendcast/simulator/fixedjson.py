"""Fixed-width JSON rows built as NumPy byte matrices (the hot path of the event stream).

Why: JSON allows whitespace before any value, so every value can be right-aligned in a slot of
fixed width. One event type is then an (n, width) uint8 matrix: literals are broadcast, numbers
become digits by integer arithmetic, vocabulary values are gathered from padded tables, and a
dropped field is blanked with spaces. No per-event Python and no per-field string kernels;
`layout` then writes an hour's rows, in delivery order, into the file buffer with one scatter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from trendcast.simulator.jsonfmt import _iso_seconds

SPACE = 32


def rows(mat: np.ndarray) -> np.ndarray:
    """A C-contiguous (n, w) byte matrix as n opaque w-byte items (a 1-D view, no copy).

    Why: NumPy copies, gathers and scatters 1-D arrays of w-byte items in one inner loop; the
    same operation on 2-D slices runs one loop per row, 3-40x slower for the slot widths here."""
    mat = np.ascontiguousarray(mat)
    return mat.view(np.dtype((np.void, mat.shape[1]))).reshape(mat.shape[0])


def cols(mat: np.ndarray, pos: int, width: int) -> np.ndarray:
    """Columns pos:pos+width of a C-contiguous byte matrix as a writable 1-D item view."""
    if mat.shape[0] == 0:
        return np.empty(0, np.dtype((np.void, width)))
    return np.ndarray(
        (mat.shape[0],), np.dtype((np.void, width)), buffer=mat, offset=pos, strides=(mat.shape[1],)
    )


def windows(buf: np.ndarray, width: int) -> np.ndarray:
    """Every width-byte window of a byte buffer (item i = buf[i:i+width]): scatter/gather target."""
    if len(buf) < width:
        return np.empty(0, np.dtype((np.void, width)))
    return np.ndarray((len(buf) - width + 1,), np.dtype((np.void, width)), buffer=buf, strides=(1,))


def take(tab: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows idx of a byte table, as a new C-contiguous matrix."""
    idx = np.asarray(idx, dtype=np.int64)
    return rows(tab)[idx].view(np.uint8).reshape(len(idx), tab.shape[1])


def put(dst: np.ndarray, src: np.ndarray) -> None:
    """Copy an (n, w) matrix into a 1-D item view of width w."""
    dst[...] = rows(src)


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

    def build(self, alloc: Callable[[int], np.ndarray] | None = None) -> np.ndarray:
        """The (n, width) matrix; `alloc(nbytes)` supplies reusable memory for it if given."""
        self.lit("}")
        template = np.zeros(self.width, np.uint8)
        pos = 0
        for part in self.parts:
            w = len(part) if isinstance(part, bytes) else part.shape[1]
            if isinstance(part, bytes):
                template[pos : pos + w] = np.frombuffer(part, np.uint8)
            pos += w
        if alloc is None:
            mat = np.empty((self.n, self.width), np.uint8)
        else:
            mat = alloc(self.n * self.width).reshape(self.n, self.width)
        slots, pos = [], 0
        for part in self.parts:
            if isinstance(part, bytes):
                pos += len(part)
            else:
                slots.append((pos, rows(part)))
                pos += part.shape[1]
        # block by block (~1 MB), so the template and every slot are written while the block
        # is in cache: slot by slot over the whole matrix re-reads it from memory per slot
        step = max(1, (1 << 20) // max(self.width, 1))
        for a in range(0, self.n, step):
            block = mat[a : a + step]
            block[:] = template
            for pos, items in slots:
                cols(block, pos, items.itemsize)[...] = items[a : a + step]
        return mat


def blank_fields(mat: np.ndarray, rb: RowBuilder, rows: np.ndarray, names: list[str]) -> None:
    """Remove field names[i] from row rows[i] by overwriting `,"name":value` with spaces."""
    for name in set(names):
        start, end = rb.fields[name]
        sel = rows[np.asarray(names) == name]
        cols(mat, start, end - start)[sel] = b" " * (end - start)


_D4 = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), np.uint8).reshape(
    10_000, 4
)


_D3 = np.ascontiguousarray(_D4[:1000, 1:])
_RIGHT: dict[int, np.ndarray] = {}  # width -> 10**width rows, right-aligned with spaces


def digits(x: np.ndarray, width: int, zero_pad: bool = False) -> np.ndarray:
    """Non-negative integers right-aligned in `width` bytes (leading spaces or zeros)."""
    x = np.asarray(x, dtype=np.int64)
    n = len(x)
    if not zero_pad and width <= 4 and (n == 0 or int(x.max()) < 10**width):
        if width not in _RIGHT:
            _RIGHT[width] = table([str(i) for i in range(10**width)], quote=False)
        return take(_RIGHT[width], x)
    chunks = -(-width // 4)
    out = np.empty((n, chunks * 4), dtype=np.uint8)
    quads = out.view(np.dtype((np.void, 4)))  # (n, chunks) of 4-byte items
    d4 = rows(_D4)
    v = x.copy()
    for j in range(chunks - 1, -1, -1):
        quads[:, j] = d4[v % 10_000]
        v //= 10_000
    out = out[:, chunks * 4 - width :]
    if not zero_pad:
        nd = np.ones(n, dtype=np.int64)
        for k in range(1, width):
            nd += x >= 10**k
        out[np.arange(width)[None, :] < (width - nd)[:, None]] = SPACE
    return np.ascontiguousarray(out)


def decimal1(x: np.ndarray, width: int) -> np.ndarray:
    """Non-negative floats with one decimal, e.g. '  12.3'."""
    tenths = np.round(np.asarray(x, dtype=np.float64) * 10).astype(np.int64)
    out = np.empty((len(tenths), width), np.uint8)
    put(cols(out, 0, width - 2), digits(tenths // 10, width - 2))
    out[:, width - 2] = ord(".")
    out[:, width - 1] = 48 + tenths % 10
    return out


def table(values: list[str], quote: bool = True) -> np.ndarray:
    """Padded byte table: one right-aligned row per vocabulary value."""
    vals = [f'"{v}"' if quote else v for v in values]
    enc = [v.encode() for v in vals]
    w = max(len(e) for e in enc)
    return np.frombuffer(b"".join(e.rjust(w) for e in enc), dtype=np.uint8).reshape(len(enc), w)


def quoted_id(prefix: str, number: np.ndarray, width: int) -> np.ndarray:
    """'"u00001234"'-style ids with a fixed number of digits (zero padded)."""
    n = len(number)
    head = f'"{prefix}'.encode()
    out = np.empty((n, len(head) + width + 1), np.uint8)
    out[:] = np.frombuffer(head + b"0" * width + b'"', np.uint8)
    put(cols(out, len(head), width), digits(number, width, True))
    return out


_SECONDS: tuple[int, np.ndarray] = (0, np.zeros((0, 19), np.uint8))  # (first second, table)


def _second_table(lo: int, hi: int) -> tuple[int, np.ndarray]:
    """'YYYY-MM-DDTHH:MM:SS' rows for every second lo..hi, from a cache that spans days.

    Why: an hour's events are rendered per type, two timestamps each; formatting the seconds
    of every call anew cost ~2 s per 10M events, one table per simulated day costs ~0.1 s."""
    global _SECONDS
    first, tab = _SECONDS
    if not (first <= lo and hi < first + len(tab)):
        first = lo - lo % 86_400 - 86_400
        n = max(hi - first + 1, 3 * 86_400)
        strs = _iso_seconds(np.arange(first, first + n, dtype=np.int64))
        data = np.frombuffer(strs.buffers()[2], np.uint8)
        start = int(np.frombuffer(strs.buffers()[1], np.int32)[strs.offset])
        tab = data[start : start + 19 * n].reshape(n, 19)
        _SECONDS = (first, tab)
    return first, tab


def _ts_parts(ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(YYYY-MM-DDTHH:MM:SS bytes, mmm bytes) for epoch milliseconds."""
    ms = np.asarray(ms, dtype=np.int64)
    n = len(ms)
    if n == 0:
        return np.zeros((0, 19), np.uint8), np.zeros((0, 3), np.uint8)
    sec = np.floor_divide(ms, 1000)
    lo, hi = int(sec.min()), int(sec.max())
    if hi - lo < 7 * 86_400:
        first, tab = _second_table(lo, hi)
        return take(tab, sec - first), take(_D3, ms - sec * 1000)
    tab_rows, idx = np.unique(sec, return_inverse=True)
    strs = _iso_seconds(tab_rows)
    data = np.frombuffer(strs.buffers()[2], np.uint8)
    start = int(np.frombuffer(strs.buffers()[1], np.int32)[strs.offset])
    tab = data[start : start + 19 * len(tab_rows)].reshape(-1, 19)
    return take(tab, idx), take(_D3, ms - sec * 1000)


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
    out = np.array(mat, order="C")
    w = out.shape[1]
    if w < 4:
        raise ValueError("slot too narrow for null")
    rows(out)[~np.asarray(present, bool)] = b"null".rjust(w)
    return out


BOOL = table(["false", "true"], quote=False)


Chunk = np.ndarray | pa.Array  # a fixed-width row matrix or a string array


def layout(
    chunks: list[Chunk],
    chunk: np.ndarray,
    row: np.ndarray,
    alloc: Callable[[int], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lay out the elements (chunks[chunk[i]] row row[i]) back to back: (bytes, offsets).

    Why: one write of every output byte, no joins. Fixed-width matrices are scattered as w-byte
    items into a sliding-window view of the output; string arrays (line heads, rare event types)
    the same way, one group per distinct length. The output has `max width` spare bytes at the
    end: matrix rows that are not laid out (late deliveries) are written there."""
    n = len(chunk)
    lens = np.empty(n, np.int64)
    by_chunk = np.argsort(chunk, kind="stable")
    bounds = np.searchsorted(chunk[by_chunk], np.arange(len(chunks) + 1))
    groups = [by_chunk[bounds[c] : bounds[c + 1]] for c in range(len(chunks))]
    for c, sel in zip(range(len(chunks)), groups, strict=True):
        ch = chunks[c]
        if isinstance(ch, np.ndarray):
            lens[sel] = ch.shape[1]
        else:
            offs = _offsets(ch)
            lens[sel] = offs[row[sel] + 1] - offs[row[sel]]
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(lens, out=offsets[1:])
    spare = max((c.shape[1] for c in chunks if isinstance(c, np.ndarray)), default=0)
    size = int(offsets[-1]) + spare
    out = np.empty(size, np.uint8) if alloc is None else alloc(size)
    scratch = int(offsets[-1])
    for c, sel in zip(range(len(chunks)), groups, strict=True):
        if not len(sel):
            continue
        ch, picked, dest = chunks[c], row[sel], offsets[sel]
        if isinstance(ch, np.ndarray):
            view, items = windows(out, ch.shape[1]), rows(ch)
            if 2 * len(picked) >= len(ch):
                # every row once, in matrix order (no gather); rows used twice get a second pass
                at = np.full(len(ch), scratch, np.int64)
                at[picked] = dest
                view[at] = items
                again = np.flatnonzero(at[picked] != dest)
                if len(again):
                    view[dest[again]] = items[picked[again]]
            else:
                view[dest] = items[picked]
        else:
            # variable width: rows of equal length form a fixed-width matrix (a few hundred
            # distinct lengths at most), gathered from a sliding-window view of the data
            offs = _offsets(ch)
            data = np.frombuffer(ch.buffers()[2], np.uint8)
            size = lens[sel]
            by_size = np.argsort(size, kind="stable")
            cuts = np.flatnonzero(np.diff(size[by_size])) + 1
            for grp in np.split(by_size, cuts):
                w = int(size[grp[0]])
                if w == 0:
                    continue
                windows(out, w)[dest[grp]] = windows(data, w)[offs[picked[grp]]]
    return out, offsets


def _offsets(arr: pa.Array) -> np.ndarray:
    large = arr.type in (pa.large_string(), pa.large_binary())
    offs = np.frombuffer(arr.buffers()[1], np.int64 if large else np.int32)
    return offs[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
