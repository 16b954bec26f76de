"""What the stream needs to know beyond one hour: snapshots, registrations, follows, edits."""

import numpy as np

from trendcast.simulator.model import (
    FLAG_FOLLOW,
    HOUR_MS,
    rng_for,
)
from trendcast.simulator.world import TIER_THRESHOLDS


class PlatformHistory:
    """Precomputed once per run, small: who needs a snapshot, when tiers change, follower counts
    at any time."""

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
        self.first_user, self.seen_users = first_user, seen_u
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
