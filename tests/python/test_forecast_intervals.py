"""Interval logic: coverage counting, NB intervals vs Poisson on overdispersed counts, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from python_ml.forecast import intervals as iv


def test_coverage_is_inclusive_and_ignores_unknown_targets():
    y = np.array([0, 2, 5, np.nan, 9])
    lo = np.array([0, 3, 5, 0, 0])
    hi = np.array([0, 4, 8, 0, 8])
    # inside: 0 in [0,0], 5 in [5,8]; outside: 2, 9; NaN is not scored
    assert iv.coverage(y, lo, hi) == pytest.approx(0.5)
    assert np.isnan(iv.coverage(np.array([np.nan]), np.array([0]), np.array([1])))


def _nb_sample(rng, mu, alpha):
    n = 1 / alpha
    return rng.negative_binomial(n, n / (n + mu))


def test_nb_interval_covers_overdispersed_counts_and_poisson_does_not():
    rng = np.random.default_rng(0)
    mu = rng.gamma(2.0, 2.0, size=20000)
    y = _nb_sample(rng, mu, alpha=1.5)
    lo, hi = iv.nb_interval(mu, 1.5, 0.95)
    cov_nb = iv.coverage(y, lo, hi)
    plo, phi = iv.poisson_interval(mu)
    cov_pois = iv.coverage(y, plo, phi)
    assert 0.94 <= cov_nb <= 0.99
    assert cov_pois < 0.85


def test_dispersion_mle_recovers_alpha():
    rng = np.random.default_rng(1)
    mu = rng.uniform(1, 20, size=30000)
    y = _nb_sample(rng, mu, alpha=0.8)
    assert iv.fit_dispersion(y, mu) == pytest.approx(0.8, rel=0.1)


def test_calibrated_level_reaches_target_on_holdout_and_is_not_wider_than_needed():
    rng = np.random.default_rng(2)
    mu = rng.uniform(0.2, 5, size=5000)
    y = _nb_sample(rng, mu, alpha=1.0)
    level = iv.calibrate_level(y, mu, 1.0)
    lo, hi = iv.nb_interval(mu, 1.0, level)
    assert iv.coverage(y, lo, hi) >= 0.95
    smaller = round(level - 0.005, 3)
    if smaller >= iv.LEVEL_GRID[0]:
        lo2, hi2 = iv.nb_interval(mu, 1.0, smaller)
        assert iv.coverage(y, lo2, hi2) < 0.95


def test_winkler_score_is_width_plus_penalty_outside():
    y = np.array([5.0, 1.0, 12.0])
    lo = np.array([2.0, 2.0, 2.0])
    hi = np.array([8.0, 8.0, 8.0])
    # inside: the width; below by 1 and above by 4: width + 2/0.05 x the miss
    assert iv.winkler(y, lo, hi).tolist() == pytest.approx([6.0, 6.0 + 40.0, 6.0 + 160.0])
    # a narrower interval that still covers scores better; one that misses pays for it
    assert iv.winkler(y[:1], np.array([4.0]), np.array([6.0]))[0] < iv.winkler(y[:1], lo, hi)[0]
    assert iv.winkler(y[1:2], np.array([4.0]), hi[:1])[0] > iv.winkler(y[1:2], lo[:1], hi[:1])[0]


def test_interval_study_metrics_and_naive_interval():
    import pandas as pd

    from python_ml.forecast import interval_study as st

    days = pd.date_range("2024-01-01", periods=120, freq="D", tz="UTC")
    daily = pd.Series(np.arange(120, dtype=float) % 10 + 100, index=days)
    paths = pd.DataFrame(
        {"origin": [days[100]] * 2, "horizon": [0, 1], "target_time": days[100:102]}
    ).assign(y=[100.0, 150.0])
    naive = st.naive_quantiles(paths, daily)
    # the 91 days before the origin hold 100..109: bounds floor(q2.5%) and ceil(q97.5%)
    assert naive["lower"].tolist() == [100.0, 100.0]
    assert naive["upper"].tolist() == [109.0, 109.0]
    m = st.interval_metrics(naive)
    assert m["coverage"] == pytest.approx(0.5)
    assert m["winkler"] == pytest.approx(9.0 + 0.5 * 40.0 * (150 - 109))
