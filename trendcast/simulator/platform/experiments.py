"""Recommendation A/B tests: assignment events, and the effects planted in the engagement.

Each experiment randomises users (the unit of analysis) into variants with a fixed traffic
split. A variant's effect is planted in the events the warehouse sees, so an analysis can be
checked against it (`_truth/experiments.parquet` holds the planted values):

- `like_rate`: a treatment user's qualified views gain likes so that likes per qualified view
  is (1 + lift) times the control's in expectation;
- `click_through_rate`: a treatment user's feed shows fewer impressions that are not clicked,
  so clicks per impression is (1 + lift) times the control's in expectation;
- `lost_assignment_rate`: a share of the treatment's assignment events is never logged (a
  logging bug), which an analysis must flag as a sample-ratio mismatch.

Assignment depends on the seed and the user only (not on the run window), so a user keeps
their variant across runs, as a real experiment platform's hashing does.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendcast.simulator import jsonfmt as jf
from trendcast.simulator.model import FLAG_LIKE, rng_for
from trendcast.simulator.platform.rendering import Rendered

UNCLICKED_PER_VIEW = 0.6  # unclicked impressions per view (engagement._views draws Poisson(0.6n))


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    variants: tuple[str, ...]  # the first is the control
    weights: tuple[float, ...]  # intended traffic split
    metric: str | None  # the planted effect's metric
    lift: float  # relative lift of every non-control variant on `metric`
    lost_assignment_rate: float = 0.0  # share of treatment assignment events never logged


EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("rec_ranker_v2", ("control", "treatment"), (0.5, 0.5), "like_rate", 0.40),
    Experiment(
        "feed_freshness_boost", ("control", "treatment"), (0.5, 0.5), "click_through_rate", 0.10
    ),
    Experiment("autoplay_preview", ("control", "treatment"), (0.5, 0.5), None, 0.0, 0.30),
)


def drop_probability(lift: float) -> float:
    """Share of a treatment user's unclicked impressions to drop for a relative CTR lift.

    Control CTR is 1 / (1 + u) with u unclicked impressions per click; dropping a share d gives
    1 / (1 + u (1 - d)) = (1 + lift) / (1 + u).
    """
    u = UNCLICKED_PER_VIEW
    return float(np.clip(1.0 - ((1.0 + u) / (1.0 + lift) - 1.0) / u, 0.0, 1.0))


class ExperimentEvents:
    """Assigns users, plants the effects and emits `experiment_assignment` events."""

    def _precompute_experiments(self) -> None:
        m, t0 = self.m, self.t0
        u, w = m.users, m.views
        world = rng_for(self.cfg.seed, 41)  # not the run window: assignment is sticky
        draws = world.random((len(EXPERIMENTS), u.n))
        self.variant = np.zeros((len(EXPERIMENTS), u.n), dtype=np.int8)
        for i, exp in enumerate(EXPERIMENTS):
            edges = np.cumsum(exp.weights)[:-1] / sum(exp.weights)
            self.variant[i] = np.searchsorted(edges, draws[i], side="right")
        rng = rng_for(self.cfg.seed, 42, t0 // 3_600_000)
        # assignment is logged just before the user's first activity in the run
        users = np.flatnonzero(self.seen_users)
        at = np.maximum(t0, self.first_user[users] - rng.integers(200, 1_000, len(users)))
        rows_u, rows_e, rows_t = [], [], []
        for i, exp in enumerate(EXPERIMENTS):
            logged = np.ones(len(users), bool)
            if exp.lost_assignment_rate > 0:
                treated = self.variant[i, users] > 0
                logged &= ~(treated & (rng.random(len(users)) < exp.lost_assignment_rate))
            rows_u.append(users[logged])
            rows_e.append(np.full(int(logged.sum()), i, np.int64))
            rows_t.append(at[logged])
        self.assignments = (
            np.concatenate(rows_u),
            np.concatenate(rows_e),
            np.concatenate(rows_t),
        )
        # planted like-rate lift: extra likes on treatment users' qualified, unliked views
        flags = w.flags.copy()
        for i, exp in enumerate(EXPERIMENTS):
            if exp.metric != "like_rate" or exp.lift <= 0:
                continue
            qualified = w.watch_s >= 3.0
            liked = (flags & FLAG_LIKE) > 0
            r = liked[qualified].mean() if qualified.any() else 0.0
            p_add = min(1.0, r * exp.lift / max(1.0 - r, 1e-9))
            treat = (self.variant[i, w.viewer] > 0) & qualified & ~liked
            add = treat & (rng.random(len(flags)) < p_add)
            flags[add] |= FLAG_LIKE
        self.view_flags = flags
        # planted CTR lift: per user, the share of unclicked impressions kept
        keep = np.ones(u.n)
        for i, exp in enumerate(EXPERIMENTS):
            if exp.metric == "click_through_rate" and exp.lift > 0:
                keep *= np.where(self.variant[i] > 0, 1.0 - drop_probability(exp.lift), 1.0)
        self.unclicked_keep = keep

    def _experiments(self, out: Rendered, rng, hs: int, he: int) -> None:
        users, exps, times = self.assignments
        sel = np.flatnonzero((times >= hs) & (times < he))
        if not len(sel):
            return
        uu, ee, tt = users[sel], exps[sel], times[sel]
        ids = pa.array([e.experiment_id for e in EXPERIMENTS])
        names = [pa.array(e.variants) for e in EXPERIMENTS]
        variant = pa.concat_arrays(
            [pc.take(names[e], pa.array(self.variant[e, uu[ee == e]])) for e in range(len(names))]
        )
        order = np.concatenate([np.flatnonzero(ee == e) for e in range(len(names))])
        uu, ee, tt = uu[order], ee[order], tt[order]
        fields, rec, seq = self._common(rng, "experiment_assignment", tt, uu)
        fields += [
            ("experiment_id", jf.quoted(pc.take(ids, pa.array(ee)))),
            ("variant", jf.quoted(variant)),
        ]
        self._emit(out, rng, fields, rec, uu, seq)

    def experiments_truth(self) -> dict[str, pa.Table]:
        """The planted design and effects, one row per experiment and variant."""
        rows = [
            {
                "experiment_id": e.experiment_id,
                "variant": name,
                "is_control": k == 0,
                "traffic_share": e.weights[k] / sum(e.weights),
                "planted_metric": e.metric,
                "planted_relative_lift": 0.0 if k == 0 else e.lift,
                "lost_assignment_rate": 0.0 if k == 0 else e.lost_assignment_rate,
                "users_assigned": int((self.variant[i, self.seen_users] == k).sum()),
            }
            for i, e in enumerate(EXPERIMENTS)
            for k, name in enumerate(e.variants)
        ]
        return {"experiments": pa.Table.from_pylist(rows)}
