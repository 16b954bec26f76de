"""Count distributions for intervals.

Posting counts are heavily overdispersed (hourly variance ~10x the mean), so Poisson intervals
cover far less than 95% (measured in docs/FORECASTING.md). Learned models get a negative binomial
predictive distribution NB(mean=mu, var=mu + alpha*mu^2) with alpha fitted by maximum likelihood on
out-of-sample residuals of the most recent weeks, and a nominal level calibrated on the same
holdout: the smallest level whose interval covers >= 95% of the holdout buckets (discrete counts
make a nominal 95% interval cover more than 95%).

`OnlineConformal` recalibrates an interval online, strictly point in time (only forecasts whose
target has ended are scored): a local scale of the scores plus recency-weighted conformal
quantiles, optionally adaptive conformal inference on the tail levels (off: it hurt on the
development windows). Used by the daily local-level model.
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

TARGET_COVERAGE = 0.95
LEVEL_GRID = np.round(np.arange(0.80, 0.995, 0.005), 3)


def nb_params(mu: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    n = 1.0 / max(alpha, 1e-8)
    mu = np.maximum(np.asarray(mu, dtype=float), 1e-6)
    return np.full_like(mu, n), n / (n + mu)


def nb_quantile(mu: np.ndarray, alpha: float, q: float) -> np.ndarray:
    n, p = nb_params(mu, alpha)
    return stats.nbinom.ppf(q, n, p)


def nb_logpmf(y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    n, p = nb_params(mu, alpha)
    return stats.nbinom.logpmf(np.asarray(y, dtype=float), n, p)


def fit_dispersion(y: np.ndarray, mu: np.ndarray) -> float:
    """MLE of the NB2 dispersion alpha for fixed means (NaN targets ignored)."""
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    ok = ~np.isnan(y) & ~np.isnan(mu)
    if ok.sum() < 10:
        return 1.0
    y, mu = y[ok], mu[ok]

    def nll(log_alpha: float) -> float:
        return -float(nb_logpmf(y, mu, float(np.exp(log_alpha))).sum())

    res = optimize.minimize_scalar(nll, bounds=(-8.0, 4.0), method="bounded")
    return float(np.exp(res.x))


def nb_interval(mu: np.ndarray, alpha: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    lo = nb_quantile(mu, alpha, (1.0 - level) / 2.0)
    hi = nb_quantile(mu, alpha, (1.0 + level) / 2.0)
    return lo, hi


def poisson_interval(mu: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    mu = np.maximum(np.asarray(mu, dtype=float), 1e-6)
    return stats.poisson.ppf((1 - level) / 2, mu), stats.poisson.ppf((1 + level) / 2, mu)


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of known (non-NaN) targets inside [lo, hi], both ends inclusive."""
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    if not ok.any():
        return float("nan")
    return float(((y[ok] >= lo[ok]) & (y[ok] <= hi[ok])).mean())


def winkler(
    y: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float = TARGET_COVERAGE
) -> np.ndarray:
    """Interval (Winkler) score per target: the width, plus 2/alpha times the distance by which
    the outcome falls outside (alpha = 1 - level; Gneiting & Raftery 2007). A proper score: lower
    is better, and narrowing an interval pays only while it keeps covering."""
    y, lo, hi = (np.asarray(a, dtype=float) for a in (y, lo, hi))
    a = 1.0 - level
    return (hi - lo) + (2 / a) * np.maximum(lo - y, 0) + (2 / a) * np.maximum(y - hi, 0)


def calibrate_level(
    y: np.ndarray, mu: np.ndarray, alpha: float, target: float = TARGET_COVERAGE
) -> float:
    """Smallest nominal level whose NB interval covers >= target of the holdout."""
    for level in LEVEL_GRID:
        lo, hi = nb_interval(mu, alpha, float(level))
        if coverage(y, lo, hi) >= target:
            return float(level)
    return float(LEVEL_GRID[-1])


# --- online recalibration ---------------------------------------------------------------------

SCALE_HALFLIFE_DAYS = 14.0  # local scale of the scores: an exponentially weighted RMS
QUANTILE_HALFLIFE_DAYS = 91.0  # recency weights of the conformal quantiles
ACI_ALPHA_RANGE = (1e-4, 0.25)  # with ACI on, a tail's level never leaves this range


@dataclass
class OnlineConformal:
    """Online conformal calibration of a forecaster's standardized scores z (e.g. log residual /
    the model's own forecast sd), strictly point in time.

    Each forecast is *issued* at its origin and *scored* once its target has ended
    (`observe_until(t)` scores only forecasts whose target ended at or before t), so the state at
    an origin depends only on targets known before it. At time t the bounds in z units are

    * a local scale s_t: the exponentially weighted RMS of the scores known at t (half-life
      `scale_halflife` days by the age of their target), so a regime change in the size of the
      errors (e.g. after a level shift) shows within days, not after a whole holdout;
    * the scores normalized by the local scale at their own issue time, u = z / s_issue, and their
      recency-weighted conformal quantiles (non-exchangeable split conformal, Barber, Candes,
      Ramdas & Tibshirani 2023: weights 0.5^(age / quantile_halflife), the test point's weight 1
      at +-infinity), at the tail levels alpha_lo, alpha_hi;
    * bounds = s_t * (u_lo, u_hi).

    With `gamma` > 0 the tail levels also adapt by adaptive conformal inference (Gibbs & Candes
    2021): alpha_{t+1} = alpha_t + gamma * (target - miss_t) per tail, miss_t from the bounds the
    forecast was issued with. Off by default: on the development windows it widened the daily
    intervals and lowered their coverage (misses come in bursts shared by all horizons, and the
    delayed feedback arrives after a burst, see docs/FORECASTING.md).
    """

    target: float = (1 - TARGET_COVERAGE) / 2  # per tail
    gamma: float = 0.0
    scale_halflife: float = SCALE_HALFLIFE_DAYS
    quantile_halflife: float = QUANTILE_HALFLIFE_DAYS
    min_n: int = 40
    alpha_lo: float = -1.0
    alpha_hi: float = -1.0
    n_scored: int = 0
    pending: list = field(default_factory=list)  # heap of (known_at, seq, key, a_lo, a_hi, s)
    scored_t: list = field(default_factory=list)  # target time of each scored forecast
    scored_z: list = field(default_factory=list)  # its score
    scored_s: list = field(default_factory=list)  # the local scale when it was issued
    _seq: int = 0

    def __post_init__(self) -> None:
        if self.alpha_lo < 0:
            self.alpha_lo = self.target
        if self.alpha_hi < 0:
            self.alpha_hi = self.target

    def _ages(self, now: pd.Timestamp) -> np.ndarray:
        t = pd.DatetimeIndex(self.scored_t)
        return np.asarray((now - t) / pd.Timedelta("1D"), dtype=float)

    def scale(self, now: pd.Timestamp) -> float:
        """Exponentially weighted RMS of the scores known at `now` (1 with too few)."""
        if len(self.scored_z) < self.min_n:
            return 1.0
        w = 0.5 ** (self._ages(now) / self.scale_halflife)
        z = np.asarray(self.scored_z)
        return float(np.sqrt((w * z**2).sum() / w.sum()))

    def bounds(self, now: pd.Timestamp) -> tuple[float, float]:
        """Lower and upper bound in score units for a forecast issued at `now`."""
        if len(self.scored_z) < self.min_n:
            return float(stats.norm.ppf(self.alpha_lo)), float(stats.norm.ppf(1 - self.alpha_hi))
        u = np.asarray(self.scored_z) / np.asarray(self.scored_s)
        w = 0.5 ** (self._ages(now) / self.quantile_halflife)
        lo, hi = weighted_conformal_tails(u, w, self.alpha_lo, self.alpha_hi)
        s = self.scale(now)
        return lo * s, hi * s

    def issue(self, now: pd.Timestamp, known_at: pd.Timestamp, key: Any) -> None:
        """Record a forecast issued at `now` whose target is known from `known_at` on."""
        item = (known_at, self._seq, key, self.alpha_lo, self.alpha_hi, self.scale(now))
        heapq.heappush(self.pending, item)
        self._seq += 1

    def observe_until(
        self, t: pd.Timestamp, score: Callable[[Any, float, float], tuple | None]
    ) -> None:
        """Score every pending forecast whose target is known at t, in the order the targets
        ended. `score(key, a_lo, a_hi)` returns (target time, z, below lower, above upper) for the
        bounds issued with those levels, or None when the target is unknown (a gap: not scored)."""
        lo, hi = ACI_ALPHA_RANGE
        while self.pending and self.pending[0][0] <= t:
            _, _, key, a_lo, a_hi, s = heapq.heappop(self.pending)
            res = score(key, a_lo, a_hi)
            if res is None:
                continue
            target_time, z, m_lo, m_hi = res
            self.scored_t.append(target_time)
            self.scored_z.append(float(z))
            self.scored_s.append(float(s))
            self.n_scored += 1
            if self.gamma:
                self.alpha_lo = float(
                    np.clip(self.alpha_lo + self.gamma * (self.target - bool(m_lo)), lo, hi)
                )
                self.alpha_hi = float(
                    np.clip(self.alpha_hi + self.gamma * (self.target - bool(m_hi)), lo, hi)
                )

    def copy(self) -> OnlineConformal:
        return copy.deepcopy(self)

    def summary(self, now: pd.Timestamp) -> dict[str, Any]:
        lo, hi = self.bounds(now)
        return {
            "online_z_low": round(lo, 4),
            "online_z_high": round(hi, 4),
            "online_scale": round(self.scale(now), 4),
            "online_n_scored": self.n_scored,
            "scale_halflife_days": self.scale_halflife,
            "quantile_halflife_days": self.quantile_halflife,
            "aci_gamma": self.gamma,
        }


def weighted_conformal_tails(
    u: np.ndarray, w: np.ndarray, a_lo: float, a_hi: float, test_weight: float = 1.0
) -> tuple[float, float]:
    """Weighted split-conformal quantiles (Barber et al. 2023): with p_i = w_i / (sum w +
    test_weight), the upper bound is the smallest u with sum_{u_i <= u} p_i >= 1 - a_hi and the
    lower the largest u with sum_{u_i >= u} p_i >= 1 - a_lo (the test point's mass sits at
    +-infinity; where the quantile would be infinite, the extreme score)."""
    o = np.argsort(u)
    u, w = np.asarray(u, dtype=float)[o], np.asarray(w, dtype=float)[o]
    total = w.sum() + test_weight
    up = np.cumsum(w) / total
    i = min(int(np.searchsorted(up, 1 - a_hi)), len(u) - 1)
    down = np.cumsum(w[::-1]) / total
    j = min(int(np.searchsorted(down, 1 - a_lo)), len(u) - 1)
    return float(u[::-1][j]), float(u[i])
