"""User events: registrations and profile updates (snapshots, bio edits, tier changes)."""

import numpy as np
import pyarrow.compute as pc

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator import vocab
from trendcast.simulator.platform.rendering import Fields, Rendered
from trendcast.simulator.world import TIER_THRESHOLDS, usernames


class UserEvents:
    """Emits the events that describe a user's profile."""

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


def _tier(u, user: np.ndarray, followers: np.ndarray) -> np.ndarray:
    t = 1 + np.searchsorted(TIER_THRESHOLDS, followers, side="right")
    return np.where(u.user_type[user] > 0, t, 0)
