"""Rendering events to JSON: the fields every event has, lags, dropped optional fields.

Two paths: fixed-width byte matrices (fixedjson) for the high-volume engagement events, Arrow
string concatenation (jsonfmt) for the rarer, variable-width content and profile events.
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import fixedjson as fx
from trendcast.simulator import jsonfmt as jf
from trendcast.simulator import vocab

REQUIRED = ("event_id", "event_type", "occurred_at", "user_id")
Fields = list[tuple[str, pa.Array | str]]  # str = a JSON literal for every row


def csr_take(offsets: np.ndarray, values: np.ndarray, rows: np.ndarray):
    """Rows of a CSR structure: (new offsets, values)."""
    starts, ends = offsets[rows], offsets[rows + 1]
    lens = ends - starts
    new_off = np.concatenate([[0], np.cumsum(lens)])
    idx = np.repeat(starts - new_off[:-1], lens) + np.arange(new_off[-1])
    return new_off, values[idx]


@dataclass
class Rendered:
    json: list[fx.Chunk] = field(default_factory=list)  # row matrices or string arrays
    received: list[np.ndarray] = field(default_factory=list)
    partition: list[np.ndarray] = field(default_factory=list)
    seq: list[np.ndarray] = field(default_factory=list)

    def add(self, js: fx.Chunk, rec: np.ndarray, part: np.ndarray, seq: np.ndarray) -> None:
        self.json.append(js)
        self.received.append(rec)
        self.partition.append(part)
        self.seq.append(seq)

    def merged(self) -> tuple[list[fx.Chunk], np.ndarray, np.ndarray, np.ndarray]:
        """The rendered chunks as they are (no copy) and their rows' metadata, concatenated."""
        if not self.json:
            return [], *(np.zeros(0, np.int64) for _ in range(3))
        return (
            list(self.json),
            np.concatenate(self.received),
            np.concatenate(self.partition),
            np.concatenate(self.seq),
        )


class EventRenderer:
    """Shared by every emitter of `PlatformStream`: event ids, lags, stats, missing fields."""

    def _common(self, rng, kind: str, occurred: np.ndarray, user: np.ndarray):
        n = len(occurred)
        seq = np.arange(self.seq_next, self.seq_next + n, dtype=np.int64)
        self.seq_next += n
        received = self._lag(rng, occurred)
        self.by_type[kind] = self.by_type.get(kind, 0) + n
        fields: Fields = [
            (
                "event_id",
                jf.concat(
                    '"e', self.run_tag, "-", pc.utf8_lpad(jf.num(seq), width=12, padding="0"), '"'
                ),
            ),
            ("event_type", f'"{kind}"'),
            ("occurred_at", jf.quoted(jf.iso_ms(occurred))),
            ("received_at", jf.quoted(jf.iso_ms(received))),
            ("user_id", jf.quoted(pc.take(self.user_id, pa.array(user)))),
            ("device_os", jf.quoted(jf.text_of(self.m.users.device[user], vocab.DEVICES))),
            ("region", jf.quoted(pc.take(self.user_region, pa.array(user)))),
        ]
        return fields, received, seq

    def _lag(self, rng, occurred: np.ndarray) -> np.ndarray:
        n = len(occurred)
        lag = np.exp(rng.normal(np.log(800), 0.7, n)).astype(np.int64) + 50
        late = rng.random(n) < self.imp.late_event_rate
        lag[late] = np.exp(rng.normal(np.log(25 * 60_000), 1.0, int(late.sum()))).astype(np.int64)
        self.stats["late_events"] += int(late.sum())
        received = np.minimum(occurred + lag, self.t1 - 1)
        received = np.maximum(received, occurred)
        if late.any():
            worst = int((received[late] - occurred[late]).max()) // 1000
            self.stats["late_max_seconds"] = max(self.stats["late_max_seconds"], worst)
        return received

    def _fixed_common(self, rng, kind: str, occurred: np.ndarray, user: np.ndarray):
        n = len(occurred)
        seq = np.arange(self.seq_next, self.seq_next + n, dtype=np.int64)
        self.seq_next += n
        received = self._lag(rng, occurred)
        self.by_type[kind] = self.by_type.get(kind, 0) + n
        rb = fx.RowBuilder(n)
        rb.lit(",")  # the separator before the event in its line (see _batches)
        rb.field("event_id", fx.quoted_id(f"e{self.run_tag}-", seq, 12), first=True)
        rb.lit(f',"event_type":"{kind}"')
        rb.field_ts("occurred_at", occurred)
        rb.field_ts("received_at", received)
        rb.field("user_id", fx.take(self.t_user, user))
        rb.field("device_os", fx.take(self.t_device, self.m.users.device[user]))
        rb.field("region", fx.take(self.t_region, self.m.users.region[user]))
        return rb, received, seq

    def _emit_fixed(self, out: Rendered, rng, rb: fx.RowBuilder, received, user, seq) -> None:
        n = rb.n
        if n == 0:
            return
        mat = rb.build(self.arena.take)
        miss = np.flatnonzero(rng.random(n) < self.imp.missing_field_rate)
        if len(miss):
            optional = [f for f in rb.fields if f not in REQUIRED]
            names = [optional[i] for i in rng.integers(0, len(optional), len(miss))]
            fx.blank_fields(mat, rb, miss, names)
            self.stats["missing_field_events"] += len(miss)
        self.stats["events_unique"] += n
        out.add(mat, received, (user % self.cfg.partitions).astype(np.int64), seq)

    def _emit(self, out: Rendered, rng, fields: Fields, received, user, seq) -> None:
        n = len(received)
        if n == 0:
            return
        js = render_fields(fields)
        miss = np.flatnonzero(rng.random(n) < self.imp.missing_field_rate)
        optional = [i for i, (name, _) in enumerate(fields) if name not in REQUIRED]
        if len(miss):
            drop = rng.choice(optional, len(miss))
            pieces, rows = [], []
            for d in np.unique(drop):
                sel = miss[drop == d]
                take = pa.array(sel)
                sub = [
                    (nm, val if isinstance(val, str) else pc.take(val, take))
                    for i, (nm, val) in enumerate(fields)
                    if i != d
                ]
                pieces.append(render_fields(sub))
                rows.append(sel)
            rows_all = np.concatenate(rows)
            idx = np.arange(n)
            idx[rows_all] = n + np.arange(len(rows_all))
            js = pc.take(pa.concat_arrays([js, *pieces]), pa.array(idx))
            self.stats["missing_field_events"] += len(miss)
        self.stats["events_unique"] += n
        out.add(js, received, (user % self.cfg.partitions).astype(np.int64), seq)


def render_fields(fields: Fields) -> pa.Array:
    """One JSON object per row from (name, column or literal) pairs, a leading comma first."""
    parts: list = []
    for i, (name, val) in enumerate(fields):
        parts.append((',{"' if i == 0 else ',"') + name + '":')
        parts.append(val)
    parts.append("}")
    return jf.concat(*parts)
