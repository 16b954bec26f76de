"""Online calibration of the daily local-level intervals (intervals.OnlineConformal): strictly
point in time, and it recovers ~95% coverage after a level shift where the static split-conformal
calibration does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_ml.forecast import intervals as iv
from python_ml.forecast.models import LocalLevelLog
from tests.python.test_forecast_daily import _rows


def _train(daily: pd.Series, origin: pd.Timestamp) -> pd.DataFrame:
    rows = _rows(pd.date_range(origin - pd.Timedelta(days=365), origin - pd.Timedelta("1D")), daily)
    return rows[rows["target_time"] < origin]


def _shifted(seed: int, days: int = 600, s0: int = 450, ramp: int = 42) -> pd.Series:
    """Level falls from 128 to 50 posts/day over `ramp` days from day s0 while the day noise
    (log sd) doubles from 0.25 to 0.5: the kind of regime change seen when an account's level
    shifts. NB counts around the level."""
    rng = np.random.default_rng(seed)
    frac = np.clip((np.arange(days) - s0) / ramp, 0, 1)
    level = np.log(128) + frac * np.log(50 / 128) + np.cumsum(rng.normal(0, 0.02, days))
    mu = np.exp(level + rng.normal(0, 1, days) * (0.25 + 0.25 * frac))
    y = rng.negative_binomial(20.0, 20.0 / (20.0 + mu)).astype(float)
    return pd.Series(y, index=pd.date_range("2023-01-01", periods=days, freq="D", tz="UTC"))


def test_scores_only_targets_that_ended_before_now():
    cal = iv.OnlineConformal(gamma=0.01)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    seen = []

    def score(key, a_lo, a_hi):
        seen.append(key)
        return key, 0.0, True, False

    cal.issue(t0, t0 + pd.Timedelta("2D"), t0 + pd.Timedelta("1D"))
    cal.issue(t0, t0 + pd.Timedelta("1D"), t0)
    cal.observe_until(t0 + pd.Timedelta("1D") - pd.Timedelta("1s"), score)
    assert seen == []  # nothing has ended yet
    cal.observe_until(t0 + pd.Timedelta("1D"), score)
    assert seen == [t0]  # only the target that ended
    # ACI: a miss below widens the lower tail (smaller level), no miss above narrows the upper
    assert cal.alpha_lo < cal.target < cal.alpha_hi
    cal.observe_until(t0 + pd.Timedelta("3D"), score)
    assert seen == [t0, t0 + pd.Timedelta("1D")] and cal.n_scored == 2


def test_weighted_conformal_tails():
    rng = np.random.default_rng(0)
    u = rng.normal(size=20000)
    lo, hi = iv.weighted_conformal_tails(u, np.ones_like(u), 0.025, 0.025)
    assert lo == pytest.approx(-1.96, abs=0.06) and hi == pytest.approx(1.96, abs=0.06)
    # recent scores (weight 1) dominate old ones (weight ~0): the quantiles follow the recent
    old, new = rng.normal(size=5000), rng.normal(0, 3, size=5000)
    w = np.concatenate([np.full(5000, 1e-6), np.ones(5000)])
    lo, hi = iv.weighted_conformal_tails(np.concatenate([old, new]), w, 0.025, 0.025)
    assert lo == pytest.approx(-3 * 1.96, abs=0.4) and hi == pytest.approx(3 * 1.96, abs=0.4)
    # too little mass for a tail -> the extreme score, never beyond it
    assert iv.weighted_conformal_tails(np.arange(10.0), np.ones(10), 0.025, 0.025) == (0.0, 9.0)


def test_online_interval_at_an_origin_ignores_the_origin_day_and_later():
    daily = _shifted(5)
    cutoff = daily.index[470]
    origin = cutoff + pd.Timedelta(days=3)  # three days after the weekly fit: updated online
    test = _rows(pd.DatetimeIndex([origin]), daily)
    before = LocalLevelLog("daily", daily).fit(_train(daily, cutoff)).predict(test)

    altered = daily.copy()
    altered[altered.index >= origin] = 10_000.0  # the future explodes
    model = LocalLevelLog("daily", altered).fit(_train(altered, cutoff))
    after = model.predict(test)
    np.testing.assert_allclose(after.point, before.point)
    np.testing.assert_allclose(after.lower, before.lower)
    np.testing.assert_allclose(after.upper, before.upper)

    # the days between the fit and the origin are scored online: a huge outlier on the last
    # day before the origin widens the interval there (so the test above can fail)
    moved = daily.copy()
    moved[origin - pd.Timedelta("1D")] = 40_000.0
    m2 = LocalLevelLog("daily", moved).fit(_train(moved, cutoff))
    m2.state_params = model.state_params  # same level model: only the calibration differs
    assert m2.z_bounds(cutoff) == pytest.approx(model.z_bounds(cutoff))
    lo_b, hi_b = model.z_bounds(origin)
    lo_m, hi_m = m2.z_bounds(origin)
    assert hi_m - lo_m > 1.05 * (hi_b - lo_b)


def test_online_calibration_recovers_coverage_after_a_level_shift_and_static_does_not():
    """Rolling origin as in the backtest (refit weekly, targets before the origin only), from 3
    weeks after the shift began, 12 weeks of origins, 7 days ahead each."""
    covs: dict[str, list[float]] = {"online": [], "conformal": []}
    widths: dict[str, list[float]] = {"online": [], "conformal": []}
    for seed in (2, 3):
        daily = _shifted(seed)
        origins = pd.date_range(daily.index[450] + pd.Timedelta(days=21), periods=84, freq="D")
        model = LocalLevelLog("daily", daily)
        got = {c: [] for c in covs}
        for i, o in enumerate(origins):
            if i % 7 == 0:
                model.fit(_train(daily, o))
            test = _rows(pd.DatetimeIndex([o]), daily)
            for cal in covs:  # the same fit, both calibrations
                model.calibration = cal
                p = model.predict(test)
                got[cal].append(test.assign(lower=p.lower, upper=p.upper))
        for cal, frames in got.items():
            f = pd.concat(frames)
            f = f[f["y"].notna()]
            covs[cal].append(
                iv.coverage(f["y"].to_numpy(), f["lower"].to_numpy(), f["upper"].to_numpy())
            )
            widths[cal].append(float((f["upper"] - f["lower"]).mean()))
    assert all(0.93 <= c <= 0.98 for c in covs["online"]), covs
    assert all(c < 0.90 for c in covs["conformal"]), covs
    # it covers by adapting the width to the new noise, not by blowing it up
    assert all(w1 < 1.6 * w0 for w1, w0 in zip(widths["online"], widths["conformal"], strict=True))
