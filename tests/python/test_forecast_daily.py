"""The daily local-level model: point in time, calibrated intervals on a synthetic overdispersed
series, the split-conformal bounds, and that it beats the 7-day mean where its model holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_ml.forecast import intervals as iv
from python_ml.forecast.models import LocalLevelLog, conformal_bounds


def _daily(days: int, seed: int, skewed: bool = True) -> pd.Series:
    """A slowly wandering level (random walk on log scale) with overdispersed day noise: NB
    counts around the level, plus (skewed) occasional slow days far below it (but not gaps)."""
    rng = np.random.default_rng(seed)
    level = np.log(60) + np.cumsum(rng.normal(0, 0.07, days))
    level -= np.linspace(0, level[-1] - np.log(60), days)  # keep the level near 60 posts/day
    mu = np.exp(level + rng.normal(0, 0.3, days))
    if skewed:
        mu *= np.where(rng.random(days) < 0.08, rng.uniform(0.15, 0.5, days), 1.0)
    n = 8.0
    y = rng.negative_binomial(n, n / (n + mu)).astype(float)
    idx = pd.date_range("2023-01-01", periods=days, freq="D", tz="UTC")
    return pd.Series(y, index=idx)


def _rows(origins: pd.DatetimeIndex, daily: pd.Series, horizon: int = 7) -> pd.DataFrame:
    out = []
    for o in origins:
        for k in range(horizon):
            t = o + pd.Timedelta(days=k)
            out.append({"origin": o, "target_time": t, "horizon": k, "y": daily.get(t, np.nan)})
    return pd.DataFrame(out)


def _rolling(daily: pd.Series, start: str, n_origins: int):
    """Rolling origin like the backtest: refit weekly on rows with targets before the origin."""
    origins = pd.date_range(start, periods=n_origins, freq="D", tz="UTC")
    model = LocalLevelLog("daily", daily)
    preds = []
    for i, o in enumerate(origins):
        if i % 7 == 0:
            train = _rows(pd.date_range(o - pd.Timedelta(days=365), o - pd.Timedelta("1D")), daily)
            model.fit(train[train["target_time"] < o])
        test = _rows(pd.DatetimeIndex([o]), daily)
        p = model.predict(test)
        preds.append(test.assign(point=p.point, lower=p.lower, upper=p.upper))
    return model, pd.concat(preds, ignore_index=True)


def test_forecast_at_origin_ignores_the_origin_day_and_later():
    daily = _daily(500, seed=3)
    origin = daily.index[420]
    train = _rows(
        pd.date_range(origin - pd.Timedelta(days=365), origin - pd.Timedelta("1D")), daily
    )
    train = train[train["target_time"] < origin]
    test = _rows(pd.DatetimeIndex([origin]), daily)
    before = LocalLevelLog("daily", daily).fit(train).predict(test)

    altered = daily.copy()
    altered[altered.index >= origin] = 10_000.0  # the future explodes
    after = LocalLevelLog("daily", altered).fit(train).predict(test)
    np.testing.assert_allclose(after.point, before.point)
    np.testing.assert_allclose(after.lower, before.lower)
    np.testing.assert_allclose(after.upper, before.upper)

    # ...while the last day before the origin does move it (the test can fail)
    moved = daily.copy()
    moved[origin - pd.Timedelta("1D")] *= 5
    shifted = LocalLevelLog("daily", moved).fit(train).predict(test)
    assert (shifted.point > before.point).all()


def test_gap_days_are_missing_not_zero():
    daily = _daily(500, seed=4, skewed=False)
    origin = daily.index[430]
    gapped = daily.copy()
    gapped[origin - pd.Timedelta(days=3) : origin - pd.Timedelta("1D")] = np.nan
    zeroed = daily.copy()
    zeroed[origin - pd.Timedelta(days=3) : origin - pd.Timedelta("1D")] = 0.0
    train = _rows(
        pd.date_range(origin - pd.Timedelta(days=365), origin - pd.Timedelta("1D")), daily
    )
    train = train[train["target_time"] < origin]
    test = _rows(pd.DatetimeIndex([origin]), daily)
    full = LocalLevelLog("daily", daily).fit(train).predict(test).point
    gap = LocalLevelLog("daily", gapped).fit(train).predict(test).point
    zero = LocalLevelLog("daily", zeroed).fit(train).predict(test).point
    # a gap keeps the level near where the known days put it; zeros would drag it down
    assert np.abs(gap - full).max() < 0.25 * full.mean()
    assert zero.mean() < 0.8 * gap.mean()


def test_calibrated_intervals_cover_overdispersed_skewed_series_and_beat_the_7_day_mean():
    daily = _daily(620, seed=11)
    model, pred = _rolling(daily, "2024-05-01", 70)
    pred = pred[pred["y"].notna()]
    cov = iv.coverage(pred["y"].to_numpy(), pred["lower"].to_numpy(), pred["upper"].to_numpy())
    assert 0.91 <= cov <= 0.99, cov
    # the slow-day tail makes the calibrated lower bound reach further than a Gaussian one
    assert model.z_low < -1.96 and model.z_high < -model.z_low
    mean7 = np.array(
        [daily[o - pd.Timedelta(days=7) : o - pd.Timedelta("1D")].mean() for o in pred["origin"]]
    )
    mae = (pred["point"] - pred["y"]).abs().mean()
    mae7 = np.abs(mean7 - pred["y"].to_numpy()).mean()
    assert mae < mae7, (mae, mae7)


def test_conformal_bounds_ranks_and_fallback():
    rng = np.random.default_rng(0)
    lo, hi = conformal_bounds(rng.normal(size=20000))
    assert lo == pytest.approx(-1.96, abs=0.06) and hi == pytest.approx(1.96, abs=0.06)
    skew = np.concatenate([rng.normal(size=950), rng.normal(-4, 1, size=50)])
    lo, hi = conformal_bounds(skew)
    assert lo < -3 and hi < 2.1
    # n = 39 residuals: too few for a 2.5% tail -> Gaussian
    assert conformal_bounds(rng.normal(size=39)) == pytest.approx((-1.959964, 1.959964))
    # with n = 79, floor(0.025 * 80) = 2: the 2nd smallest and the 78th (ceil(0.975 * 80))
    z = np.arange(79, dtype=float)
    assert conformal_bounds(z) == (1.0, 77.0)


def test_blend_with_the_empirical_interval_sharpens_a_steady_level_and_keeps_coverage():
    """A steady level (no random walk) with skewed day noise: averaging the model's interval
    with the 91-day empirical quantiles narrows it and lowers the Winkler score, at ~95%."""
    rng = np.random.default_rng(21)
    days = 560
    mu = 60 * np.exp(rng.normal(0, 0.3, days))
    mu *= np.where(rng.random(days) < 0.08, rng.uniform(0.15, 0.5, days), 1.0)
    y = rng.negative_binomial(8.0, 8.0 / (8.0 + mu)).astype(float)
    daily = pd.Series(y, index=pd.date_range("2023-01-01", periods=days, freq="D", tz="UTC"))
    origins = pd.date_range(daily.index[420], periods=126, freq="D")
    model = LocalLevelLog("daily", daily)
    got: dict[float, list[pd.DataFrame]] = {0.0: [], iv.BLEND_WEIGHT: []}
    for i, o in enumerate(origins):
        if i % 7 == 0:
            train = _rows(pd.date_range(o - pd.Timedelta(days=365), o - pd.Timedelta("1D")), daily)
            model.fit(train[train["target_time"] < o])
        test = _rows(pd.DatetimeIndex([o]), daily)
        for weight in got:  # the same fit, with and without the blend
            model.blend = weight
            p = model.predict(test)
            assert (p.lower <= p.point).all() and (p.point <= p.upper).all()
            got[weight].append(test.assign(lower=p.lower, upper=p.upper))
    res = {}
    for weight, frames in got.items():
        f = pd.concat(frames)
        y_, lo, hi = f["y"].to_numpy(), f["lower"].to_numpy(), f["upper"].to_numpy()
        res[weight] = (iv.coverage(y_, lo, hi), (hi - lo).mean(), iv.winkler(y_, lo, hi).mean())
    cov, width, score = res[iv.BLEND_WEIGHT]
    assert 0.93 <= cov <= 0.985, res
    assert width < 0.99 * res[0.0][1], res
    assert score < res[0.0][2], res
