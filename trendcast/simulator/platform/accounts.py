"""Account lifecycle beyond the profile: analytics consent over time, and account closures.

Consent: every user who registers or acts in a run gets a `consent_change` event with
`update_reason = snapshot` at the time of their registration / profile snapshot (their state
as the run begins), and a few change their mind later in the run (`update_reason = change`).
The initial state depends on the seed and the user only. A user's events count for analytics
only while their latest consent state says so; `_truth/consent.parquet` holds every state.

Closures (churn): a few consumers close their account after their last activity in the run;
nothing of theirs follows the `account_closure` event. New users churn more often than old ones.
`_truth/account_closures.parquet` holds them.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator.model import HOUR_MS, rng_for
from trendcast.simulator.platform.rendering import Rendered

CONSENT_SHARE = 0.85  # users who consent to analytics
CONSENT_CHANGES_PER_DAY = 0.03  # share of active users who flip their consent per day
CLOSURE_NEW_USERS = 0.15  # share of users registering in the run who close their account in it
CLOSURE_PER_DAY = 0.02  # share of other active consumers who close their account per day
CLOSURE_REASONS = ["not_useful", "privacy", "too_much_time", "other"]
NEVER = np.iinfo(np.int64).max


class AccountEvents:
    """Emits `consent_change` and `account_closure` events (closures are precomputed first:
    every other emitter drops what a closed account would do after closing)."""

    def _precompute_closures(self) -> None:
        m, t1 = self.m, self.t1
        u, w = m.users, m.views
        rng = rng_for(self.cfg.seed, 44, self.t0 // HOUR_MS)
        last = np.full(u.n, -1, np.int64)
        np.maximum.at(last, w.viewer, w.time_ms + (w.watch_s * 1000).astype(np.int64))
        edited = np.zeros(u.n, bool)
        edited[self.edits[0]] = True
        # consumers only (a creator's videos keep collecting events after they leave)
        cand = np.flatnonzero(self.seen_users & (u.user_type == 0) & ~edited & (last >= 0))
        p = np.where(u.is_new[cand], CLOSURE_NEW_USERS, CLOSURE_PER_DAY * self.cfg.hours / 24)
        cand = cand[rng.random(len(cand)) < np.minimum(p, 1.0)]
        at = last[cand] + rng.integers(15 * 60_000, 3 * HOUR_MS, len(cand))
        ok = at < t1
        self.closed_at = np.full(u.n, NEVER, np.int64)
        self.closed_at[cand[ok]] = at[ok]
        self.closures = (cand[ok], at[ok], rng.integers(0, len(CLOSURE_REASONS), int(ok.sum())))

    def _precompute_consent(self) -> None:
        m, t1 = self.m, self.t1
        u = m.users
        initial = rng_for(self.cfg.seed, 45).random(u.n) < CONSENT_SHARE
        rng = rng_for(self.cfg.seed, 46, self.t0 // HOUR_MS)
        snap_users, snap_times = self.user_snap
        reg = self.registrations
        users = np.concatenate([reg, snap_users])
        times = np.concatenate([self.registered[reg], snap_times])
        state = initial[users]
        reason = np.zeros(len(users), np.int64)  # 0 snapshot, 1 change
        n = rng.poisson(CONSENT_CHANGES_PER_DAY * len(users) * self.cfg.hours / 24)
        pick = rng.choice(len(users), min(n, len(users)), replace=False)
        ct = times[pick] + 60_000 + (rng.random(len(pick)) * (t1 - times[pick])).astype(np.int64)
        ok = ct < np.minimum(t1, self.closed_at[users[pick]])
        pick, ct = pick[ok], ct[ok]
        self.consent = (
            np.concatenate([users, users[pick]]),
            np.concatenate([times, ct]),
            np.concatenate([state, ~state[pick]]),
            np.concatenate([reason, np.ones(len(pick), np.int64)]),
        )

    def _accounts(self, out: Rendered, rng, hs: int, he: int) -> None:
        users, times, state, reason = self.consent
        sel = np.flatnonzero((times >= hs) & (times < he))
        if len(sel):
            fields, rec, seq = self._common(rng, "consent_change", times[sel], users[sel])
            fields += [
                ("analytics_consent", jf.boolean(state[sel])),
                ("update_reason", jf.quoted(jf.text_of(reason[sel], ["snapshot", "change"]))),
            ]
            self._emit(out, rng, fields, rec, users[sel], seq)
        users, times, why = self.closures
        sel = np.flatnonzero((times >= hs) & (times < he))
        if len(sel):
            fields, rec, seq = self._common(rng, "account_closure", times[sel], users[sel])
            fields.append(("closure_reason", jf.quoted(jf.text_of(why[sel], CLOSURE_REASONS))))
            self._emit(out, rng, fields, rec, users[sel], seq)

    def accounts_truth(self) -> dict[str, pa.Table]:
        """Ground truth of consent states and closures (tests compare the marts with it)."""
        users, times, state, reason = self.consent
        cu, ct, why = self.closures
        return {
            "consent": pa.table({
                "user_id": pc.take(self.user_id, pa.array(users)),
                "changed_at": pa.array(times, pa.timestamp("ms", tz="UTC")),
                "analytics_consent": state,
                "update_reason": np.array(["snapshot", "change"])[reason],
            }),
            "account_closures": pa.table({
                "user_id": pc.take(self.user_id, pa.array(cu)),
                "closed_at": pa.array(ct, pa.timestamp("ms", tz="UTC")),
                "closure_reason": np.array(CLOSURE_REASONS)[why],
                "is_new_user": self.m.users.is_new[cu],
            }),
        }  # fmt: skip
