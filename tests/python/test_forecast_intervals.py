"""Interval logic: coverage counting, NB intervals vs Poisson on overdispersed counts, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _skewed_scores(rng, n: int) -> np.ndarray:
    """Day-noise scores with a long lower tail (8% slow days far below the level), as the
    account's log residuals have; their quantiles are known by simulation."""
    z = rng.normal(size=n)
    slow = rng.random(n) < 0.08
    z[slow] = rng.normal(-4.0, 1.0, slow.sum())
    return z


def test_asymmetric_conformal_tails_hit_known_quantiles_and_beat_a_symmetric_interval():
    rng = np.random.default_rng(4)
    truth = np.quantile(_skewed_scores(rng, 2_000_000), [0.025, 0.975])
    z, fresh = _skewed_scores(rng, 20_000), _skewed_scores(rng, 200_000)
    lo, hi = iv.weighted_conformal_tails(z, np.ones_like(z), 0.025, 0.025)
    assert lo == pytest.approx(truth[0], abs=0.1) and hi == pytest.approx(truth[1], abs=0.06)
    # the symmetric interval +-q from the same scores (q: the conformal 95% quantile of |z|)
    q = iv.weighted_conformal_tails(np.abs(z), np.ones_like(z), 0.5, 0.05)[1]
    for a, b in ((lo, hi), (-q, q)):
        assert np.mean((fresh >= a) & (fresh <= b)) == pytest.approx(0.95, abs=0.01)
    # both cover 95%; the one that splits the tails is far narrower on a skewed series
    assert hi - lo < 0.9 * (2 * q)


def test_online_conformal_covers_a_skewed_stream_near_nominal_in_each_tail():
    rng = np.random.default_rng(5)
    days = pd.date_range("2021-01-01", periods=1500, freq="D", tz="UTC")
    stream = _skewed_scores(rng, len(days))
    cal = iv.OnlineConformal()
    lo, hi = np.full(len(days), np.nan), np.full(len(days), np.nan)
    for i, d in enumerate(days):
        cal.observe_until(d, lambda key, a, b: (days[key], stream[key], False, False))
        lo[i], hi[i] = cal.bounds(d)
        cal.issue(d, d + pd.Timedelta("1D"), i)
    live = slice(100, None)  # after the first 40 scores it is conformal, not Gaussian
    below, above = np.mean(stream[live] < lo[live]), np.mean(stream[live] > hi[live])
    assert 0.01 <= below <= 0.04 and 0.01 <= above <= 0.04, (below, above)
    assert 0.93 <= 1 - below - above <= 0.975


def test_ratio_score_and_bounds_invert_each_other():
    m, sd = np.log(np.array([40.0, 120.0])), np.array([0.5, 0.3])
    for power in (0.0, 0.5, 1.0):
        z = iv.ratio_score(np.array([25.0, 200.0]), m, sd, power)
        lo, hi = iv.ratio_bounds(m, sd, z, z, power)
        # floor / ceil of the same count, up to the rounding of exp / log
        assert lo.tolist() == pytest.approx([25.0, 200.0], abs=1.0)
        assert hi.tolist() == pytest.approx([25.0, 200.0], abs=1.0)
    # a lower score than the transform can reach gives a lower bound of 0, never negative
    assert iv.ratio_bounds(m, sd, -100.0, 0.0, 1.0)[0].tolist() == [0.0, 0.0]


def test_empirical_bounds_blend_and_steady_level_rule():
    rng = np.random.default_rng(6)
    days = pd.date_range("2024-01-01", periods=200, freq="D", tz="UTC")
    daily = pd.Series(rng.lognormal(np.log(80), 0.4, len(days)).round(), index=days)
    o = days[150]
    lo, hi = iv.empirical_bounds(daily, o, 91)
    h = daily[o - pd.Timedelta(days=91) : o - pd.Timedelta("1D")].to_numpy()
    assert (lo, hi) == (np.floor(np.quantile(h, 0.025)), np.ceil(np.quantile(h, 0.975)))
    # the day of the origin and later are never read
    later = daily.copy()
    later[later.index >= o] = 1e6
    assert iv.empirical_bounds(later, o, 91) == (lo, hi)
    # too few known days: no empirical interval
    short = daily.copy()
    short[: days[140]] = np.nan
    assert np.isnan(iv.empirical_bounds(short, o, 91)[0])
    # the blend averages bound by bound, keeps the model's where the empirical is unknown,
    # and always holds the point
    b_lo, b_hi = iv.blend_bounds(
        [10.0, 10.0, 10.0],
        [50.0, 50.0, 50.0],
        [20.0, np.nan, 20.0],
        [71.0, np.nan, 71.0],
        0.5,
        point=[30.0, 30.0, 80.0],
    )
    assert b_lo.tolist() == [15.0, 10.0, 15.0] and b_hi.tolist() == [61.0, 50.0, 80.0]
    # a steady level is steady; a week far below the window's quartiles is a shift
    assert iv.level_is_steady(daily, o, 91)
    fallen = daily.copy()
    fallen[o - pd.Timedelta(days=7) : o - pd.Timedelta("1D")] *= 0.4
    assert not iv.level_is_steady(fallen, o, 91)
