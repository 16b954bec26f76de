"""The first-party event stream: state, and the hour loop that emits and delivers."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import fixedjson as fx
from trendcast.simulator import vocab
from trendcast.simulator.delivery import Arena, BufferPool, Segments, inject
from trendcast.simulator.model import (
    HOUR_MS,
    Model,
    rng_for,
)
from trendcast.simulator.platform.accounts import AccountEvents
from trendcast.simulator.platform.content import ContentEvents
from trendcast.simulator.platform.engagement import EngagementEvents
from trendcast.simulator.platform.experiments import ExperimentEvents
from trendcast.simulator.platform.history import PlatformHistory
from trendcast.simulator.platform.polls import PollDelivery, chunk_starts
from trendcast.simulator.platform.rendering import EventRenderer, Rendered
from trendcast.simulator.platform.safety import SafetyEvents
from trendcast.simulator.platform.users import UserEvents


class PlatformStream(
    EngagementEvents,
    ContentEvents,
    UserEvents,
    ExperimentEvents,
    SafetyEvents,
    AccountEvents,
    PollDelivery,
    PlatformHistory,
    EventRenderer,
):
    """Generates the event stream hour by hour with carried-over (late) deliveries.

    Each base emits one family of events (engagement, content, users, experiments, safety,
    accounts) or delivers them (polls);
    they share this object's state: the model, the byte tables, the event sequence and stats.
    """

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
        # closures first: every later emitter drops what a closed account would do after it
        self._precompute_closures()
        self._precompute_consent()
        self._precompute_experiments()
        self._precompute_safety()

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
        self._experiments(out, rng, hs, he)
        self._safety(out, rng, hs, he)
        self._accounts(out, rng, hs, he)
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
            c_of = np.searchsorted(chunk_starts(chunks), g, side="right") - 1
            by = np.argsort(c_of, kind="stable")
            for c in np.unique(c_of):
                sel = later[by][c_of[by] == c]
                r = src[sel] - chunk_starts(chunks)[c]
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
