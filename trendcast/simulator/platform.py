"""First-party events (source `platform`): derive, render and deliver, one hour at a time.

The payload is specified in docs/EVENTS.md. Rendering is columnar (see jsonfmt); the only
Python loops run over hours, event types and fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import fixedjson as fx
from trendcast.simulator import jsonfmt as jf
from trendcast.simulator import vocab
from trendcast.simulator.delivery import Arena, BufferPool, Segments, inject
from trendcast.simulator.model import (
    FLAG_COMMENT,
    FLAG_FOLLOW,
    FLAG_LIKE,
    FLAG_SAVE,
    FLAG_SHARE,
    HOUR_MS,
    Model,
    rng_for,
)
from trendcast.simulator.world import TIER_THRESHOLDS, usernames

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


class PlatformStream:
    """Generates the event stream hour by hour with carried-over (late) deliveries."""

    def __init__(self, m: Model) -> None:
        self.m = m
        cfg = m.cfg
        self.cfg = cfg
        self.imp = cfg.imperfections
        self.t0, self.t1 = cfg.start_ms, cfg.end_ms
        u, v = m.users, m.videos
        self.user_id = pc.cast(
            pc.binary_join_element_wise(
                "u", pc.cast(pa.array(np.arange(u.n) + 10_000_000), pa.string()), ""
            ),
            pa.string(),
        )
        self.user_region = pc.take(pa.array([r[0] for r in vocab.REGIONS]), pa.array(u.region))
        self.content_id = pc.cast(
            pc.binary_join_element_wise(
                "c",
                pc.cast(pa.array(np.arange(v.n, dtype=np.int64) + m.run * 10_000_000), pa.string()),
                "",
            ),
            pa.string(),
        )
        # fixed-width byte tables for the hot path
        self.t_user = fx.quoted_id("u", np.arange(u.n, dtype=np.int64) + 10_000_000, 8)
        self.t_content = fx.quoted_id("c", np.arange(v.n, dtype=np.int64) + m.run * 10_000_000, 13)
        self.t_region = fx.table([r[0] for r in vocab.REGIONS])
        self.t_device = fx.table(vocab.DEVICES)
        self.t_disc = fx.table(vocab.DISCOVERY)
        self.t_share = fx.table(vocab.SHARE_CHANNELS)
        tags = fx.table(m.hashtags.names)
        self.t_ctx_tag = tags
        self.seq_next = 0
        self.run_tag = f"{m.run:06d}"
        self.pending = Rendered()
        self.arena = Arena()  # this hour's row matrices
        self.pool = BufferPool()  # laid-out hours, until their file is compressed
        self.offsets = np.zeros(cfg.partitions, dtype=np.int64)
        self.stats: dict[str, int] = {
            "events_unique": 0, "event_deliveries": 0, "duplicate_event_deliveries": 0,
            "late_events": 0, "late_max_seconds": 0, "missing_field_events": 0, "short_views": 0, "lines_clean": 0,
            "out_of_order_swaps": 0, "duplicate_lines": 0, "malformed_not_json": 0,
            "malformed_missing_key": 0, "malformed_wrong_type": 0,
        }  # fmt: skip
        self.by_type: dict[str, int] = {}
        self._precompute()

    # -- global, small: who needs a snapshot, registrations, follows --------------------------
    def _precompute(self) -> None:
        m, t0, t1 = self.m, self.t0, self.t1
        rng = rng_for(self.cfg.seed, 40, t0 // HOUR_MS)
        u, v, w = m.users, m.videos, m.views
        self.rng = rng
        creator_of_view = v.creator[w.video]
        # first reference of every user / content in the run
        # (minimum.at over the time-sorted views: 30x faster than np.unique's sort)
        first_user = np.full(u.n, np.iinfo(np.int64).max, dtype=np.int64)
        for ids in (w.viewer, creator_of_view):
            np.minimum.at(first_user, ids, w.time_ms)
        in_win = (v.upload_ms >= t0) & (v.upload_ms < t1)
        np.minimum.at(first_user, v.creator[in_win], v.upload_ms[in_win])
        first_content = np.full(v.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_content, w.video, w.time_ms)
        has_parent = in_win & (v.parent >= 0)
        np.minimum.at(first_content, v.parent[has_parent], v.upload_ms[has_parent])
        seen_u = first_user < np.iinfo(np.int64).max
        # new users register just before their first action (or at their planned time)
        reg = u.registered_ms.copy()
        new_active = u.is_new & seen_u
        reg[new_active] = np.minimum(
            reg[new_active], first_user[new_active] - rng.integers(1_000, 120_000, new_active.sum())
        )
        reg[u.is_new] = np.clip(reg[u.is_new], t0, t1 - 1)
        self.registered = reg
        snap_u = np.flatnonzero(seen_u & ~u.is_new)
        self.user_snap = (
            snap_u,
            np.maximum(t0, first_user[snap_u] - rng.integers(1_000, 120_000, len(snap_u))),
        )
        snap_c = np.flatnonzero((first_content < np.iinfo(np.int64).max) & (v.upload_ms < t0))
        self.content_snap = (
            snap_c,
            np.maximum(t0, first_content[snap_c] - rng.integers(1_000, 120_000, len(snap_c))),
        )
        self.registrations = np.flatnonzero(u.is_new)
        # follows: sorted by (creator, time) to count followers at any time
        fol = np.flatnonzero(w.flags & FLAG_FOLLOW)
        fol_t = w.time_ms[fol] + (w.watch_s[fol] * 1000).astype(np.int64) + 800
        fol_c = creator_of_view[fol]
        order = np.lexsort((fol_t, fol_c))
        self.follow_key = fol_c[order].astype(np.int64) * (1 << 42) + (
            fol_t[order] - t0 + (1 << 40)
        )
        # tier changes: the follow that crosses a threshold
        counts = np.bincount(fol_c, minlength=u.n)
        base = u.followers
        tc_user, tc_time = [], []
        starts = np.concatenate([[0], np.cumsum(np.bincount(fol_c[order], minlength=u.n))])
        for thr in TIER_THRESHOLDS:
            need = thr - base
            cross = np.flatnonzero(u.is_creator & (need > 0) & (need <= counts))
            tc_user.append(cross)
            tc_time.append(fol_t[order][starts[cross] + need[cross] - 1] + 1_000)
        self.tier_changes = (np.concatenate(tc_user), np.concatenate(tc_time))
        # profile edits: 2% of active users per day
        active = np.flatnonzero(seen_u)
        n_edit = rng.poisson(0.02 * len(active) * self.cfg.hours / 24)
        eu = rng.choice(active, n_edit) if len(active) else np.zeros(0, np.int64)
        et = np.maximum(first_user[eu], self.registered[eu]) + rng.integers(
            1_000, 3_600_000, n_edit
        )
        ok = et < t1
        self.edits = (eu[ok], et[ok])
        self.edit_key = np.sort(eu[ok].astype(np.int64) * (1 << 42) + (et[ok] - t0 + (1 << 40)))
        # content edits: 1% of uploads in the run, within a few hours
        up = np.flatnonzero(in_win)
        ce = up[rng.random(len(up)) < 0.01]
        ct = v.upload_ms[ce] + rng.integers(60_000, 4 * 3_600_000, len(ce))
        ok = ct < t1
        self.content_edits = (ce[ok], ct[ok])
        self.hour_view_bounds = np.searchsorted(
            w.time_ms, t0 + HOUR_MS * np.arange(self.cfg.hours + 1)
        )

    def edits_until(self, user: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Profile edits of each user up to and including time t (each edit changes the bio)."""
        key = user.astype(np.int64) * (1 << 42) + (t - self.t0 + (1 << 40))
        lo = np.searchsorted(self.edit_key, user.astype(np.int64) * (1 << 42))
        return np.searchsorted(self.edit_key, key, side="right") - lo

    def followers_at(self, user: np.ndarray, t: np.ndarray) -> np.ndarray:
        key = user.astype(np.int64) * (1 << 42) + (t - self.t0 + (1 << 40))
        lo = np.searchsorted(self.follow_key, user.astype(np.int64) * (1 << 42))
        return self.m.users.followers[user] + np.searchsorted(self.follow_key, key) - lo

    # -- rendering helpers --------------------------------------------------------------------
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
        js = _render(fields)
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
                pieces.append(_render(sub))
                rows.append(sel)
            rows_all = np.concatenate(rows)
            idx = np.arange(n)
            idx[rows_all] = n + np.arange(len(rows_all))
            js = pc.take(pa.concat_arrays([js, *pieces]), pa.array(idx))
            self.stats["missing_field_events"] += len(miss)
        self.stats["events_unique"] += n
        out.add(js, received, (user % self.cfg.partitions).astype(np.int64), seq)

    # -- per hour ------------------------------------------------------------------------------
    def hour(self, h: int) -> Segments:
        """Render the events of hour h and return the archive lines delivered in it."""
        cfg = self.cfg
        rng = rng_for(cfg.seed, 50, self.t0 // HOUR_MS, h)
        hs, he = self.t0 + h * HOUR_MS, self.t0 + (h + 1) * HOUR_MS
        self.arena.reset()  # the previous hour's matrices are laid out (pending rows are copies)
        out = Rendered()
        a, b = self.hour_view_bounds[h], self.hour_view_bounds[h + 1]
        self._views(out, rng, np.arange(a, b))
        self._unfollows(out, rng, np.arange(a, b))
        self._content(out, rng, hs, he)
        self._users(out, rng, hs, he)
        chunks, rec, part, seq = out.merged()
        n_hour = len(rec)
        # at-least-once: some events are delivered again later
        dup = np.flatnonzero(rng.random(n_hour) < self.imp.duplicate_event_rate)
        if len(dup):
            rec = np.concatenate(
                [rec, np.minimum(rec[dup] + rng.integers(30_000, 1_800_000, len(dup)), self.t1 - 1)]
            )
            part = np.concatenate([part, part[dup]])
            seq = np.concatenate([seq, seq[dup]])
            self.stats["duplicate_event_deliveries"] += len(dup)
        pchunks, pr, pp, ps = self.pending.merged()
        # rows: carried-over deliveries, this hour's events, re-deliveries (indices, no copies)
        chunks = pchunks + chunks
        src = np.concatenate([np.arange(len(pr) + n_hour), len(pr) + dup])
        rec, part, seq = (
            np.concatenate([pr, rec]),
            np.concatenate([pp, part]),
            np.concatenate([ps, seq]),
        )
        last = h == cfg.hours - 1
        now = np.ones(len(rec), bool) if last else rec < he
        later = np.flatnonzero(~now)
        self.pending = Rendered()
        if len(later):
            # late deliveries: copy their rows (few) so this hour's chunks can be freed
            g = src[later]
            c_of = np.searchsorted(_chunk_starts(chunks), g, side="right") - 1
            by = np.argsort(c_of, kind="stable")
            for c in np.unique(c_of):
                sel = later[by][c_of[by] == c]
                r = src[sel] - _chunk_starts(chunks)[c]
                ch = chunks[c]
                rows = ch[r] if isinstance(ch, np.ndarray) else pc.take(ch, pa.array(r))
                self.pending.add(rows, rec[sel], part[sel], seq[sel])
        idx = np.flatnonzero(now)
        taken: list[np.ndarray] = []

        def alloc(nbytes: int) -> np.ndarray:
            taken.append(self.pool.get(nbytes))
            return taken[-1][:nbytes]

        pieces, starts = self._batches(rng, chunks, src[idx], rec[idx], part[idx], seq[idx], alloc)
        segments, counts = inject(pieces, starts, rng, self.imp)
        segments.recycle = lambda: [self.pool.put(b) for b in taken]
        for k, val in counts.items():
            self.stats[k] += val
        self.stats["event_deliveries"] += len(idx)
        return segments

    def _batches(self, rng, chunks, rows, rec, part, seq, alloc) -> tuple[pa.Array, np.ndarray]:
        """Cut polls (one partition, one poll interval, <= batch_size events) and lay them out.

        Returns pieces (per line: its head, its events, its tail with the newline) and the piece
        index where each line starts. Every event row starts with a comma; the first event of a
        line gets a `[` there instead, so a line is written with one gather and no joins."""
        n = len(rec)
        if n == 0:
            return pa.array([], pa.string()), np.zeros(1, np.int64)
        order = _sort_order(part, rec - self.t0, seq)
        rec, part = rec[order], part[order]
        counts = np.bincount(part, minlength=self.cfg.partitions)
        pstart = np.concatenate([[0], np.cumsum(counts)])[:-1]
        rank = np.arange(n) - pstart[part]
        bsize = self.cfg.batch_size
        # one poll per partition per interval, at most `batch_size` events each
        window = rec // self.cfg.poll_ms
        wchange = np.concatenate([[True], (np.diff(part) != 0) | (np.diff(window) != 0)])
        wstart = np.maximum.accumulate(np.where(wchange, np.arange(n), 0))
        batch = window * 1_000_000 + (np.arange(n) - wstart) // bsize
        change = np.flatnonzero((np.diff(part) != 0) | (np.diff(batch) != 0)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [n]])
        bpart = part[starts]
        boff = self.offsets[bpart] + rank[starts]
        bnext = boff + (ends - starts)
        self.offsets += counts
        fetched = np.maximum.reduceat(rec, starts) + rng.integers(50, 1500, len(starts))
        # lines in fetch order; events follow their line
        by_time = np.lexsort((bpart, fetched))
        lens = (ends - starts)[by_time]
        line_start = np.concatenate([[0], np.cumsum(lens)])
        ev = np.repeat(starts[by_time] - line_start[:-1], lens) + np.arange(n)
        p, o = jf.num(bpart[by_time]), jf.num(boff[by_time])
        heads = jf.concat(
            '{"source":"platform","endpoint":"events/v1/poll","params":{"stream":"app-events",'
            '"partition":', p, ',"offset":', o, ',"limit":', str(bsize), '},"fetched_at":"',
            jf.iso_ms(fetched[by_time]), '","response":{"partition":', p, ',"offset":', o,
            ',"next_offset":', jf.num(bnext[by_time]), ',"events":',
        )  # fmt: skip
        nl = len(by_time)
        # element layout: head_i, events of line i..., tail_i
        k = 2 * np.arange(nl)
        head_pos, tail_pos = line_start[:-1] + k, line_start[1:] + k + 1
        take = np.empty(n + 2 * nl, dtype=np.int64)
        is_event = np.ones(len(take), bool)
        is_event[head_pos] = False
        is_event[tail_pos] = False
        cstart = _chunk_starts(chunks)
        take[is_event] = rows[order[ev]]
        elem_chunk = np.searchsorted(cstart, take, side="right") - 1
        elem_row = take - cstart[elem_chunk]
        elem_chunk[head_pos], elem_row[head_pos] = len(chunks), np.arange(nl)
        elem_chunk[tail_pos], elem_row[tail_pos] = len(chunks) + 1, 0
        tail = np.frombuffer(b"]}}\n", np.uint8).reshape(1, 4)
        data, offsets = fx.layout([*chunks, heads, tail], elem_chunk, elem_row, alloc)
        data[offsets[head_pos + 1]] = ord("[")
        pieces = pa.Array.from_buffers(
            pa.large_string(), len(take), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )
        return pieces, np.concatenate([head_pos, [len(take)]])

    def _views(self, out: Rendered, rng, rows: np.ndarray) -> None:
        m = self.m
        w, v = m.views, m.videos
        n = len(rows)
        if n == 0:
            return
        t = w.time_ms[rows]
        video = w.video[rows]
        viewer = w.viewer[rows]
        creator = v.creator[video]
        disc = w.discovery[rows]
        watch = w.watch_s[rows]
        # impressions: one per view (clicked) plus unclicked ones on the same feeds
        n_extra = rng.poisson(0.6 * n)
        pick = rng.integers(0, n, n_extra)
        other = rng.integers(0, n, n_extra)
        ir = np.concatenate([np.arange(n), pick])
        tte = np.exp(rng.normal(np.log(1.2), 0.8, len(ir)))
        clicked = np.concatenate([np.ones(n, bool), np.zeros(n_extra, bool)])
        imp_user = np.concatenate([viewer, viewer[other]])
        imp_t = np.concatenate(
            [
                t - (tte[:n] * 1000).astype(np.int64),
                t[pick] + rng.integers(-600_000, 600_000, n_extra),
            ]
        )
        imp_t = np.clip(imp_t, self.t0, self.t1 - 1)
        rb, rec, seq = self._fixed_common(rng, "impression", imp_t, imp_user)
        d = disc[ir]
        pos = np.where(d == 0, rng.geometric(0.12, len(ir)), rng.geometric(0.4, len(ir)))
        rb.field("content_id", fx.take(self.t_content, video[ir]))
        rb.field("creator_id", fx.take(self.t_user, creator[ir]))
        rb.field("discovery_source", fx.take(self.t_disc, d))
        rb.field("discovery_context", self._discovery_context(video[ir], d))
        rb.field("position_in_feed", fx.digits(np.minimum(pos, 999), 3))
        rb.field("clicked_through", fx.take(fx.BOOL, clicked.astype(np.int64)))
        rb.field(
            "time_to_engagement_seconds",
            fx.nullable(fx.decimal1(np.minimum(tte, 9999), 6), clicked),
        )
        self._emit_fixed(out, rng, rb, rec, imp_user, seq)
        # views (short ones included: the warehouse must not count < 3 s)
        rb, rec, seq = self._fixed_common(rng, "view", t, viewer)
        dur = v.duration_s[video]
        rb.field("content_id", fx.take(self.t_content, video))
        rb.field("creator_id", fx.take(self.t_user, creator))
        rb.field("discovery_source", fx.take(self.t_disc, disc))
        rb.field("watch_duration_seconds", fx.decimal1(watch, 6))
        rb.field("video_duration_seconds", fx.digits(dur, 3))
        rb.field("completion_percentage", fx.decimal1(np.minimum(100.0, watch / dur * 100.0), 5))
        self.stats["short_views"] += int((np.round(watch, 1) < 3.0).sum())
        self._emit_fixed(out, rng, rb, rec, viewer, seq)
        wm = (watch * 1000).astype(np.int64)
        flags = w.flags[rows]
        for kind, flag in (
            ("like", FLAG_LIKE),
            ("save", FLAG_SAVE),
            ("share", FLAG_SHARE),
            ("comment", FLAG_COMMENT),
            ("follow", FLAG_FOLLOW),
        ):
            sel = np.flatnonzero(flags & flag)
            if not len(sel):
                continue
            if kind == "comment":
                delay = np.exp(rng.normal(np.log(15_000), 0.8, len(sel))).astype(np.int64)
                occ = t[sel] + wm[sel] + delay
            elif kind == "follow":
                occ = t[sel] + wm[sel] + 800
            else:
                occ = t[sel] + (wm[sel] * rng.uniform(0.2, 1.0, len(sel))).astype(np.int64)
            ok = occ < self.t1
            sel, occ = sel[ok], occ[ok]
            rb, rec, seq = self._fixed_common(rng, kind, occ, viewer[sel])
            if kind == "follow":
                rb.field("target_user_id", fx.take(self.t_user, creator[sel]))
                rb.field("content_id", fx.take(self.t_content, video[sel]))
            else:
                rb.field("content_id", fx.take(self.t_content, video[sel]))
                rb.field("creator_id", fx.take(self.t_user, creator[sel]))
                rb.field("discovery_source", fx.take(self.t_disc, disc[sel]))
            if kind == "comment":
                rb.field("comment_id", fx.quoted_id(f"m{self.run_tag}-", seq, 12))
                rb.field(
                    "comment_length", fx.digits(np.clip(rng.zipf(1.5, len(sel)) * 6, 1, 500), 3)
                )
            if kind == "share":
                ch = rng.choice(len(vocab.SHARE_CHANNELS), len(sel), p=vocab.SHARE_WEIGHTS)
                rb.field("share_channel", fx.take(self.t_share, ch))
            self._emit_fixed(out, rng, rb, rec, viewer[sel], seq)

    def _discovery_context(self, video: np.ndarray, disc: np.ndarray) -> np.ndarray:
        """Hashtag name (search, hashtag), sound id (sound) or null, right-aligned."""
        m = self.m
        is_sound = disc == 4
        is_tag = disc >= 2
        is_tag &= ~is_sound
        tw = self.t_ctx_tag.shape[1]
        w = max(tw, 12)
        out = np.empty((len(video), w), np.uint8)
        items = fx.rows(out)
        items[disc < 2] = b"null".rjust(w)
        sel = np.flatnonzero(is_tag)
        tag = fx.take(self.t_ctx_tag, m.videos.hashtag[video[sel]])
        items[sel] = fx.rows(np.hstack([np.full((len(sel), w - tw), fx.SPACE, np.uint8), tag]))
        sel = np.flatnonzero(is_sound)
        snd = fx.quoted_id("s", m.videos.sound[video[sel]] + 1_000_000, 9)
        pad = np.full((len(sel), w - snd.shape[1]), fx.SPACE, np.uint8)
        items[sel] = fx.rows(np.hstack([pad, snd]))
        return out

    def _unfollows(self, out: Rendered, rng, rows: np.ndarray) -> None:
        if not len(rows):
            return
        m = self.m
        n = rng.poisson(0.0015 * len(rows))
        pick = rows[rng.integers(0, len(rows), n)]
        other = rows[rng.integers(0, len(rows), n)]
        user = m.views.viewer[pick]
        target = m.videos.creator[m.views.video[other]]
        occ = m.views.time_ms[pick] + rng.integers(1_000, 60_000, n)
        ok = occ < self.t1
        user, target, occ = user[ok], target[ok], occ[ok]
        rb, rec, seq = self._fixed_common(rng, "unfollow", occ, user)
        rb.field("target_user_id", fx.take(self.t_user, target))
        rb.field("content_id", np.broadcast_to(np.frombuffer(b"null", np.uint8), (len(occ), 4)))
        self._emit_fixed(out, rng, rb, rec, user, seq)

    # -- content -------------------------------------------------------------------------------
    def content_fields(self, video: np.ndarray) -> Fields:
        m = self.m
        v, h, s = m.videos, m.hashtags, m.sounds
        tags = pa.array(h.names)
        tag_off, extra = csr_take(v.extra_tags_offsets, v.extra_tags, video)
        lens = np.diff(tag_off) + 1
        all_off = np.concatenate([[0], np.cumsum(lens)])
        codes = np.empty(all_off[-1], dtype=np.int64)
        codes[all_off[:-1]] = v.hashtag[video]
        mask = np.ones(all_off[-1], bool)
        mask[all_off[:-1]] = False
        codes[mask] = extra
        fx_off, fx = csr_take(v.effects_offsets, v.effects, video)
        fx_json = jf.json_array(jf.quoted(jf.num(fx)), fx_off)
        parent = v.parent[video]
        snd = v.sound[video]
        orig = v.sound_original[video]
        cat_title = pa.array(s.title)
        title = pc.if_else(
            pa.array(orig),
            jf.concat("original sound - ", usernames(m.users, v.creator[video])),
            pc.take(cat_title, pa.array(np.where(orig, 0, snd))),
        )
        desc = jf.concat(
            jf.text_of(v.description[video], vocab.DESCRIPTIONS),
            " #",
            pc.take(tags, pa.array(v.hashtag[video])),
        )
        lang = jf.text_of(v.region[video], [r[4] for r in vocab.REGIONS])
        return [
            ("content_id", jf.quoted(pc.take(self.content_id, pa.array(video)))),
            ("creator_id", jf.quoted(pc.take(self.user_id, pa.array(v.creator[video])))),
            ("created_at", jf.quoted(jf.iso_ms(v.upload_ms[video]))),
            ("duration_seconds", jf.num(v.duration_s[video])),
            ("category", jf.quoted(jf.text_of(v.category[video], vocab.CATEGORIES))),
            ("content_type", jf.quoted(jf.text_of(v.content_type[video], vocab.CONTENT_TYPES))),
            (
                "parent_content_id",
                jf.nullable(
                    jf.quoted(pc.take(self.content_id, pa.array(np.maximum(parent, 0)))),
                    parent >= 0,
                ),
            ),
            ("sound_id", jf.quoted(jf.concat("s", jf.num(snd + 1_000_000)))),
            ("sound_title", jf.quoted(jf.escape(title))),
            ("sound_is_original", jf.boolean(orig)),
            ("hashtags", jf.string_list(codes, all_off, tags)),
            ("effect_ids", fx_json),
            ("language", jf.quoted(lang)),
            ("description", jf.quoted(desc)),
        ]

    def _content(self, out: Rendered, rng, hs: int, he: int) -> None:
        v = self.m.videos
        up = np.flatnonzero((v.upload_ms >= hs) & (v.upload_ms < he))
        if len(up):
            fields, rec, seq = self._common(rng, "upload", v.upload_ms[up], v.creator[up])
            fields += self.content_fields(up)
            self._emit(out, rng, fields, rec, v.creator[up], seq)
            for kind, ct in (("remix", 1), ("duet", 2)):
                sel = up[v.content_type[up] == ct]
                if not len(sel):
                    continue
                occ = np.minimum(v.upload_ms[sel] + rng.integers(500, 5_000, len(sel)), self.t1 - 1)
                fields, rec, seq = self._common(rng, kind, occ, v.creator[sel])
                par = v.parent[sel]
                fields += [
                    ("content_id", jf.quoted(pc.take(self.content_id, pa.array(par)))),
                    ("creator_id", jf.quoted(pc.take(self.user_id, pa.array(v.creator[par])))),
                    ("new_content_id", jf.quoted(pc.take(self.content_id, pa.array(sel)))),
                ]
                self._emit(out, rng, fields, rec, v.creator[sel], seq)
        for (rows, times), reason in (
            (self.content_snap, "snapshot"),
            (self.content_edits, "edit"),
        ):
            sel = np.flatnonzero((times >= hs) & (times < he))
            if not len(sel):
                continue
            vid = rows[sel]
            fields, rec, seq = self._common(rng, "content_update", times[sel], v.creator[vid])
            fields += self.content_fields(vid)
            fields.append(("update_reason", f'"{reason}"'))
            self._emit(out, rng, fields, rec, v.creator[vid], seq)

    # -- users ---------------------------------------------------------------------------------
    def user_fields(self, user: np.ndarray, t: np.ndarray) -> Fields:
        u = self.m.users
        followers = self.followers_at(user, t)
        tier = _tier(u, user, followers)
        name = usernames(u, user)
        tz = [r[1] for r in vocab.REGIONS]
        lang = [r[4] for r in vocab.REGIONS]
        return [
            ("username", jf.quoted(name)),
            ("display_name", jf.quoted(pc.utf8_capitalize(pc.replace_substring(name, ".", " ")))),
            ("user_type", jf.quoted(jf.text_of(u.user_type[user], vocab.USER_TYPES))),
            ("creator_tier", jf.quoted(jf.text_of(tier, vocab.TIERS))),
            ("timezone", jf.quoted(jf.text_of(u.region[user], tz))),
            ("language", jf.quoted(jf.text_of(u.region[user], lang))),
            ("registered_at", jf.quoted(jf.concat(jf.iso_s(self.registered[user]), "Z"))),
            ("follower_count", jf.num(followers)),
            ("following_count", jf.num(u.following[user])),
            ("is_verified", jf.boolean(u.verified[user])),
            (
                "bio",
                jf.quoted(
                    jf.text_of(
                        (u.bio[user] + self.edits_until(user, t)) % len(vocab.BIO), vocab.BIO
                    )
                ),
            ),
        ]

    def _users(self, out: Rendered, rng, hs: int, he: int) -> None:
        reg = self.registrations
        sel = reg[(self.registered[reg] >= hs) & (self.registered[reg] < he)]
        if len(sel):
            fields, rec, seq = self._common(rng, "registration", self.registered[sel], sel)
            fields += self.user_fields(sel, self.registered[sel])
            self._emit(out, rng, fields, rec, sel, seq)
        for (users, times), reason in (
            (self.user_snap, "snapshot"),
            (self.edits, "edit"),
            (self.tier_changes, "tier_change"),
        ):
            pick = np.flatnonzero((times >= hs) & (times < he) & (times < self.t1))
            if not len(pick):
                continue
            uu, tt = users[pick], times[pick]
            fields, rec, seq = self._common(rng, "profile_update", tt, uu)
            fields += self.user_fields(uu, tt)
            changed = {
                "snapshot": "[]",
                "edit": '["bio"]',
                "tier_change": '["creator_tier","follower_count"]',
            }[reason]
            fields += [("update_reason", f'"{reason}"'), ("changed_fields", changed)]
            self._emit(out, rng, fields, rec, uu, seq)


def _sort_order(*keys: np.ndarray) -> np.ndarray:
    """Order by the keys (first = most significant), like lexsort of the reversed keys.

    Why: packed into one int64 when the bits allow (the usual case), one argsort is ~3x faster
    than lexsort. Equal packed keys mean equal (partition, received_at, seq): the same event
    delivered twice, identical bytes, so their order does not matter."""
    bits = [max(int(k.max()), 0).bit_length() if len(k) else 0 for k in keys]
    if sum(bits) > 63 or any(len(k) and int(k.min()) < 0 for k in keys):
        return np.lexsort(keys[::-1])
    packed = np.zeros(len(keys[0]), np.int64)
    for k, b in zip(keys, bits, strict=True):
        packed <<= b
        packed |= k
    return np.argsort(packed)


def _chunk_starts(chunks: list[fx.Chunk]) -> np.ndarray:
    """Global row number of each chunk's first row (plus the total), rows counted across chunks."""
    out = np.zeros(len(chunks) + 1, np.int64)
    np.cumsum([len(c) for c in chunks], out=out[1:])
    return out


def _tier(u, user: np.ndarray, followers: np.ndarray) -> np.ndarray:
    t = 1 + np.searchsorted(TIER_THRESHOLDS, followers, side="right")
    return np.where(u.user_type[user] > 0, t, 0)


def _render(fields: Fields) -> pa.Array:
    parts: list = []
    for i, (name, val) in enumerate(fields):
        parts.append((',{"' if i == 0 else ',"') + name + '":')
        parts.append(val)
    parts.append("}")
    return jf.concat(*parts)
