"""Engagement events: impressions, views, likes, saves, shares, comments, follows, unfollows."""

import numpy as np

from trendcast.simulator import fixedjson as fx
from trendcast.simulator import vocab
from trendcast.simulator.model import (
    FLAG_COMMENT,
    FLAG_FOLLOW,
    FLAG_LIKE,
    FLAG_SAVE,
    FLAG_SHARE,
)
from trendcast.simulator.platform.rendering import Rendered


class EngagementEvents:
    """Emits the events derived from the model's views (the high-volume, fixed-width path)."""

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
        # planted experiment effect (fewer unclicked impressions) and closed accounts (no
        # impressions after the closure)
        shown = clicked | (rng.random(len(ir)) < self.unclicked_keep[imp_user])
        shown &= imp_t < self.closed_at[imp_user]
        ir, tte, clicked, imp_user, imp_t = (
            ir[shown],
            tte[shown],
            clicked[shown],
            imp_user[shown],
            imp_t[shown],
        )
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
        flags = self.view_flags[rows]  # with the experiments' planted likes
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
            ok = occ < np.minimum(self.t1, self.closed_at[viewer[sel]])
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
