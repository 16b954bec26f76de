"""Trust and safety: users report videos, moderation acts on each report.

A small share of videos violates the rules; their viewers report them far more often than
other videos. Every report is reviewed either automatically (minutes) or by a person (hours);
the decision is emitted as a `moderation_action` when it falls inside the run, so reports near
the end stay open. `_truth/moderation_reports.parquet` holds every report with its planted
decision and time, whether or not the action made it into the run.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator.model import rng_for
from trendcast.simulator.platform.rendering import Rendered

VIOLATING_SHARE = 0.03  # videos that break the rules
REPORT_RATE_VIOLATING = 0.15  # reports per qualified view of a violating video
REPORT_RATE_OTHER = 0.002  # mistaken or abusive reports per qualified view of other videos
AUTOMATED_SHARE = 0.5  # reports decided by a classifier rather than a reviewer
AUTOMATED_MEDIAN_MS = 120_000  # log-normal time to action, median
HUMAN_MEDIAN_MS = 3 * 3_600_000

REPORT_REASONS = ["spam", "harassment", "hate_speech", "violence", "misinformation", "nudity",
                  "other"]  # fmt: skip
REASON_P_VIOLATING = [0.15, 0.2, 0.15, 0.15, 0.15, 0.15, 0.05]
REASON_P_OTHER = [0.45, 0.1, 0.05, 0.05, 0.05, 0.05, 0.25]
ACTIONS = ["remove", "restrict", "warn", "no_violation"]
ACTION_P_VIOLATING = [0.7, 0.2, 0.1, 0.0]
ACTION_P_OTHER = [0.0, 0.0, 0.1, 0.9]
ACTOR_TYPES = ["automated", "human"]


class SafetyEvents:
    """Emits `report` and `moderation_action` events."""

    def _precompute_safety(self) -> None:
        m, t1 = self.m, self.t1
        v, w = m.videos, m.views
        rng = rng_for(self.cfg.seed, 43, self.t0 // 3_600_000)
        violating = rng.random(v.n) < VIOLATING_SHARE
        qualified = w.watch_s >= 3.0
        rate = np.where(violating[w.video], REPORT_RATE_VIOLATING, REPORT_RATE_OTHER)
        rep = np.flatnonzero(qualified & (rng.random(len(rate)) < rate))
        at = w.time_ms[rep] + (w.watch_s[rep] * 1000).astype(np.int64)
        at += rng.integers(5_000, 90_000, len(rep))
        ok = at < np.minimum(t1, self.closed_at[w.viewer[rep]])
        rep, at = rep[ok], at[ok]
        n = len(rep)
        bad = violating[w.video[rep]]
        reason = np.where(
            bad,
            rng.choice(len(REPORT_REASONS), n, p=REASON_P_VIOLATING),
            rng.choice(len(REPORT_REASONS), n, p=REASON_P_OTHER),
        )
        action = np.where(
            bad,
            rng.choice(len(ACTIONS), n, p=ACTION_P_VIOLATING),
            rng.choice(len(ACTIONS), n, p=ACTION_P_OTHER),
        )
        actor = (rng.random(n) >= AUTOMATED_SHARE).astype(np.int64)  # 0 automated, 1 human
        median = np.where(actor == 0, AUTOMATED_MEDIAN_MS, HUMAN_MEDIAN_MS)
        acted = at + np.exp(rng.normal(np.log(median), 0.8)).astype(np.int64) + 1_000
        order = np.argsort(at, kind="stable")
        self.reports = {
            "seq": np.arange(n, dtype=np.int64),
            "view": rep[order],
            "reported_ms": at[order],
            "reason": reason[order],
            "is_violating": bad[order],
            "action": action[order],
            "actor": actor[order],
            "actioned_ms": acted[order],
        }
        self.report_id = pc.binary_join_element_wise(
            f"r{self.run_tag}-", pc.utf8_lpad(jf.num(np.arange(n)), width=8, padding="0"), ""
        )

    def _safety(self, out: Rendered, rng, hs: int, he: int) -> None:
        r, m = self.reports, self.m
        for kind, when in (("report", "reported_ms"), ("moderation_action", "actioned_ms")):
            sel = np.flatnonzero((r[when] >= hs) & (r[when] < he) & (r[when] < self.t1))
            if not len(sel):
                continue
            vid = m.views.video[r["view"][sel]]
            creator = m.videos.creator[vid]
            actor_user = m.views.viewer[r["view"][sel]] if kind == "report" else creator
            fields, rec, seq = self._common(rng, kind, r[when][sel], actor_user)
            fields += [
                ("content_id", jf.quoted(pc.take(self.content_id, pa.array(vid)))),
                ("creator_id", jf.quoted(pc.take(self.user_id, pa.array(creator)))),
                ("report_id", jf.quoted(pc.take(self.report_id, pa.array(r["seq"][sel])))),
            ]
            if kind == "report":
                fields.append(
                    ("report_reason", jf.quoted(jf.text_of(r["reason"][sel], REPORT_REASONS)))
                )
            else:
                fields += [
                    ("moderation_action", jf.quoted(jf.text_of(r["action"][sel], ACTIONS))),
                    ("actor_type", jf.quoted(jf.text_of(r["actor"][sel], ACTOR_TYPES))),
                ]
            self._emit(out, rng, fields, rec, actor_user, seq)

    def safety_truth(self) -> dict[str, pa.Table]:
        """Every report with its planted decision; actioned_at may lie after the run."""
        r, m = self.reports, self.m
        vid = m.views.video[r["view"]]
        return {
            "moderation_reports": pa.table({
                "report_id": self.report_id,
                "content_id": pc.take(self.content_id, pa.array(vid)),
                "reporter_id": pc.take(self.user_id, pa.array(m.views.viewer[r["view"]])),
                "reported_at": pa.array(r["reported_ms"], pa.timestamp("ms", tz="UTC")),
                "report_reason": np.array(REPORT_REASONS)[r["reason"]],
                "is_violating": r["is_violating"],
                "moderation_action": np.array(ACTIONS)[r["action"]],
                "actor_type": np.array(ACTOR_TYPES)[r["actor"]],
                "actioned_at": pa.array(r["actioned_ms"], pa.timestamp("ms", tz="UTC")),
                "is_actioned_in_run": r["actioned_ms"] < self.t1,
            })
        }  # fmt: skip
