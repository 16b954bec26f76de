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
development windows). Used by the daily local-level model, whose interval is then averaged with
the naive empirical-quantile interval while the level is steady (`blend_bounds`,
`level_is_steady`).
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
# the daily interval is the model's averaged with the naive empirical one (docs/FORECASTING.md,
# "Daily intervals: how sharp"): equal weights, fixed a priori, and the naive interval's 91 days
BLEND_WEIGHT = 0.5
EMPIRICAL_DAYS = 91
EMPIRICAL_MIN_DAYS = 28  # fewer known days than this: no empirical interval (2.5% of 28 < 1 day)


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


def ratio_score(y, m, sd, power: float = 0.0):
    """Standardized score of a count y against a log-scale forecast (m, sd) of log(1 + y): the
    Box-Cox transform with exponent `power` of the ratio r = (1 + y) / exp(m), over sd. power 0
    is the log residual (log1p(y) - m) / sd; power 1 the relative error (r - 1) / sd, additive on
    the count scale (a conformal quantile of it stretches the upper tail less than exp does)."""
    y, m, sd = (np.asarray(a, dtype=float) for a in (y, m, sd))
    if power == 0:
        return (np.log1p(y) - m) / sd
    return (np.exp(power * (np.log1p(y) - m)) - 1.0) / (power * sd)


def ratio_bounds(m, sd, z_lo, z_hi, power: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Count-scale bounds whose `ratio_score` is z_lo and z_hi (the inverse transform; a lower
    bound the transform cannot reach is 0), floored / ceiled to whole posts."""
    m, sd = np.asarray(m, dtype=float), np.asarray(sd, dtype=float)

    def inv(z):
        if power == 0:
            return np.expm1(m + z * sd)
        base = np.maximum(1.0 + power * z * sd, 0.0)
        return np.exp(m) * base ** (1.0 / power) - 1.0

    return np.maximum(np.floor(inv(z_lo)), 0.0), np.ceil(inv(z_hi))


def empirical_bounds(
    daily: pd.Series,
    origin: pd.Timestamp,
    days: int,
    level: float = TARGET_COVERAGE,
    centre: float | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The naive interval at `origin`: the empirical (1 - level) / 2 and (1 + level) / 2
    quantiles of the known (non-gap) daily totals of the `days` days before it, floored / ceiled
    to whole posts; NaN with fewer than `EMPIRICAL_MIN_DAYS` known days. With `centre` (a
    log1p-scale level, e.g. the model's) the quantiles are moved from the window's median to it
    on the log1p scale, so they follow a level shift: expm1(centre + q(log1p y) - median)."""
    hist = daily[(daily.index < origin) & (daily.index >= origin - pd.Timedelta(days=days))]
    h = hist.dropna().to_numpy(dtype=float)
    shape = np.shape(centre) if centre is not None else ()
    if len(h) < EMPIRICAL_MIN_DAYS:
        return np.full(shape, np.nan), np.full(shape, np.nan)
    a = (1.0 - level) / 2.0
    if centre is None:
        lo, hi = np.quantile(h, a), np.quantile(h, 1.0 - a)
    else:
        lh = np.log1p(h)
        shift = np.asarray(centre, dtype=float) - np.median(lh)
        lo, hi = np.expm1(np.quantile(lh, a) + shift), np.expm1(np.quantile(lh, 1.0 - a) + shift)
    return np.maximum(np.floor(lo), 0.0), np.ceil(hi)


def level_is_steady(daily: pd.Series, origin: pd.Timestamp, days: int, recent: int = 7) -> bool:
    """Whether the empirical interval of the `days` before `origin` still describes the level:
    the median of the last `recent` known daily totals lies between the window's quartiles
    (after a level shift it leaves them within days, and the empirical quantiles, which lag by
    weeks, must not be blended in)."""
    hist = daily[(daily.index < origin) & (daily.index >= origin - pd.Timedelta(days=days))]
    h = hist.dropna()
    if len(h) < EMPIRICAL_MIN_DAYS:
        return False
    q1, q3 = np.quantile(h.to_numpy(dtype=float), [0.25, 0.75])
    return bool(q1 <= np.median(h.to_numpy(dtype=float)[-recent:]) <= q3)


def blend_bounds(lo, hi, lo_e, hi_e, weight: float, point=None) -> tuple[np.ndarray, np.ndarray]:
    """Quantile averaging (Vincentization) of two intervals: each bound is (1 - weight) x the
    model's + weight x the empirical one, floored / ceiled; where the empirical bound is unknown
    the model's stays. With `point`, the interval is widened to hold it."""
    lo, hi, lo_e, hi_e = (np.asarray(a, dtype=float) for a in (lo, hi, lo_e, hi_e))
    out_lo = np.where(np.isnan(lo_e), lo, np.floor((1 - weight) * lo + weight * lo_e))
    out_hi = np.where(np.isnan(hi_e), hi, np.ceil((1 - weight) * hi + weight * hi_e))
    if point is not None:
        point = np.asarray(point, dtype=float)
        out_lo = np.minimum(out_lo, np.floor(point))
        out_hi = np.maximum(out_hi, np.ceil(point))
    return out_lo, out_hi


# --- online recalibration ---------------------------------------------------------------------

SCALE_HALFLIFE_DAYS = 14.0  # local scale of the scores: an exponentially weighted RMS
# recency weights of the conformal quantiles: 365 days (with the blend below) scored lower
# Winkler than 91 on all three development windows (docs/FORECASTING.md); the local scale
# already follows regime changes, so the tail shape can use the whole replayed year
QUANTILE_HALFLIFE_DAYS = 365.0
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
    scale_stat: str = "rms"  # "rms" or "mean_abs" (robust: one huge miss weighs linearly)
    tail_scales: bool = False  # a local scale per tail (lower from z < 0, upper from z > 0)
    center: bool = False  # shift the interval by the local mean of the scores
    alpha_lo: float = -1.0
    alpha_hi: float = -1.0
    n_scored: int = 0
    pending: list = field(default_factory=list)  # heap of (known_at, seq, key, a_lo, a_hi, s)
    scored_t: list = field(default_factory=list)  # target time of each scored forecast
    scored_z: list = field(default_factory=list)  # its score
    scored_s: list = field(default_factory=list)  # local (centre, scale lo, hi) when issued
    _seq: int = 0

    def __post_init__(self) -> None:
        if self.scale_stat not in ("rms", "mean_abs"):
            raise ValueError(f"scale_stat is 'rms' or 'mean_abs', not {self.scale_stat!r}")
        if self.alpha_lo < 0:
            self.alpha_lo = self.target
        if self.alpha_hi < 0:
            self.alpha_hi = self.target

    def _ages(self, now: pd.Timestamp) -> np.ndarray:
        t = pd.DatetimeIndex(self.scored_t)
        return np.asarray((now - t) / pd.Timedelta("1D"), dtype=float)

    def _stat(self, w: np.ndarray, z: np.ndarray) -> float:
        if not w.sum() > 0:
            return float("nan")
        if self.scale_stat == "rms":
            return float(np.sqrt((w * z**2).sum() / w.sum()))
        return float((w * np.abs(z)).sum() / w.sum())

    def local(self, now: pd.Timestamp) -> tuple[float, float, float]:
        """(centre, lower-tail scale, upper-tail scale) of the scores known at `now`,
        exponentially weighted by target age (half-life `scale_halflife`): the centre is their
        weighted mean with `center` on (else 0); the scale the weighted RMS or mean |.| of the
        deviations from it, per tail with `tail_scales` (lower from those below the centre,
        upper from those above). With too few scores (0, 1, 1)."""
        if len(self.scored_z) < self.min_n:
            return 0.0, 1.0, 1.0
        w = 0.5 ** (self._ages(now) / self.scale_halflife)
        z = np.asarray(self.scored_z)
        c = float((w * z).sum() / w.sum()) if self.center else 0.0
        d = z - c
        pooled = self._stat(w, d)
        if not self.tail_scales:
            return c, pooled, pooled
        lo, hi = self._stat(w * (d < 0), d), self._stat(w * (d > 0), d)
        return c, (pooled if np.isnan(lo) else lo), (pooled if np.isnan(hi) else hi)

    def scale(self, now: pd.Timestamp) -> float:
        """The local scale at `now` (the geometric mean of the two tail scales)."""
        _, lo, hi = self.local(now)
        return float(np.sqrt(lo * hi))

    def bounds(self, now: pd.Timestamp) -> tuple[float, float]:
        """Lower and upper bound in score units for a forecast issued at `now`."""
        if len(self.scored_z) < self.min_n:
            return float(stats.norm.ppf(self.alpha_lo)), float(stats.norm.ppf(1 - self.alpha_hi))
        z = np.asarray(self.scored_z)
        st = np.asarray(self.scored_s, dtype=float).reshape(-1, 3)
        w = 0.5 ** (self._ages(now) / self.quantile_halflife)
        c, s_lo, s_hi = self.local(now)
        # each tail's quantile from the scores normalized by the local state at their issue
        lo, _ = weighted_conformal_tails((z - st[:, 0]) / st[:, 1], w, self.alpha_lo, 0.5)
        _, hi = weighted_conformal_tails((z - st[:, 0]) / st[:, 2], w, 0.5, self.alpha_hi)
        return c + lo * s_lo, c + hi * s_hi

    def issue(self, now: pd.Timestamp, known_at: pd.Timestamp, key: Any) -> None:
        """Record a forecast issued at `now` whose target is known from `known_at` on."""
        item = (known_at, self._seq, key, self.alpha_lo, self.alpha_hi, self.local(now))
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
            self.scored_s.append(tuple(float(v) for v in s))
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
            "online_centre_scale_low_high": [round(v, 4) for v in self.local(now)],
            "centre": self.center,
            "scale_stat": self.scale_stat,
            "tail_scales": self.tail_scales,
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
