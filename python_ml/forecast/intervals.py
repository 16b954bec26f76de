"""Count distributions for intervals.

Posting counts are heavily overdispersed (hourly variance ~10x the mean), so Poisson intervals
cover far less than 95% (measured in docs/FORECASTING.md). Learned models get a negative binomial
predictive distribution NB(mean=mu, var=mu + alpha*mu^2) with alpha fitted by maximum likelihood on
out-of-sample residuals of the most recent weeks, and a nominal level calibrated on the same
holdout: the smallest level whose interval covers >= 95% of the holdout buckets (discrete counts
make a nominal 95% interval cover more than 95%).
"""

from __future__ import annotations

import numpy as np
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


def calibrate_level(
    y: np.ndarray, mu: np.ndarray, alpha: float, target: float = TARGET_COVERAGE
) -> float:
    """Smallest nominal level whose NB interval covers >= target of the holdout."""
    for level in LEVEL_GRID:
        lo, hi = nb_interval(mu, alpha, float(level))
        if coverage(y, lo, hi) >= target:
            return float(level)
    return float(LEVEL_GRID[-1])
